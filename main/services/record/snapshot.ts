// What the sources said, before any merging: one SourceSnapshot per configured source, in configured order.
// Everything downstream (patient-level governance, the offline cache, refresh, the merged record) works from
// snapshots, so the merged record is always rebuilt the same way from the same data (see build-record.ts).
import type {
  IdentityWarning,
  PatientSummary,
  RecordPointer,
  SectionId,
  SourceStatus,
  WithheldSummary,
} from '../../../common/record';
import { createHash } from 'node:crypto';
import type { Json } from './fhir-read';

export interface SourceSnapshot {
  /** How the source ended (id, name, kind and base included); `savedCopy` when its data is a saved copy. */
  status: SourceStatus;
  /** The regional source's Patient for this NHS number, when it found exactly one. */
  patient?: Json;
  /** Every resource it returned: entries and supporting resources (Medication, Practitioner …). */
  resources: Json[];
  /** Record-locator pointers (locator sources only). */
  pointers: RecordPointer[];
  identityWarnings: IdentityWarning[];
  /** What patient-level governance withheld from this source (counts and generic reasons only). */
  withheld?: WithheldSummary;
  /**
   * The source's withheld entries (withheldCopyKey), each saying whether `withheld.count` counts it (one the locator
   * lists, or another source's copy of one, is counted there): a refresh that sends one again, withheld or now
   * shown, takes its place, so it is neither counted twice nor still counted once shown. Main-side only, as
   * the resources are; none for one whose id is unknown (counted whatever is sent later).
   */
  withheldCopies?: readonly WithheldCopy[];
  /** The patient has declined to share this source's record (its own privacy Consent, or dissent known outside). */
  declined?: boolean;
  /**
   * Copies (copyKey) kept from a saved copy while the rest of the source is fresh (it answered only in part);
   * when `status.savedCopy` is set without these, every copy from the source is a saved copy.
   */
  savedCopyKeys?: readonly string[];
  /**
   * Progress only: the source has answered for these sections alone (its status speaks for them); every other
   * section is as `pending` says (still loading, or overdue once the urgent-care deadline has passed).
   */
  settledOnly?: { sections: readonly SectionId[]; pending: SourceStatus };
}

export interface WithheldCopy {
  /** withheldCopyKey: the saved copy holds no id of what was withheld. */
  copy: string;
  /** Its resource type: only resources (and references) of the types withheld need hashing to be compared. */
  type: string;
  counted: boolean;
  /** Why (WITHHELD_REASON's key): an entry that references it is withheld for the same reason. */
  cause?: string;
  /**
   * Its entry keys (identifiers, clinical fingerprint) hashed (withheldHash): another source's copy of the same
   * entry is withheld with it, though this source does not send it again.
   */
  keys?: string[];
}

export interface RecordSnapshot {
  nhsNumber: string;
  sources: SourceSnapshot[];
  /** Warnings about the request as a whole (NHS number not valid or not verified, not found anywhere). */
  identityWarnings: IdentityWarning[];
  /** Set when the regional sources were deliberately not asked, with the reason shown in every section. */
  notRequested?: string;
  /** ISO instant the snapshot was completed. */
  assembledAt: string;
  /** What patient-level governance withheld, all sources together (counts and generic reasons only). */
  withheld: WithheldSummary;
  /** The sensitive code list patient-level governance last applied (its fingerprint). */
  governedWith?: string;
  /** The patient has declined to share some or all of it (any source `declined`): never cached. */
  dissent: boolean;
  /** Banner details kept by an older cache that held no Patient resources. */
  patientFallback?: PatientSummary;
}

export const NOTHING_WITHHELD: WithheldSummary = { count: 0, reasons: [] };

/** The id a resource is kept under: its own, or (rare) one made from its content, the same every time. */
export function resourceKey(resource: Json): string {
  if (typeof resource.id === 'string' && resource.id) return resource.id;
  return `#${createHash('sha256').update(JSON.stringify(resource)).digest('base64url').slice(0, 22)}`;
}

/** "CHIE|Condition|abc": one source's copy of one resource, the unit refresh replaces. */
export function copyKey(sourceId: string, resource: Json): string {
  return `${sourceId}|${String(resource.resourceType)}|${resourceKey(resource)}`;
}

/**
 * One source's copy of a withheld resource (with an id), as its withholding is remembered: a hash, so the saved
 * copy holds no id of it (guessable ids could be tried against it, but only inside the encrypted store).
 */
export function withheldCopyKey(sourceId: string, resource: Json): string {
  return withheldHash(copyKey(sourceId, resource));
}

/** What is remembered of a withheld entry's key (its identifier or clinical fingerprint): a hash of it. */
export function withheldHash(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A stable order (type, then id) so the merge never depends on the order pages arrived in. */
export function canonicalOrder(resources: readonly Json[]): Json[] {
  // Grouped by type first (a few types, thousands of resources each), so only ids are compared.
  const byType = new Map<string, Json[]>();
  for (const r of resources) {
    const type = String(r.resourceType);
    const group = byType.get(type);
    if (group) group.push(r);
    else byType.set(type, [r]);
  }
  const ordered: Json[] = [];
  for (const type of [...byType.keys()].sort(byText)) {
    const keyed = byType.get(type)!.map((r) => ({
      r,
      // Resources without an id (rare) are ordered by their content, which is all that identifies them.
      id: typeof r.id === 'string' && r.id ? r.id : `\uffff${JSON.stringify(r)}`,
    }));
    keyed.sort((a, b) => byText(a.id, b.id));
    for (const k of keyed) ordered.push(k.r);
  }
  return ordered;
}

/** The snapshot's withheld summary from its sources' (and dissent's) reasons. */
export function totalWithheld(sources: readonly SourceSnapshot[]): WithheldSummary {
  const reasons = new Set<string>();
  const sections = new Map<SectionId, Set<string>>();
  let count = 0;
  for (const s of sources) {
    count += s.withheld?.count ?? 0;
    for (const r of s.withheld?.reasons ?? []) reasons.add(r);
    for (const [section, why] of Object.entries(s.withheld?.sections ?? {}) as [SectionId, string[]][]) {
      const known = sections.get(section) ?? new Set<string>();
      for (const r of why) known.add(r);
      sections.set(section, known);
    }
  }
  return {
    count,
    reasons: [...reasons],
    ...(sections.size
      ? { sections: Object.fromEntries([...sections].map(([section, why]) => [section, [...why]])) }
      : {}),
  };
}
