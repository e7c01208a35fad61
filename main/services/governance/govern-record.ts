// User-level governance: the last step of every read path (live open, offline open, refresh, prefetch
// read-back, export, print). The record reaching it has already had patient-level governance (see
// patient-governance.ts); here: patient dissent unless break-glass may override it, then the user's role.
// Withheld items are only counted, with generic reasons; nothing about them survives in the returned record.
import type { Consent } from '../../../common/fhir';
import {
  recountSources,
  uniformCompleteness,
  type RecordCompleteness,
  type RecordEvent,
  type SectionId,
  type WessexRecord,
} from '../../../common/record';
import type { RoleAccess } from '../policy/schema';
import { applyRoleAccess, SECTIONS_FOR_ACCESS } from './role-access';
import type { SensitiveCodes } from './sensitive-codes';
import { WITHHELD_REASON } from './sensitive-filter';

/** Everything governance needs about the user and the patient (each step picks its part). */
export interface GovernOptions {
  /** From resolveRoleAccess (policy.roleMapping). */
  access: RoleAccess;
  /** From loadSensitiveCodes(policy.sensitiveCodeListPath). */
  sensitive: SensitiveCodes;
  /** Dissent known outside the record (record locator, the sandbox's dissent flag). */
  dissent?: boolean;
  /** Consent resources fetched for the patient, besides any in the sources' answers. */
  consents?: Consent[];
  /** The session is under break-glass (AccessReasonState.breakGlass). */
  breakGlass?: boolean;
  /** policy.breakGlassOverridesDissent */
  breakGlassOverridesDissent: boolean;
  now?: Date;
}

export type UserGovernance = Pick<GovernOptions, 'access' | 'breakGlass' | 'breakGlassOverridesDissent'>;

export const NOT_FOR_ROLE = 'Not available for your role.';

function withholdAll(record: WessexRecord): WessexRecord {
  const removed =
    record.items.length + record.pointers.length + record.heldApart.reduce((n, h) => n + h.items.length, 0);
  const reasons = new Set([...record.withheld.reasons, WITHHELD_REASON.dissent]);
  return {
    ...record,
    items: [],
    pointers: [],
    conflicts: [],
    heldApart: [],
    withheld: { count: record.withheld.count + removed, reasons: [...reasons] },
    completeness: uniformCompleteness({ state: 'withheld', gaps: [], reason: WITHHELD_REASON.dissent }),
  };
}

function withheldForRole(completeness: RecordCompleteness, hidden: readonly SectionId[]): RecordCompleteness {
  if (hidden.length === 0) return completeness;
  const next = { ...completeness };
  for (const section of hidden) next[section] = { state: 'withheld', gaps: [], reason: NOT_FOR_ROLE };
  return next;
}

/**
 * Returns the record as this user may see it. Pure; never mutates its input. When
 * `result.governance.dissentOverridden` is true the caller must audit a 'dissent-override' event.
 */
export function governForUser(record: WessexRecord, options: UserGovernance): WessexRecord {
  const breakGlass = !!options.breakGlass;
  const overridden = record.dissent && breakGlass && options.breakGlassOverridesDissent;
  const visible = record.dissent && !overridden ? withholdAll(record) : record;
  const role = applyRoleAccess(visible, options.access);
  const allowed = new Set<SectionId>(SECTIONS_FOR_ACCESS[options.access]);
  return {
    ...role.record,
    heldApart: role.record.heldApart.map((h) => ({
      ...h,
      items: h.items.filter((i) => allowed.has(i.section)),
    })),
    sources: recountSources(role.record.sources, role.record.items, role.record.pointers),
    completeness: withheldForRole(role.record.completeness, role.hiddenSections),
    governance: {
      access: options.access,
      hiddenSections: role.hiddenSections,
      hiddenForRoleCount: role.hiddenCount,
      breakGlass,
      dissentOverridden: overridden,
    },
  };
}

/** The same rules for a progress event (its items come from a record governed at patient level). */
export function governRecordEvent(
  event: RecordEvent,
  options: UserGovernance,
  dissent: boolean,
): RecordEvent {
  if (event.type === 'record') return { ...event, record: governForUser(event.record, options) };
  if (event.type !== 'section') return event;
  if (dissent && !(options.breakGlass && options.breakGlassOverridesDissent)) {
    return {
      ...event,
      items: [],
      completeness: { state: 'withheld', gaps: [], reason: WITHHELD_REASON.dissent },
    };
  }
  if (!SECTIONS_FOR_ACCESS[options.access].includes(event.section)) {
    return { ...event, items: [], completeness: { state: 'withheld', gaps: [], reason: NOT_FOR_ROLE } };
  }
  return event;
}
