// The HTTP layer every network path in main goes through: one SourceClient per source (or per server the
// launch talks to), one failure vocabulary, one network-error classifier.
export {
  SourceClient,
  DEFAULT_CLIENT_LIMITS,
  retryAfterMs,
  type Priority,
  type RawResponse,
  type RequestOptions,
  type SendOptions,
  type SourceClientLimits,
  type SourceClientOptions,
} from './source-client';
export { FetchFailure, asFetchFailure, statusFailure, sizeText, type FailureKind } from './failure';
export { isNetworkError, networkProblem, type NetworkProblem } from './network-errors';
export { DeadlineExceeded, startDeadline, abortable, durationText, type Deadline } from './deadline';
export { readAllPages, bundleFrom, PartialReadFailure, type PageResult, type PagerOptions } from './pager';
export { tokenFromProvider, type SourceToken } from './source-token';
export { fetchTransport, poolTransport, type FetchLike, type Transport } from './transport';
export { exchangeJson, type JsonExchange, type JsonReply } from './json-exchange';
export { sourceHolding, isUnderBase } from './holder';
