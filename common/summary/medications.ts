// Medicines as a clinician reads them: one row per medicine across sources and resource types (statements,
// prescriptions, dispensings), repeat vs acute, last issued from the newest prescription or dispensing, the
// issue history, and where a source has stopped what another still lists as active, the stop date and reason.
// From MedicationRequest / MedicationStatement / MedicationDispense as UK Core, CareConnect and plain R4 send them.
import type { Extension, MedicationRequest, MedicationStatement, Resource } from '../fhir';
import type { Provenance, RecordItem } from '../record';
import { asArray, isObject, str, type JsonObject } from '../json';
import { formatDate, isoNewestFirst } from './dates';
import { compareText } from './provenance';

export type PrescriptionKind = 'repeat' | 'acute' | 'repeat dispensing' | 'not stated';

/** One issue of a medicine: a prescription issued or a dispensing, as a source recorded it. */
export interface MedicineIssue {
  date: string;
  what: 'prescribed' | 'dispensed';
  /** "56 tablet", as the source wrote the quantity. */
  quantity?: string;
  /** "28 days": how long the issue is meant to last (expected supply duration, days supply). */
  supply?: string;
  /** Who issued it: the prescriber's organisation, or the pharmacy that dispensed it. */
  by?: string;
  source: string;
}

/** A source's record that the medicine was stopped. */
export interface MedicineStop {
  source: string;
  status: string;
  date?: string;
  reason?: string;
}

export interface MedicineRow {
  /** The most recently dated entry: what the row is named after and links to. */
  item: RecordItem;
  /** Every entry for this medicine, newest first. */
  items: RecordItem[];
  name: string;
  dosage?: string;
  kind: PrescriptionKind;
  /** Active in at least one source. */
  current: boolean;
  started?: string;
  /** Newest prescription issue or dispensing; never a statement's start date. */
  lastIssued?: string;
  issues: MedicineIssue[];
  /** Sources that record it stopped (for a current medicine: the conflict to show). */
  stopped: MedicineStop[];
  /** "Stopped in CHIE on 12 August 2025: eGFR 28" when it is active elsewhere. */
  conflict?: string;
  sources: string[];
  /** Every source's provenance for the row, one per source. */
  provenance: Provenance[];
}

const PAST_STATUSES = new Set([
  'stopped',
  'completed',
  'cancelled',
  'entered-in-error',
  'not-taken',
  'revoked',
  'declined',
]);

type MedicineResource = MedicationRequest | MedicationStatement | DispenseLike;

/** The fields of a MedicationDispense this view reads. */
interface DispenseLike {
  resourceType: 'MedicationDispense';
  status?: string;
  whenHandedOver?: string;
  whenPrepared?: string;
  quantity?: { value?: number; unit?: string };
  daysSupply?: { value?: number; unit?: string };
  performer?: { actor?: { display?: string } }[];
  dosageInstruction?: { text?: string }[];
  extension?: Extension[];
}

/** The extension whose url names `urlPart`; extensions that are not objects with a text url are read past. */
function findExtension(extensions: unknown, urlPart: string): Extension | undefined {
  const wanted = urlPart.toLowerCase();
  return asArray(extensions).find(
    (e): e is Extension => isObject(e) && !!str(e.url)?.toLowerCase().includes(wanted),
  );
}

function prescriptionKind(resource: MedicineResource): PrescriptionKind {
  const ext = findExtension(resource.extension, 'PrescriptionType');
  const extCode = str(ext?.valueCodeableConcept?.coding?.[0]?.code) ?? str(ext?.valueCoding?.code);
  const course =
    resource.resourceType === 'MedicationRequest'
      ? resource.courseOfTherapyType?.coding?.[0]?.code
      : resource.resourceType === 'MedicationStatement'
        ? resource.category?.coding?.[0]?.code
        : undefined;
  const code = (extCode ?? str(course) ?? '').toLowerCase();
  if (code.includes('dispens')) return 'repeat dispensing';
  if (code === 'repeat' || code === 'continuous' || code === 'community') return 'repeat';
  if (code === 'acute' || code === 'acute-handwritten') return 'acute';
  return 'not stated';
}

