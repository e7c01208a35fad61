// User-level governance: the last step of every read path (live open, offline open, refresh, prefetch
// read-back, progress, export, print). What reaches it has had patient-level governance (see
// patient-governance.ts). Here: the record of any source the patient declined to share is withheld unless
// break-glass may override that, the record is merged, then the user's role applies. Withheld items are only
// counted, with generic reasons; nothing about them survives in the returned record.
import type { Consent } from '../../../common/fhir';
import {
  recountSources,
  type RecordCompleteness,
  type SectionId,
  type WessexRecord,
} from '../../../common/record';
import { documentKeysOf } from '../record/pointer-links';
import { factsOf } from '../record/resource-facts';
import { SUPPORTING_TYPES } from '../record/sections';
import { copyKey, type RecordSnapshot } from '../record/snapshot';
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
  /** Dissent known outside the record (record locator, the sandbox's dissent flag): every source. */
  dissent?: boolean;
  /** Consent resources fetched for the patient, besides any in the sources' answers. */
  consents?: Consent[];
  /** The user broke the glass for this patient (AccessReasonState.breakGlassFor). */
  breakGlass?: boolean;
  /** policy.breakGlassOverridesDissent */
  breakGlassOverridesDissent: boolean;
  now?: Date;
}

export type UserGovernance = Pick<GovernOptions, 'access' | 'breakGlass' | 'breakGlassOverridesDissent'>;

export const NOT_FOR_ROLE = 'Not available for your role.';

/** The patient's declined sources, emptied (the Patient that says who they are stays), the rest untouched. */
function withoutDeclined(snapshot: RecordSnapshot): RecordSnapshot {
  let count = 0;
  const counted = new Set<string>();
  // A pointer to a document a declined source holds is that entry, counted once, as it.
  const declinedDocuments = snapshot.sources
    .filter((s) => s.declined)
    .flatMap((s) =>
      s.resources
        .filter((r) => r.resourceType === 'DocumentReference')
        .map((r) => documentKeysOf(r, s.status.baseUrl)),
    );
  const sources = snapshot.sources.map((source) => {
    if (!source.declined) return source;
    for (const resource of source.resources) {
      if (SUPPORTING_TYPES.has(String(resource.resourceType))) continue;
      const facts = factsOf(resource);
      const key = facts.identifierKeys[0] ?? facts.fingerprint ?? copyKey(source.status.id, resource);
      if (!counted.has(key)) {
        counted.add(key);
        count++;
      }
    }
    count += source.pointers.filter((p) => !declinedDocuments.some((d) => d.sameAs(p))).length;
    return {
      ...source,
      resources: source.resources.filter((r) => r.resourceType === 'Patient'),
      pointers: [],
      status: { ...source.status, declined: true },
    };
  });
  const reasons = new Set([...snapshot.withheld.reasons, WITHHELD_REASON.dissent]);
  return {
    ...snapshot,
    sources,
    withheld: { ...snapshot.withheld, count: snapshot.withheld.count + count, reasons: [...reasons] },
  };
}

function withheldForRole(completeness: RecordCompleteness, hidden: readonly SectionId[]): RecordCompleteness {
  if (hidden.length === 0) return completeness;
  const next = { ...completeness };
  for (const section of hidden) next[section] = { state: 'withheld', gaps: [], reason: NOT_FOR_ROLE };
  return next;
}

/**
 * The record as this user may see it, merged by `build` from what they may see. Pure; never mutates its
 * input. When `result.governance.dissentOverridden` is true the caller must audit a 'dissent-override' event.
 */
export function governForUser(
  snapshot: RecordSnapshot,
  options: UserGovernance,
  build: (visible: RecordSnapshot) => WessexRecord,
): WessexRecord {
  const breakGlass = !!options.breakGlass;
  const overridden = snapshot.dissent && breakGlass && options.breakGlassOverridesDissent;
  const record = build(snapshot.dissent && !overridden ? withoutDeclined(snapshot) : snapshot);
  const role = applyRoleAccess(record, options.access);
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
