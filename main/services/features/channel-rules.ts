// What every bridge channel requires of the session and how it is audited, in one table whose type needs an
// entry per channel, applied as wrappers where the bridge is composed: no handler can forget either. Events
// a channel writes go through its rule; work done by a service that audits every caller (record access, the
// offline store, the session) is named instead, so the CLI and the app write the same events.
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { BridgeArgs, BridgeChannel, BridgeResults } from '../../../preload/contract';
import type { AuditAction, AuditTrail } from '../audit';
import type { AuditEventOptions } from '../audit/balp';
import type { BridgeCaller, BridgeHandlers } from '../bridge/dispatch';
import type { SessionFeature } from './session';

/**
 * none: anyone; session: someone signed in, even while locked; signed-in: unlocked (counts as activity);
 * reason: unlocked, with a reason for access to the patient the request names (`nhsNumber`: the EPR's patient
 * in context, a reason declared for that patient, or break-glass for that patient);
 * caseload-reason: unlocked, with a reason declared for the caseload prefetch about to start.
 */
export type Requirement = 'none' | 'session' | 'signed-in' | 'reason' | 'caseload-reason';

type Event = { action: AuditAction; options?: AuditEventOptions };
/** The follow-up of a written-ahead action: the same event again with this outcome. */
type EndedOtherwise = { outcome: '4' | '8'; outcomeDesc: string };

type ChannelAudit<C extends BridgeChannel> =
  | { notAudited: string }
  | { auditedBy: string }
  | {
      /** Written before the handler runs: durable before any data leaves the app (none: nothing will). */
      before?: (args: BridgeArgs<C>, caller: BridgeCaller) => Event | undefined;
      after?: (args: BridgeArgs<C>, result: BridgeResults[C]) => Event[];
      /** How the action `before` began ended, when the handler returned but not as its event says. */
      endedOtherwise?: (args: BridgeArgs<C>, result: BridgeResults[C]) => EndedOtherwise | undefined;
      /** How the action `before` began ended when the handler failed. */
      failed?: (args: BridgeArgs<C>) => EndedOtherwise;
    };

interface ChannelRule<C extends BridgeChannel> {
  requires: Requirement;
  audit: ChannelAudit<C>;
}

const nhs = (args: { nhsNumber: string }) => normaliseNhsNumber(args.nhsNumber);
const offlineQuery = (query: string): Event[] => [
  { action: { kind: 'patient-query', query, server: 'offline cache' } },
];
const print = (args: { nhsNumber: string }): AuditAction => ({
  kind: 'print',
  nhsNumber: nhs(args),
  format: 'print',
});
const pdf = (args: { nhsNumber: string }): AuditAction => ({
  kind: 'export',
  nhsNumber: nhs(args),
  format: 'pdf',
});
const PAGE_OF_OPENED = {
  notAudited: 'pages of the record this session opened, whose read record access audited at the open',
};
const BY_STORE = { auditedBy: 'the offline store (cache-purge for every removal, whoever asks)' };

