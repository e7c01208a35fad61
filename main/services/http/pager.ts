// Reads a search (or $everything) result to the end: every `next` link followed, same origin only, loops
// refused, the page cap reported; when the server pages by offset and states its total, the remaining pages
// are asked for at once rather than one round trip after another. Resources are handed over page by page as they arrive; whatever on a page
// is not a resource (an OperationOutcome, an entry that is not an object) becomes a warning, never silence.
import { FetchFailure } from './failure';
import { asArray, isObject, objectsIn, type JsonObject, str } from '../../../common/json';
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
  const issues = objectsIn(outcome.issue);
  const texts = issues.map(
    (i) =>
      str(i.diagnostics) ?? (isObject(i.details) ? str(i.details.text) : undefined) ?? str(i.code) ?? 'issue',
  );
  return texts.join('; ').slice(0, 300) || 'an unspecified issue';
}

function outcomeIsError(outcome: JsonObject): boolean {
  return objectsIn(outcome.issue).some((i) => i.severity === 'error' || i.severity === 'fatal');
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
  const link = objectsIn(bundle.link).find((l) => l.relation === 'next');
  const url = str(link?.url);
  if (!url) return undefined;
  try {
    return new URL(url, current).href;
  } catch {
    throw new FetchFailure('malformed', 'sent a next-page link that is not a valid address');
  }
}

/** Offset parameters servers put in their next links: ours and the sandbox's, HAPI's, Firely's. */
const OFFSET_PARAMS = ['_offset', '_getpagesoffset', '_skip'];

/**
 * The rest of a search's pages, all at once, when page one says how: the Bundle states its total and the next
 * link pages by an offset that equals what page one held. Each address is the server's own next link with
 * only the offset changed, so it keeps the origin and whatever else the server put there. Undefined (read
 * link by link) when the server did not say enough to be sure.
 */
function offsetPages(bundle: JsonObject, next: string, most: number): string[] | undefined {
  const total = bundle.total;
  const served = asArray(bundle.entry).length;
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || served === 0) return undefined;
  const search = new URL(next).search;
  const param = OFFSET_PARAMS.find((name) => new RegExp(`[?&]${name}=${served}(&|$)`).test(search));
  if (!param) return undefined;
  const pattern = new RegExp(`([?&]${param}=)${served}(?=&|$)`);
  const urls: string[] = [];
  for (let offset = served; offset < total && urls.length < most; offset += served) {
    urls.push(next.replace(pattern, `$1${offset}`));
  }
  return urls.length > 1 ? urls : undefined;
}

