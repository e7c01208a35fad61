// Reads a search (or $everything) result to the end: every `next` link followed, same origin only,
// loops refused, the page cap reported. Resources are handed over page by page as they arrive.
import { asArray, isObject, type Json, str } from '../fhir-read';
import { FetchFailure } from './fetch-failure';
import type { Priority } from './limiter';
import type { SourceHttp } from './source-http';

export interface PageResult {
  /** Plain-words notes for the source status (OperationOutcome issues, page cap). */
  warnings: string[];
  /** True when results were knowingly left unread (page cap). */
  incomplete: boolean;
  pages: number;
}

export interface PagerOptions {
  pageCap: number;
  priority: Priority;
  /** What is being read, for messages (e.g. "Observation"). */
  label: string;
  onPage: (resources: Json[], page: number) => void;
}

/** Thrown when some pages were read before the failure: the data already handed over is kept. */
export class PartialReadFailure extends FetchFailure {
  constructor(
    cause: FetchFailure,
    readonly pagesRead: number,
  ) {
    super(cause.kind, cause.message, cause.status);
  }
}

function outcomeText(outcome: Json): string {
  const issues = asArray(outcome.issue).filter(isObject);
  const texts = issues.map(
    (i) =>
      str(i.diagnostics) ?? (isObject(i.details) ? str(i.details.text) : undefined) ?? str(i.code) ?? 'issue',
  );
  return texts.join('; ').slice(0, 300) || 'an unspecified issue';
}

function outcomeIsError(outcome: Json): boolean {
  return asArray(outcome.issue)
    .filter(isObject)
    .some((i) => i.severity === 'error' || i.severity === 'fatal');
}

export function bundleFrom(body: unknown): Json {
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

function nextLink(bundle: Json, current: string): string | undefined {
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
  http: SourceHttp,
  firstUrl: string,
  options: PagerOptions,
): Promise<PageResult> {
  const result: PageResult = { warnings: [], incomplete: false, pages: 0 };
  const fetchPage = (url: string) => http.getJson(url, options.priority).then(bundleFrom);
  let url = new URL(firstUrl).href;
  const visited = new Set<string>([url]);
  let pending: Promise<Json> = fetchPage(url);
  for (;;) {
    let bundle: Json;
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
        : !http.isSameOrigin(next)
          ? new FetchFailure(
              'other-origin',
              `sent a next page link for ${options.label} that points to another server (${new URL(next).host}); not followed, results incomplete`,
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
    options.onPage(pageResources(http, bundle, options, result), result.pages);
    if (failure) throw new PartialReadFailure(failure, result.pages);
    if (capped) {
      result.incomplete = true;
      result.warnings.push(
        `${http.name} has more ${options.label} results than the page limit (${options.pageCap} pages); the rest were not read`,
      );
    }
    if (next === undefined || capped) return result;
    url = next;
  }
}

/** The page's resources; OperationOutcome entries become warnings instead. */
function pageResources(http: SourceHttp, bundle: Json, options: PagerOptions, result: PageResult): Json[] {
  const resources: Json[] = [];
  for (const entry of asArray(bundle.entry)) {
    if (!isObject(entry) || !isObject(entry.resource)) continue;
    const resource = entry.resource;
    const mode = isObject(entry.search) ? entry.search.mode : undefined;
    if (resource.resourceType === 'OperationOutcome' || mode === 'outcome') {
      result.warnings.push(`${http.name} reported a problem with ${options.label}: ${outcomeText(resource)}`);
      if (outcomeIsError(resource)) result.incomplete = true;
      continue;
    }
    resources.push(resource);
  }
  return resources;
}
