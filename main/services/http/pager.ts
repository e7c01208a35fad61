// Reads a search (or $everything) result to the end: every `next` link followed, same origin only, loops
// refused, the page cap reported. Resources are handed over page by page as they arrive; whatever on a page
// is not a resource (an OperationOutcome, an entry that is not an object) becomes a warning, never silence.
import { FetchFailure } from './failure';
import { asArray, isObject, type JsonObject, str } from './json';
import type { Priority, SourceClient } from './source-client';

export interface PageResult {
  /** Plain-words notes for the source status (OperationOutcome issues, unreadable entries, page cap). */
  warnings: string[];
  /** True when results were knowingly left unread or unusable. */
  incomplete: boolean;
  pages: number;
}

export interface PagerOptions {
  pageCap: number;
  priority: Priority;
  /** What is being read, for messages (e.g. "Observation"). */
  label: string;
  onPage: (resources: JsonObject[], page: number) => void;
}

/** Thrown when some pages were read before the failure: the data already handed over is kept. */
export class PartialReadFailure extends FetchFailure {
  constructor(
    cause: FetchFailure,
    readonly pagesRead: number,
  ) {
    super(cause.kind, cause.message, cause.status, cause.otherOrigin);
  }
}

function outcomeText(outcome: JsonObject): string {
  const issues = asArray(outcome.issue).filter(isObject);
  const texts = issues.map(
    (i) =>
      str(i.diagnostics) ?? (isObject(i.details) ? str(i.details.text) : undefined) ?? str(i.code) ?? 'issue',
  );
  return texts.join('; ').slice(0, 300) || 'an unspecified issue';
}

function outcomeIsError(outcome: JsonObject): boolean {
  return asArray(outcome.issue)
    .filter(isObject)
    .some((i) => i.severity === 'error' || i.severity === 'fatal');
}

export function bundleFrom(body: unknown): JsonObject {
  if (!isObject(body)) throw new FetchFailure('not-bundle', 'sent something that is not a FHIR resource');
  if (body.resourceType === 'Bundle') return body;
  if (body.resourceType === 'OperationOutcome') {
    throw new FetchFailure('not-bundle', `answered with an error instead of results: ${outcomeText(body)}`);
  }
  throw new FetchFailure(
    'not-bundle',
    `sent a ${str(body.resourceType) ?? 'non-FHIR object'} instead of a search result Bundle`,
  );
}

function nextLink(bundle: JsonObject, current: string): string | undefined {
  const link = asArray(bundle.link)
    .filter(isObject)
    .find((l) => l.relation === 'next');
  const url = str(link?.url);
  if (!url) return undefined;
  try {
    return new URL(url, current).href;
  } catch {
    throw new FetchFailure('malformed', 'sent a next-page link that is not a valid address');
  }
}

export async function readAllPages(
  client: SourceClient,
  firstUrl: string,
  options: PagerOptions,
): Promise<PageResult> {
  const result: PageResult = { warnings: [], incomplete: false, pages: 0 };
  const fetchPage = (url: string) => client.getJson(url, { priority: options.priority }).then(bundleFrom);
  let url = new URL(firstUrl).href;
  const visited = new Set<string>([url]);
  let pending: Promise<JsonObject> = fetchPage(url);
  for (;;) {
    let bundle: JsonObject;
    try {
      bundle = await pending;
    } catch (error) {
      if (result.pages > 0 && error instanceof FetchFailure)
        throw new PartialReadFailure(error, result.pages);
      throw error;
    }
    result.pages++;
    const next = nextLink(bundle, url);
    const failure =
      next === undefined
        ? undefined
        : !client.isSameOrigin(next)
          ? new FetchFailure(
              'other-origin',
              `sent a next page link for ${options.label} that points to another server (${new URL(next).host}); not followed, results incomplete`,
              undefined,
              new URL(next).origin,
            )
          : !client.isUnderBase(next)
            ? new FetchFailure(
                'other-origin',
                `sent a next page link for ${options.label} outside its own FHIR address (${new URL(next).pathname}); not followed, results incomplete`,
              )
            : visited.has(next)
              ? new FetchFailure(
                  'loop',
                  `repeated a next page link for ${options.label}; stopped to avoid a loop`,
                )
              : undefined;
    const capped = next !== undefined && !failure && result.pages >= options.pageCap;
    // Ask for the next page before digesting this one, so merging overlaps the network round trip.
    if (next !== undefined && !failure && !capped) {
      visited.add(next);
      pending = fetchPage(next);
      pending.catch(() => undefined);
    }
    options.onPage(pageResources(client, bundle, options, result), result.pages);
    if (failure) throw new PartialReadFailure(failure, result.pages);
    if (capped) {
      result.incomplete = true;
      result.warnings.push(
        `${client.name} has more ${options.label} results than the page limit (${options.pageCap} pages); the rest were not read`,
      );
    }
    if (next === undefined || capped) return result;
    url = next;
  }
}

/** The page's resources; OperationOutcome entries and entries that are not resources become warnings. */
function pageResources(
  client: SourceClient,
  bundle: JsonObject,
  options: PagerOptions,
  result: PageResult,
): JsonObject[] {
  const resources: JsonObject[] = [];
  let unreadable = 0;
  for (const entry of asArray(bundle.entry)) {
    if (!isObject(entry) || !isObject(entry.resource)) {
      unreadable++;
      continue;
    }
    const resource = entry.resource;
    const mode = isObject(entry.search) ? entry.search.mode : undefined;
    if (resource.resourceType === 'OperationOutcome' || mode === 'outcome') {
      result.warnings.push(
        `${client.name} reported a problem with ${options.label}: ${outcomeText(resource)}`,
      );
      if (outcomeIsError(resource)) result.incomplete = true;
      continue;
    }
    resources.push(resource);
  }
  if (unreadable > 0) {
    result.incomplete = true;
    const note = `${client.name} sent ${options.label} results that are not FHIR resources; they could not be read`;
    if (!result.warnings.includes(note)) result.warnings.push(note);
  }
  return resources;
}
