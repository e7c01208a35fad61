export { prefetchRecords, NOT_KNOWN_MESSAGE } from './prefetch';
export type { PrefetchOptions, PrefetchReport, PrefetchResult } from './prefetch';
export { caseloadFromList, caseloadFromAppointments, findCaseloadList } from './caseload-source';
export type { CaseloadResult, CaseloadServer } from './caseload-source';