const statusOf = (item: RecordItem) =>
  (str((item.resource as { status?: unknown }).status) ?? str(item.status) ?? '')
    .toLowerCase()
    .replace(/\s+/g, '-');

/** A dispensing, or a prescription issue that has run its course: an issue done, not a decision to stop. */
export function isIssueRecord(resource: { resourceType?: string; status?: unknown }): boolean {
  return (
    resource.resourceType === 'MedicationDispense' ||
    (resource.resourceType === 'MedicationRequest' && str(resource.status)?.toLowerCase() === 'completed')
  );
}

/** Not stopped, completed, cancelled or entered in error (a plan counts only when active). */
export function isCurrentMedication(item: RecordItem): boolean {
  const resource = item.resource as MedicineResource;
  const status = statusOf(item);
  if (PAST_STATUSES.has(status)) return false;
  if (resource.resourceType === 'MedicationDispense') return false;
  if (resource.resourceType === 'MedicationRequest' && resource.intent === 'plan') return status === 'active';
  return true;
}

function dosageText(resource: MedicineResource): string | undefined {
  const dosage =
    resource.resourceType === 'MedicationStatement' ? resource.dosage : resource.dosageInstruction;
  // A source's dosage that is not a list of objects (hostile or broken) is left out, never thrown over.
  return (
    asArray(dosage)
      .map((d) => (isObject(d) ? str(d.text) : undefined))
      .filter(Boolean)
      .join('; ') || undefined
  );
}

/** "56 tablet"; a value or unit of the wrong type from a source is left out, never printed as "[object Object]". */
function quantityText(quantity: { value?: unknown; unit?: unknown } | undefined): string | undefined {
  const value = isObject(quantity) ? str(quantity.value) : undefined;
  if (value === undefined) return undefined;
  const unit = str(quantity?.unit);
  return unit ? `${value} ${unit}` : value;
}

const DURATION_WORDS = new Map([
  ['d', 'day'],
  ['wk', 'week'],
  ['mo', 'month'],
]);

/** "28 days": a FHIR Duration's unit as written, else its UCUM code in words. */
function durationText(
  duration: { value?: unknown; unit?: unknown; code?: unknown } | undefined,
): string | undefined {
  if (!isObject(duration)) return undefined;
  const value = str(duration.value);
  if (value === undefined) return undefined;
  const unit = str(duration.unit);
  if (unit) return `${value} ${unit}`;
  const word = DURATION_WORDS.get(str(duration.code) ?? '');
  if (!word) return value;
  return `${value} ${word}${value === '1' ? '' : 's'}`;
}

function withOptional(
  issue: MedicineIssue,
  optional: Partial<Record<'quantity' | 'supply' | 'by', string | undefined>>,
): MedicineIssue {
  for (const [key, value] of Object.entries(optional))
    if (value) issue[key as 'quantity' | 'supply' | 'by'] = value;
  return issue;
}

/** What this entry says was issued: a prescription's issue or a dispensing (statements issue nothing). */
function issueOf(item: RecordItem, source: string): MedicineIssue | undefined {
  const resource = item.resource as MedicineResource;
  const repeatInfo = findExtension(resource.extension, 'MedicationRepeatInformation');
  const lastIssued = str(findExtension(repeatInfo?.extension, 'datelastissued')?.valueDateTime);
  if (resource.resourceType === 'MedicationDispense') {
    const date = str(resource.whenHandedOver) ?? str(resource.whenPrepared);
    if (!date) return undefined;
    return withOptional(
      { date, what: 'dispensed', source },
      {
        quantity: quantityText(resource.quantity),
        supply: durationText(resource.daysSupply),
        by: asArray(resource.performer)
          .map((p) => (isObject(p) && isObject(p.actor) ? str(p.actor.display) : undefined))
          .find(Boolean),
      },
    );
  }
  if (resource.resourceType === 'MedicationRequest') {
    if (resource.intent === 'plan' || resource.intent === 'proposal') return undefined;
    const date =
      lastIssued ?? str(resource.dispenseRequest?.validityPeriod?.start) ?? str(resource.authoredOn);
    if (!date) return undefined;
    return withOptional(
      { date, what: 'prescribed', source },
      {
        quantity: quantityText(resource.dispenseRequest?.quantity),
        supply: durationText(resource.dispenseRequest?.expectedSupplyDuration),
        by: str(resource.requester?.display) ?? str(resource.dispenseRequest?.performer?.display),
      },
    );
  }
  return lastIssued ? { date: lastIssued, what: 'prescribed', source } : undefined;
}