export const CHANNEL_RULES: { [C in BridgeChannel]: ChannelRule<C> } = {
  'app:get-state': { requires: 'none', audit: { notAudited: 'policy state and who is signed in' } },
  'record:open': {
    requires: 'reason',
    audit: { auditedBy: 'record access (patient read, offline read, cache write, dissent override)' },
  },
  'record:items': { requires: 'reason', audit: PAGE_OF_OPENED },
  'record:results': { requires: 'reason', audit: PAGE_OF_OPENED },
  'record:trends': { requires: 'reason', audit: PAGE_OF_OPENED },
  'record:result-history': { requires: 'reason', audit: PAGE_OF_OPENED },
  'record:result-panels': { requires: 'reason', audit: PAGE_OF_OPENED },
  'record:search': { requires: 'reason', audit: PAGE_OF_OPENED },
  'record:timeline': { requires: 'reason', audit: PAGE_OF_OPENED },
  'record:confirm-identity': {
    requires: 'reason',
    audit: { after: (args) => [{ action: { kind: 'identity-confirmed', nhsNumber: nhs(args) } }] },
  },
  'record:decide-identity': {
    requires: 'reason',
    audit: {
      after: (args) => [
        {
          action: {
            kind: 'identity-decision',
            nhsNumber: nhs(args),
            sourceId: args.sourceId,
            decision: args.decision,
          },
        },
      ],
    },
  },
  // Finding a patient comes before the reason for them (asked when their record is opened); the query is audited.
  'patient:search': {
    requires: 'signed-in',
    audit: { auditedBy: 'the patient search (a PatientQuery naming every directory, before any is asked)' },
  },
  'cache:search': { requires: 'signed-in', audit: { after: () => offlineQuery('offline search') } },
  'cache:list': { requires: 'signed-in', audit: { after: () => offlineQuery('offline list') } },
  'cache:delete': { requires: 'signed-in', audit: BY_STORE },
  'cache:delete-all': { requires: 'signed-in', audit: BY_STORE },
  'prefetch:start': {
    requires: 'caseload-reason',
    audit: { auditedBy: 'the caseload lookup (query) and record access (prefetch and cache write)' },
  },
  // The watch audits its own work: a PatientQuery for each subscription and each delivery of events.
  'caseload:watch-start': {
    requires: 'caseload-reason',
    audit: {
      auditedBy: 'the caseload watch (a PatientQuery per subscription and per notification delivered)',
    },
  },
  'caseload:watch-stop': { requires: 'signed-in', audit: { notAudited: 'ends the watch; no patient data' } },
  'caseload:events': {
    requires: 'signed-in',
    audit: { notAudited: 'events the caseload watch audited (PatientQuery) when they were delivered' },
  },
  'caseload:open-patient': {
    requires: 'signed-in',
    audit: {
      auditedBy: 'the caseload feature (access-reason for the patient, when the reason becomes theirs)',
    },
  },
  'access:declare-reason': {
    requires: 'signed-in',
    audit: {
      // Per patient: the reason (or break-glass) that patient's record is now shown under. A caseload reason is
      // audited again for each patient when the prefetch applies it.
      after: (args, session) => {
        if (!args.nhsNumber) return [{ action: { kind: 'access-reason', reasonCode: args.reasonCode } }];
        const nhsNumber = nhs({ nhsNumber: args.nhsNumber });
        const held = session.patientReasons.find((r) => r.nhsNumber === nhsNumber);
        return [
          {
            action: held?.breakGlass
              ? { kind: 'break-glass', reason: held.breakGlass.reason, nhsNumber }
              : { kind: 'access-reason', reasonCode: args.reasonCode, nhsNumber },
          },
        ];
      },
    },
  },
  'session:sign-in': { requires: 'none', audit: { auditedBy: 'the session (sign-in once completed)' } },
  'session:unlock': { requires: 'session', audit: { auditedBy: 'the session (unlocking is a sign-in)' } },
  'session:sign-out': { requires: 'none', audit: { auditedBy: 'the session (sign-out)' } },
  'handover:print': {
    requires: 'reason',
    audit: {
      // A window that cannot print is refused by the handler before anything leaves: nothing to audit.
      before: (args, caller) => (caller.printer ? { action: print(args) } : undefined),
      endedOtherwise: (_args, { outcome }) =>
        outcome === 'cancelled'
          ? { outcome: '4', outcomeDesc: 'The user cancelled the print dialog; nothing was printed' }
          : undefined,
      failed: () => ({ outcome: '8', outcomeDesc: 'The printer reported a failure; nothing was printed' }),
    },
  },
  'handover:save-pdf': {
    requires: 'reason',
    audit: {
      before: (args, caller) => (caller.printer ? { action: pdf(args) } : undefined),
      endedOtherwise: (_args, result) =>
        result.outcome === 'cancelled'
          ? { outcome: '4', outcomeDesc: 'The user cancelled the save dialog; nothing was saved' }
          : undefined,
      failed: () => ({
        outcome: '8',
        outcomeDesc: 'The PDF could not be made or written; nothing was saved',
      }),
    },
  },
  'handover:open-kept': {
    requires: 'reason',
    audit: {
      after: (args) => [
        {
          action: {
            kind: 'patient-read',
            nhsNumber: nhs(args),
            server: 'handover PDF kept in the encrypted store',
          },
        },
      ],
    },
  },
  'preferences:get': { requires: 'none', audit: { notAudited: 'display preferences' } },
  'preferences:update': { requires: 'none', audit: { notAudited: 'display preferences' } },
  'document:get': {
    requires: 'reason',
    audit: {
      after: (args) => [
        { action: { kind: 'patient-read', nhsNumber: nhs(args), server: 'document in the opened record' } },
      ],
    },
  },
};

