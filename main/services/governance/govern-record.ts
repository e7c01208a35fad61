// THE governance step: the composition root calls governRecord between the record engine and everything
// else (cache, renderer, export). Order: patient dissent → sensitive codes and confidentiality labels
// (incl. codes the patient asked not to share) → role access. Withheld items are only counted, with generic
// reasons; nothing about what was withheld survives in the returned record.
import type { Consent, Resource } from '../../../common/fhir';
import {
  emptyRecord,
  recountSources,
  type RecordEvent,
  type RecordItem,
  type RecordPointer,
  type WessexRecord,
} from '../../../common/record';
import type { RoleAccess } from '../policy/schema';
import { findDissent, type DissentFinding } from './dissent';
import { applyRoleAccess, SECTIONS_FOR_ACCESS } from './role-access';
import type { SensitiveCodes } from './sensitive-codes';
import {
  hasCodingIn,
  someReference,
  itemWithholdCause,
  pointerWithholdCause,
  WITHHELD_REASON,
  type WithholdCause,
} from './sensitive-filter';

export interface GovernOptions {
  /** From resolveRoleAccess (policy.roleMapping). */
  access: RoleAccess;
  /** From loadSensitiveCodes(policy.sensitiveCodeListPath). */
  sensitive: SensitiveCodes;
  /** Dissent known outside the record (record locator, the sandbox's dissent flag). */
  dissent?: boolean;
  /** Consent resources fetched for the patient, besides any Consent items already in the record. */
  consents?: Consent[];
  /** The session is under break-glass (AccessReasonState.breakGlass). */
  breakGlass?: boolean;
  /** policy.breakGlassOverridesDissent */
  breakGlassOverridesDissent: boolean;
  now?: Date;
}

type Cause = WithholdCause | 'consent-restriction';

function dissentOf(record: WessexRecord, options: GovernOptions): DissentFinding {
  const resources: Resource[] = [
    ...(options.consents ?? []),
    ...record.items.filter((i) => i.resource.resourceType === 'Consent').map((i) => i.resource),
  ];
  const finding = findDissent(resources, options.now);
  return { full: finding.full || record.dissent || !!options.dissent, deniedCodes: finding.deniedCodes };
}

function deniedMatcher(finding: DissentFinding) {
  const denied = new Set(finding.deniedCodes.map((c) => `${c.system}|${c.code}`));
  return (value: unknown): boolean =>
    denied.size > 0 && hasCodingIn(value, (system, code) => denied.has(`${system}|${code}`));
}

function withReasons(
  record: WessexRecord,
  removed: number,
  causes: Iterable<Cause | 'dissent'>,
): WessexRecord {
  if (removed === 0) return record;
  const reasons = new Set(record.withheld.reasons);
  for (const cause of causes) reasons.add(WITHHELD_REASON[cause]);
  return { ...record, withheld: { count: record.withheld.count + removed, reasons: [...reasons] } };
}

function filterSensitive(
  record: WessexRecord,
  options: GovernOptions,
  finding: DissentFinding,
): WessexRecord {
  const patientDenied = deniedMatcher(finding);
  const causes = new Set<Cause>();
  const keepItem = (item: RecordItem): boolean => {
    const cause: Cause | undefined =
      itemWithholdCause(item, options.sensitive) ??
      (patientDenied(item.resource) || patientDenied(item.code) ? 'consent-restriction' : undefined);
    if (cause) causes.add(cause);
    return !cause;
  };
  const keepPointer = (pointer: RecordPointer): boolean => {
    const cause: Cause | undefined =
      pointerWithholdCause(pointer, options.sensitive) ??
      (patientDenied(pointer.type) || patientDenied(pointer.document) ? 'consent-restriction' : undefined);
    if (cause) causes.add(cause);
    return !cause;
  };
  const items = withoutLinkedTo(record.items.filter(keepItem), record.items, causes);
  const pointers = record.pointers.filter(keepPointer);
  const kept = new Set(items.map((i) => i.key));
  const removed = record.items.length - items.length + (record.pointers.length - pointers.length);
  const filtered: WessexRecord = {
    ...record,
    items,
    pointers,
    // A conflict message can describe the withheld item: drop any conflict that involves one.
    conflicts: record.conflicts.filter((c) => c.itemKeys.every((k) => kept.has(k))),
  };
  return withReasons(filtered, removed, causes);
}