function stopOf(item: RecordItem, source: string): MedicineStop | undefined {
  if (isCurrentMedication(item)) return undefined;
  const resource = item.resource as MedicineResource & {
    statusReason?: { text?: string; coding?: { display?: string }[] } | { text?: string }[];
  };
  const status = statusOf(item).replace(/-/g, ' ');
  // A completed prescription or a dispensing is an issue done, not a decision to stop.
  if (status === 'completed' || resource.resourceType === 'MedicationDispense') return undefined;
  const reasons = Array.isArray(resource.statusReason) ? resource.statusReason : [resource.statusReason];
  const reason = reasons
    .map((r: unknown) =>
      isObject(r) ? (str(r.text) ?? str(asArray(r.coding).find(isObject)?.display)) : undefined,
    )
    .find(Boolean);
  const date = str(
    resource.resourceType === 'MedicationStatement'
      ? (resource.effectivePeriod?.end ?? resource.dateAsserted)
      : resource.resourceType === 'MedicationRequest'
        ? resource.dispenseRequest?.validityPeriod?.end
        : undefined,
  );
  return { source, status, ...(date ? { date } : {}), ...(reason ? { reason } : {}) };
}

function startOf(item: RecordItem): string | undefined {
  const resource = item.resource as MedicineResource;
  if (resource.resourceType === 'MedicationStatement')
    return str(resource.effectivePeriod?.start) ?? str(resource.effectiveDateTime) ?? item.date;
  if (resource.resourceType === 'MedicationRequest') return str(resource.authoredOn) ?? item.date;
  return undefined;
}

/** Which medicine an entry is: its code (dm+d / SNOMED), else its name as written. */
function medicineKey(item: RecordItem): string {
  if (item.code?.code) return `${item.code.system ?? ''}|${item.code.code}`;
  return item.display.toLowerCase().replace(/\s+/g, ' ').trim();
}

const kindRank: PrescriptionKind[] = ['repeat dispensing', 'repeat', 'acute', 'not stated'];

function row(items: RecordItem[]): MedicineRow {
  const sorted = [...items].sort((a, b) => isoNewestFirst(a.date, b.date));
  const issues: MedicineIssue[] = [];
  const stopped: MedicineStop[] = [];
  const activeIn = new Set<string>();
  const provenance = new Map<string, Provenance>();
  for (const item of sorted) {
    for (const p of item.provenance) if (!provenance.has(p.sourceName)) provenance.set(p.sourceName, p);
    const source = item.provenance.map((p) => p.sourceName).join(' and ') || 'unknown source';
    const issue = issueOf(item, source);
    if (issue && !issues.some((i) => i.date === issue.date && i.what === issue.what && i.source === source))
      issues.push(issue);
    const stop = stopOf(item, source);
    if (stop) stopped.push(stop);
    if (isCurrentMedication(item)) for (const p of item.provenance) activeIn.add(p.sourceName);
  }
  issues.sort((a, b) => isoNewestFirst(a.date, b.date));
  const current = activeIn.size > 0;
  const head = sorted.find(isCurrentMedication) ?? sorted[0]!;
  const kinds = sorted.map((i) => prescriptionKind(i.resource as MedicineResource));
  const starts = sorted.map(startOf).filter((d): d is string => !!d);
  // A stop recorded only by a source that still lists it as active is that source's own history, no conflict.
  const stoppedElsewhere = stopped.filter((s) => !s.source.split(' and ').some((n) => activeIn.has(n)));
  const dosage = sorted.map((i) => dosageText(i.resource as MedicineResource)).find(Boolean);
  const result: MedicineRow = {
    item: head,
    items: sorted,
    name: head.display,
    kind: kindRank.find((k) => kinds.includes(k)) ?? 'not stated',
    current,
    issues,
    stopped: current ? stoppedElsewhere : stopped,
    sources: [...provenance.keys()],
    provenance: [...provenance.values()],
  };
  if (dosage) result.dosage = dosage;
  if (starts.length) result.started = starts.sort()[0];
  if (issues[0]) result.lastIssued = issues[0].date;
  if (current && stoppedElsewhere.length) result.conflict = stoppedElsewhere.map(stopText).join('; ');
  return result;
}

