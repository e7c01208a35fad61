export { RecordReader, OfflineUnavailableError, notFoundAnywhere } from './record-reader';
export type { OpenedRecord, ReadRequest, RecordReaderOptions } from './record-reader';
export type { ProgressSkipped } from './screen-progress';
export { sourcesUnreachable, isNetworkError } from './reachability';
export { combineSnapshots, nextSourcesAsOf, type RefreshMode, type SourceWrite } from './combine-snapshots';
export {
  keepUrgentCareDocuments,
  urgentCareDocuments,
  type DocumentKeeperOptions,
} from './offline-documents';
