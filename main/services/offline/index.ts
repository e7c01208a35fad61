export { RecordOpener, OfflineUnavailableError, notFoundAnywhere } from './record-opener';
export type { LiveFetch, OpenedRecord, RecordOpenerOptions } from './record-opener';
export { sourcesUnreachable, isNetworkError } from './reachability';
export { mergeIncremental, mergeFull } from './refresh-merge';
export { createGovernedLiveFetch } from './governed-fetch';
export type { GovernedFetchOptions } from './governed-fetch';
