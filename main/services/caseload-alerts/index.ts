// Caseload alerts (issue 18): admissions, discharges, ED attendances, letters and deaths for the user's
// caseload, from the regional sources' topic-based Subscriptions (websocket) or by polling.
export {
  CaseloadWatch,
  CaseloadWatchProblem,
  type CaseloadWatchService,
  type CaseloadWatchDeps,
  type CaseloadEventKeeper,
} from './watch-service';
export { MemoryEventKeeper } from './memory-keeper';
export { CASELOAD_TOPICS, TOPIC_CANONICAL_EXTENSION, advertisedTopics } from './topics';
export { checkWebsocketAddress } from './websocket-address';