function stopText(stop: MedicineStop): string {
  const when = stop.date ? ` on ${formatDate(stop.date)}` : '';
  return `${stop.status.charAt(0).toUpperCase()}${stop.status.slice(1)} in ${stop.source}${when}${stop.reason ? `: ${stop.reason}` : ''}`;
}

/** The fields of a medicine's resource read whole above (dates, statuses, codes: a few bytes each). */
const READ_WHOLE = [
  'resourceType',
  'status',
  'intent',
  'authoredOn',
  'statusReason',
  'effectivePeriod',
  'effectiveDateTime',
  'dateAsserted',
  'whenHandedOver',
  'whenPrepared',
  'quantity',
  'daysSupply',
] as const;

const displayOnly = (named: unknown) => (isObject(named) ? { display: named.display } : named);
/** A concept read for its first code only (repeat or acute): its coding's codes, without their systems. */
const codesOnly = (concept: unknown) =>
  isObject(concept) && Array.isArray(concept.coding)
    ? { coding: concept.coding.map((c: unknown) => (isObject(c) ? { code: c.code } : c)) }
    : concept;
const textOnly = (dosages: unknown) =>
  Array.isArray(dosages) ? dosages.map((d: unknown) => (isObject(d) ? { text: d.text } : d)) : dosages;

/**
 * A medicine's resource cut to what this module (and whether it is current) reads: what the screen receives in
 * place of the whole resource. A long record's 300 prescriptions were 440 KB whole, coded medication, timing
 * and references the summary never shows, and the page took over 60 ms to take them in.
 */
export function medicineResourceForScreen(resource: Resource): Resource {
  const whole = resource as unknown as JsonObject;
  const cut: JsonObject = {};
  for (const field of READ_WHOLE) if (whole[field] !== undefined) cut[field] = whole[field];
  if (Array.isArray(whole.extension)) {
    const read = whole.extension.filter(
      (e: unknown) => isObject(e) && /prescriptiontype|medicationrepeatinformation/i.test(String(e.url)),
    );
    if (read.length) cut.extension = read;
  }
  if (whole.courseOfTherapyType !== undefined) cut.courseOfTherapyType = codesOnly(whole.courseOfTherapyType);
  if (whole.resourceType === 'MedicationStatement' && whole.category !== undefined)
    cut.category = codesOnly(whole.category);
  if (whole.dosage !== undefined) cut.dosage = textOnly(whole.dosage);
  if (whole.dosageInstruction !== undefined) cut.dosageInstruction = textOnly(whole.dosageInstruction);
  if (whole.requester !== undefined) cut.requester = displayOnly(whole.requester);
  if (Array.isArray(whole.performer))
    cut.performer = whole.performer.map((p: unknown) => (isObject(p) ? { actor: displayOnly(p.actor) } : p));
  if (isObject(whole.dispenseRequest)) {
    const { validityPeriod, quantity, expectedSupplyDuration, performer } = whole.dispenseRequest;
    cut.dispenseRequest = {
      validityPeriod,
      quantity,
      expectedSupplyDuration,
      performer: displayOnly(performer),
    };
  }
  return cut as unknown as Resource;
}

/** One row per medicine; current first by last issue (or start), then past ones. */
export function splitMedications(items: RecordItem[]): { current: MedicineRow[]; past: MedicineRow[] } {
  const groups = new Map<string, RecordItem[]>();
  for (const item of items) {
    const key = medicineKey(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const rows = [...groups.values()].map(row);
  const when = (r: MedicineRow) => r.lastIssued ?? r.started ?? r.item.date;
  rows.sort((a, b) => isoNewestFirst(when(a), when(b)) || compareText(a.name, b.name));
  return { current: rows.filter((r) => r.current), past: rows.filter((r) => !r.current) };
}

/** "Stopped in CHIE on 12 August 2025: eGFR 28" for each stop (also for a past medicine's detail). */
export function stopsText(row: MedicineRow): string | undefined {
  return row.stopped.length ? row.stopped.map(stopText).join('; ') : undefined;
}
