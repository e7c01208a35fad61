// The caseload watch as the viewer runs it: the regional sources with their tokens, the audit trail, the
// encrypted offline store (in memory only where this computer has none), the signed-in user's governance,
// and the caseload sources prefetch uses (today's appointments, a caseload List on the first source). It
// stops when the session locks or ends.
import { londonDate } from '../../../common/london-date';
import type { AuditTrail } from '../audit';
import type { TokenProvider } from '../auth/token-provider';
import type { OfflineCache } from '../cache';
import { CaseloadWatch, MemoryEventKeeper, type CaseloadWatchService } from '../caseload-alerts';
import type { SessionFeature } from '../features/session';
import type { EffectivePolicy } from '../policy';
import type { EngineSource } from '../record';
import { lookUpCaseload, practitionerOf } from './caseload-lookup';

export function createCaseloadWatch(deps: {
  policy: EffectivePolicy;
  sources: EngineSource[];
  tokens: TokenProvider;
  audit: AuditTrail;
  cache: OfflineCache | undefined;
  sessions: SessionFeature;
  clock: () => Date;
}): CaseloadWatchService {
  const { sources, tokens, audit, sessions } = deps;
  const watch = new CaseloadWatch({
    sources,
    tokens,
    audit,
    store: deps.cache?.caseloadEvents ?? new MemoryEventKeeper(),
    governance: (nhsNumber) => sessions.governance(nhsNumber),
    pollSeconds: deps.policy.caseloadPollSeconds,
    clock: deps.clock,
    resolveCaseload: async (selection) => {
      const from =
        selection.fromSource === 'appointments-today'
          ? { kind: 'appointments' as const, date: londonDate(deps.clock()) }
          : { kind: 'list' as const, ...(selection.listId ? { listId: selection.listId } : {}) };
      const found = await lookUpCaseload({
        source: sources[0],
        tokens,
        practitioner: practitionerOf(sessions.current().user),
        from,
      });
      if (sources[0]) {
        audit.record({
          kind: 'patient-query',
          query: from.kind === 'appointments' ? 'appointments today' : 'caseload list',
          server: sources[0].name,
        });
      }
      return found;
    },
  });
  sessions.onEnded(() => void watch.stop());
  return watch;
}
