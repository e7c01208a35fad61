export { prefetchRecords, NOT_KNOWN_MESSAGE } from './prefetch';
export type { PrefetchOptions, PrefetchReport, PrefetchResult } from './prefetch';
export { parseNhsNumberList } from './nhs-number-list';
export type { ListProblem, ParsedNhsNumberList } from './nhs-number-list';
export { caseloadFromList, caseloadFromAppointments, findCaseloadList } from './caseload-source';
export type { CaseloadResult, CaseloadServer } from './caseload-source';