/** "Condition/abc" for every copy of an item, as other resources would reference it. */
function referencesTo(item: RecordItem): string[] {
  const refs = item.provenance.map((p) => `${p.resourceType}/${p.resourceId}`);
  if (item.resource.id) refs.push(`${item.resource.resourceType}/${item.resource.id}`);
  return refs;
}

/**
 * Withholds items that point at a withheld item (e.g. a MedicationStatement whose reasonReference is a
 * withheld HIV Condition): the link alone would reveal what was withheld. Repeats until nothing changes.
 */
function withoutLinkedTo(kept: RecordItem[], all: RecordItem[], causes: Set<Cause>): RecordItem[] {
  const keptKeys = new Set(kept.map((i) => i.key));
  const withheldRefs = new Set(all.filter((i) => !keptKeys.has(i.key)).flatMap(referencesTo));
  let current = kept;
  for (;;) {
    if (withheldRefs.size === 0) return current;
    const linked = current.filter((item) =>
      someReference(item.resource, (ref) =>
        [...withheldRefs].some((w) => ref === w || ref.endsWith(`/${w}`)),
      ),
    );
    if (linked.length === 0) return current;
    causes.add('sensitive-code');
    for (const item of linked) for (const ref of referencesTo(item)) withheldRefs.add(ref);
    current = current.filter((i) => !linked.includes(i));
  }
}

function withholdAll(record: WessexRecord): WessexRecord {
  const removed = record.items.length + record.pointers.length;
  const reasons = new Set([...record.withheld.reasons, WITHHELD_REASON.dissent]);
  return {
    ...record,
    items: [],
    pointers: [],
    conflicts: [],
    dissent: true,
    withheld: { count: record.withheld.count + removed, reasons: [...reasons] },
  };
}

/**
 * Returns the record as this user may see it. Pure; never mutates its input. When
 * `result.governance.dissentOverridden` is true the caller must audit a 'dissent-override' event.
 */
export function governRecord(record: WessexRecord, options: GovernOptions): WessexRecord {
  const finding = dissentOf(record, options);
  const breakGlass = !!options.breakGlass;
  const overridden = finding.full && breakGlass && options.breakGlassOverridesDissent;
  let governed: WessexRecord;
  if (finding.full && !overridden) {
    governed = withholdAll(record);
  } else {
    governed = filterSensitive({ ...record, dissent: finding.full }, options, finding);
  }
  const role = applyRoleAccess(governed, options.access);
  return {
    ...role.record,
    sources: recountSources(role.record.sources, role.record.items, role.record.pointers),
    governance: {
      access: options.access,
      hiddenSections: role.hiddenSections,
      hiddenForRoleCount: role.hiddenCount,
      breakGlass,
      dissentOverridden: overridden,
    },
  };
}

/**
 * The same rules for progressive events. Section events carry items before the whole record exists, so the
 * caller must pass any dissent it knows; while dissent is unknown the engine should hold section events
 * back until Consent has been read (or rely on the final 'record' event only).
 */
export function governRecordEvent(event: RecordEvent, options: GovernOptions): RecordEvent {
  if (event.type === 'record') return { ...event, record: governRecord(event.record, options) };
  if (event.type !== 'section') return event;
  if (!SECTIONS_FOR_ACCESS[options.access].includes(event.section)) return { ...event, items: [] };
  const shell: WessexRecord = { ...emptyRecord(), items: event.items };
  return { ...event, items: governRecord(shell, options).items };
}