type AnyHandler = (args: never, caller: BridgeCaller) => Promise<unknown>;

function mapHandlers(
  handlers: BridgeHandlers,
  wrap: (channel: BridgeChannel, handler: AnyHandler) => AnyHandler,
): BridgeHandlers {
  const wrapped: Partial<Record<BridgeChannel, AnyHandler>> = {};
  for (const channel of Object.keys(handlers) as BridgeChannel[]) {
    wrapped[channel] = wrap(channel, handlers[channel] as AnyHandler);
  }
  return wrapped as BridgeHandlers;
}

/** Each channel's audit rule around its handler. */
export function audited(handlers: BridgeHandlers, trail: AuditTrail): BridgeHandlers {
  return mapHandlers(handlers, (channel, handler) => {
    const rule = CHANNEL_RULES[channel].audit as ChannelAudit<BridgeChannel>;
    if ('notAudited' in rule || 'auditedBy' in rule) return handler;
    const write = ({ action, options }: Event) => trail.record(action, options);
    return async (args, caller) => {
      // Written ahead and held open until the handler ends: a crash meanwhile is said at the next start.
      const before = rule.before?.(args, caller);
      const intent = before && trail.begin(before.action, before.options);
      let result: unknown;
      try {
        result = await handler(args, caller);
      } catch (error) {
        const failed = rule.failed?.(args);
        if (intent && failed) intent.endedOtherwise(failed.outcome, failed.outcomeDesc);
        else intent?.done();
        throw error;
      }
      const otherwise = rule.endedOtherwise?.(args, result as never);
      if (intent && otherwise) intent.endedOtherwise(otherwise.outcome, otherwise.outcomeDesc);
      else intent?.done();
      for (const event of rule.after?.(args, result as never) ?? []) write(event);
      return result;
    };
  });
}

/**
 * Each channel's requirement checked before anything else (its audit included) runs, for the patient the
 * request names (arguments are already validated, so an `nhsNumber` there is a string).
 */
export function guarded(
  handlers: BridgeHandlers,
  sessions: Pick<SessionFeature, 'check' | 'current' | 'assertStillShows'>,
): BridgeHandlers {
  return mapHandlers(handlers, (channel, handler) => {
    const requirement = CHANNEL_RULES[channel].requires;
    return async (args, caller) => {
      sessions.check(requirement, patientNamedIn(args));
      if (requirement === 'none' || requirement === 'session') return handler(args, caller);
      const session = sessions.current();
      const answer = await handler(args, caller);
      // The session may have locked or ended while the answer was made (a source's letter, a search across
      // the region): what it found stays in main.
      sessions.assertStillShows(session);
      return answer;
    };
  });
}

function patientNamedIn(args: unknown): string | undefined {
  const named = (args as { nhsNumber?: unknown } | undefined)?.nhsNumber;
  return typeof named === 'string' ? named : undefined;
}
