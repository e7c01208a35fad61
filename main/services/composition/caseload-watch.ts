// The caseload watch as the viewer runs it: the regional sources with their tokens, the audit trail, the
// encrypted offline store (in memory only where this computer has none), the signed-in user's governance,
// and the caseload sources prefetch uses (today's appointments, a caseload List on the first source). It
// stops when the session ends (CaseloadAlertsFeature): a lock keeps it, its notifications then give only
// the count.
import type { AuditTrail } from '../audit';
import type { TokenProvider } from '../auth/token-provider';
import type { OfflineCache } from '../cache';
import { CaseloadWatch, MemoryEventKeeper, type CaseloadWatchService } from '../caseload-alerts';
import { lookUpSelectedCaseload } from '../features/caseload';
import type { SensitiveCodes } from '../governance';
import type { SessionFeature } from '../features/session';
import type { EffectivePolicy } from '../policy';
import type { EngineSource } from '../record';

export function createCaseloadWatch(deps: {
  policy: EffectivePolicy;
  sources: EngineSource[];
  tokens: TokenProvider;
  audit: AuditTrail;
  cache: OfflineCache | undefined;
  sessions: SessionFeature;
  /** The sensitive code list the record is governed with: alerts withhold what the record would. */
  sensitive: SensitiveCodes;
  clock: () => Date;
}): CaseloadWatchService {
  const { sources, tokens, audit, sessions } = deps;
  return new CaseloadWatch({
    sources,
    tokens,
    audit,
    store: deps.cache?.caseloadEvents ?? new MemoryEventKeeper(),
    sensitive: deps.sensitive,
    governance: (nhsNumber) => sessions.governance(nhsNumber),
    pollSeconds: deps.policy.caseloadPollSeconds,
    clock: deps.clock,
    resolveCaseload: ({ fromSource, listId }) =>
      lookUpSelectedCaseload(
        { sessions, source: sources[0], tokens, audit, clock: deps.clock },
        { fromSource: fromSource ?? 'caseload-list', ...(listId ? { listId } : {}) },
      ),
  });
}