export async function readAllPages(
  client: SourceClient,
  firstUrl: string,
  options: PagerOptions,
): Promise<PageResult> {
  const result: PageResult = { warnings: [], incomplete: false, pages: 0 };
  // Pages still in flight once one has failed are not wanted.
  const stop = new AbortController();
  const ask = (url: string) => {
    const page = client.getJson(url, { priority: options.priority, signal: stop.signal }).then(bundleFrom);
    page.catch(() => undefined);
    return { url, page };
  };
  const first = ask(new URL(firstUrl).href);
  const visited = new Set<string>([first.url]);
  // Pages asked for, in order; only the last one's next link says where the read goes from there.
  const queue = [first];
  let entries = 0;
  let promised: number | undefined;
  let distinct: DistinctEntries | undefined;
  for (let asked = queue.shift(); asked; asked = queue.shift()) {
    let bundle: JsonObject;
    try {
      bundle = await asked.page;
    } catch (error) {
      stop.abort();
      if (result.pages > 0 && error instanceof FetchFailure)
        throw new PartialReadFailure(error, result.pages);
      throw error;
    }
    result.pages++;
    entries += asArray(bundle.entry).length;
    if (queue.length > 0) {
      options.onPage(pageResources(client, bundle, options, result, distinct), result.pages);
      continue;
    }
    const next = nextLink(bundle, asked.url);
    const failure = next === undefined ? undefined : nextLinkFailure(client, next, visited, options.label);
    const capped = next !== undefined && !failure && result.pages >= options.pageCap;
    // Ask for what comes next before digesting this page, so merging overlaps the network round trip.
    if (next !== undefined && !failure && !capped) {
      const fanned = result.pages === 1 ? offsetPages(bundle, next, options.pageCap - 1) : undefined;
      if (fanned) {
        promised = bundle.total as number;
        // Counted as the pages are digested (below, in pageResources' own loop): a page that repeats another's
        // entries (offset paging over changing data, a proxy dropping the offset) must not pass for the rest.
        distinct = { ids: new Map(), count: 0 };
      }
      for (const url of fanned ?? [next]) {
        visited.add(url);
        queue.push(ask(url));
      }
    }
    options.onPage(pageResources(client, bundle, options, result, distinct), result.pages);
    if (failure) throw new PartialReadFailure(failure, result.pages);
    if (capped) {
      result.incomplete = true;
      result.warnings.push(
        `${client.name} has more ${options.label} results than the page limit (${options.pageCap} pages); the rest were not read`,
      );
    }
  }
  // Pages asked for by offset end where the server's total said; fewer entries means some were not sent, and
  // fewer different entries that its pages repeated some in place of others.
  if (promised !== undefined && !result.incomplete) {
    const different = distinct?.count ?? entries;
    if (entries < promised) {
      result.incomplete = true;
      result.warnings.push(
        `${client.name} said it holds ${promised} ${options.label} results but sent ${entries}; the rest were not read`,
      );
    } else if (different < promised) {
      result.incomplete = true;
      result.warnings.push(
        `${client.name} said it holds ${promised} ${options.label} results but its pages repeated entries: only ${different} different ones arrived; the rest were not read`,
      );
    }
  }
  return result;
}

function nextLinkFailure(
  client: SourceClient,
  next: string,
  visited: ReadonlySet<string>,
  label: string,
): FetchFailure | undefined {
  if (!client.isSameOrigin(next)) {
    const target = new URL(next);
    const own = new URL(client.origin);
    // The same host by another scheme (http where the source is https): say so, not "another server".
    const where =
      target.host === own.host
        ? `that uses ${target.protocol.slice(0, -1)} where ${client.name} uses ${own.protocol.slice(0, -1)}`
        : `that points to another server (${target.host})`;
    return new FetchFailure(
      'other-origin',
      `sent a next page link for ${label} ${where}; not followed, results incomplete`,
      undefined,
      target.origin,
    );
  }
  if (!client.isUnderBase(next)) {
    return new FetchFailure(
      'other-origin',
      `sent a next page link for ${label} outside its own FHIR address (${new URL(next).pathname}); not followed, results incomplete`,
    );
  }
  if (visited.has(next)) {
    return new FetchFailure('loop', `repeated a next page link for ${label}; stopped to avoid a loop`);
  }
  return undefined;
}

/** Entries of a read counted once each by type and id (an entry without both counts as itself). */
interface DistinctEntries {
  /** Ids by type: the strings the page's parse made, with no key built per entry. */
  ids: Map<string, Set<string>>;
  count: number;
}

function countDistinct(distinct: DistinctEntries, entry: unknown): void {
  const resource = isObject(entry) && isObject(entry.resource) ? entry.resource : undefined;
  const type = resource?.resourceType;
  const id = resource?.id;
  if (typeof type !== 'string' || typeof id !== 'string') {
    distinct.count++;
    return;
  }
  let ids = distinct.ids.get(type);
  if (!ids) distinct.ids.set(type, (ids = new Set()));
  if (ids.has(id)) return;
  ids.add(id);
  distinct.count++;
}

/** The page's resources; OperationOutcome entries and entries that are not resources become warnings. */
function pageResources(
  client: SourceClient,
  bundle: JsonObject,
  options: PagerOptions,
  result: PageResult,
  distinct?: DistinctEntries,
): JsonObject[] {
  const resources: JsonObject[] = [];
  let unreadable = 0;
  for (const entry of asArray(bundle.entry)) {
    if (distinct) countDistinct(distinct, entry);
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
