// Caseload prefetch: a community nurse's or paramedic's patients saved offline before going out of signal —
// from NHS numbers given, today's appointments or a caseload List on the first regional source.
import { londonDate } from '../../../common/london-date';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { BridgeEvents, PrefetchProgress } from '../../../preload/contract';
import type { AuditTrail } from '../audit';
import type { TokenProvider } from '../auth/token-provider';
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import { lookUpCaseload, practitionerOf, type CaseloadFrom } from '../composition/caseload-lookup';
import type { RecordAccess } from '../composition/record-access';
import { prefetchRecords, type PrefetchReport } from '../prefetch';
import type { EngineSource } from '../record';
import type { SessionFeature } from './session';

export type CaseloadHandlers = Pick<BridgeHandlers, 'prefetch:start'>;

export function caseloadHandlers(deps: {
  sessions: SessionFeature;
  records: RecordAccess;
  /** Where appointments and caseload Lists are kept: the first regional source. */
  source: EngineSource | undefined;
  tokens: TokenProvider;
  audit: AuditTrail;
  available: boolean;
  clock: () => Date;
  emit: (name: 'prefetch:progress', payload: BridgeEvents['prefetch:progress']) => void;
}): CaseloadHandlers {
  return {
    'prefetch:start': async ({ requestId, nhsNumbers, fromSource, listId, pin }) => {
      if (!deps.available) {
        throw new BridgeError('unavailable', 'Offline records are unavailable on this computer.');
      }
      const session = deps.sessions.current();
      // One reason for this list (checked by the channel rule), taken now so it covers this prefetch only.
      const reason = session.reasons.takeCaseloadReason();
      const caseload = fromSource
        ? await lookUpSelectedCaseload(deps, { fromSource, ...(listId ? { listId } : {}) })
        : { nhsNumbers: [], problems: [] };
      const withProblems = caseloadProblemsIn(caseload.problems);
      // The list's reason, now each patient's own, reaches the screen whether the prefetch finished or failed.
      const report = await prefetchRecords({
        nhsNumbers: [...new Set([...(nhsNumbers ?? []).map(normaliseNhsNumber), ...caseload.nhsNumbers])],
        pin: pin ?? true,
        opener: {
          open: (nhs, opts) => {
            // The list's reason becomes this patient's own (unless they have one already), audited for them.
            const applied = session.reasons.applyCaseloadReason(nhs, reason);
            if (applied === reason) {
              deps.audit.record({
                kind: 'access-reason',
                reasonCode: reason.reasonCode,
                nhsNumber: normaliseNhsNumber(nhs),
              });
            }
            return deps.records.open({
              requestId: `${requestId}-${normaliseNhsNumber(nhs)}`,
              identity: session.identityFor(nhs),
              decisions: session.decisionsFor(nhs),
              governance: deps.sessions.governance(nhs),
              breakGlassReason: session.reasons.breakGlassFor(nhs)?.freeText,
              ungrantedScopes: session.origin.ungrantedScopes,
              purpose: 'prefetch',
              ...(opts?.pin ? { pin: true } : {}),
            });
          },
        },
        // Locked, the prefetch goes on into the offline store; the patients it names stay off the screen.
        onProgress: (progress) =>
          deps.sessions.shows(session) &&
          deps.emit('prefetch:progress', { requestId, ...withProblems(progress) }),
      }).finally(() => deps.sessions.reasonsChanged(session));
      return { requestId, ...withProblems(report) } satisfies PrefetchProgress;
    },
  };
}

/**
 * The NHS numbers of today's appointments or a caseload List (the clinician's own, without `listId`) on the
 * first regional source, for the signed-in clinician; the lookup is audited as a PatientQuery. Used by the
 * prefetch and the caseload watch alike.
 */
export async function lookUpSelectedCaseload(
  deps: Pick<Parameters<typeof caseloadHandlers>[0], 'sessions' | 'source' | 'tokens' | 'audit' | 'clock'>,
  selection: { fromSource: 'appointments-today' | 'caseload-list'; listId?: string },
): Promise<{ nhsNumbers: string[]; problems: string[] }> {
  const from: CaseloadFrom =
    selection.fromSource === 'appointments-today'
      ? { kind: 'appointments', date: londonDate(deps.clock()) }
      : { kind: 'list', ...(selection.listId ? { listId: selection.listId } : {}) };
  const caseload = await lookUpCaseload({
    source: deps.source,
    tokens: deps.tokens,
    practitioner: practitionerOf(deps.sessions.current().user),
    from,
  });
  if (deps.source) {
    deps.audit.record({
      kind: 'patient-query',
      query: from.kind === 'appointments' ? 'appointments today' : 'caseload list',
      server: deps.source.name,
    });
  }
  return caseload;
}

/** A caseload's problems (nothing booked, server down, unusable entries) listed as failures before the patients. */
function caseloadProblemsIn(problems: string[]): (report: PrefetchReport) => PrefetchReport {
  const listed = problems.map((message) => ({ nhsNumber: '', ok: false, message }));
  return (report) => ({
    ...report,
    total: report.total + listed.length,
    done: report.done + listed.length,
    results: [...listed, ...report.results],
  });
}
