// One encounter as a clinician reads it when they open it: what kind of encounter, when and for how long,
// who provided it, where (ward), why, where the patient went afterwards, and the letters written about it.
// Read loosely: a source may send any of these fields malformed or not at all, and each then says so.
import type { Encounter } from '../fhir';
import { asArray, isObject, lookup, objectsIn, str } from '../json';
import type { RecordItem } from '../record';
import { referenceDisplay } from './concepts';
import { formatDate } from './dates';
import { hospitalKind, isOpenEncounter, stayDays } from './hospital-activity';

export interface EncounterPlace {
  /** "Ward", or the location's kind as the source named it, or "Location". */
  kind: string;
  name: string;
}

export interface EncounterLetter {
  /** The document's record entry key (what the documents view opens). */
  key: string;
  title: string;
  date?: string;
}

export interface EncounterDetail {
  /** "Inpatient", "Emergency", "Ambulatory", …; "Not recorded" when the source gave no class. */
  classLabel: string;
  /** "12 August 2025 to 15 August 2025", "since 27 November 2026", or "Dates not recorded". */
  period: string;
  /**
   * Admissions and ED attendances: "3 days", "Same day", "In hospital now (3 days so far)", "In progress", or
   * "Not recorded". Other encounters (a clinic, a telephone call) have no stay to give.
   */
  lengthOfStay?: string;
  provider: string;
  places: EncounterPlace[];
  reasons: string[];
  dischargeDisposition?: string;
  seenBy: string[];
  letters: EncounterLetter[];
}

const CLASS_LABELS: Record<string, string> = {
  IMP: 'Inpatient',
  ACUTE: 'Inpatient (acute)',
  NONAC: 'Inpatient (non-acute)',
  SS: 'Short stay',
  OBSENC: 'Observation',
  EMER: 'Emergency',
  AMB: 'Ambulatory (outpatient or clinic)',
  VR: 'Virtual (telephone or video)',
  HH: 'Home visit',
  FLD: 'Field (at the scene)',
  PRENC: 'Pre-admission',
};

const WARD_CODES = new Set(['wa', 'ro', 'bd']);

/** A CodeableConcept's words: its text, else its first coding's display or code. */
function conceptText(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const codings = objectsIn(value.coding);
  return (
    str(value.text) ??
    codings.map((c) => str(c.display)).find(Boolean) ??
    codings.map((c) => str(c.code)).find(Boolean)
  );
}

function classLabel(value: unknown): string {
  if (!isObject(value)) return 'Not recorded';
  const code = str(value.code);
  return (code && lookup(CLASS_LABELS, code)) ?? str(value.display) ?? code ?? 'Not recorded';
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}

function places(value: unknown): EncounterPlace[] {
  return objectsIn(value).flatMap((entry) => {
    // A location the source sent without a name is still said to be there.
    const name = referenceDisplay(entry.location) ?? 'name not recorded';
    const type = isObject(entry.physicalType) ? entry.physicalType : undefined;
    const codes = objectsIn(type?.coding).map((c) => str(c.code) ?? '');
    const kind = codes.some((c) => WARD_CODES.has(c)) ? 'Ward' : (conceptText(type) ?? 'Location');
    return [{ kind, name }];
  });
}

/** "Encounter/abc" or "https://…/Encounter/abc" → "abc". */
function encounterId(reference: unknown): string | undefined {
  const ref = isObject(reference) ? str(reference.reference) : undefined;
  return ref ? /(?:^|\/)Encounter\/([^/]+)$/.exec(ref)?.[1] : undefined;
}

/**
 * The documents that name this encounter as their context, matched within the same source (a reference is
 * only meaningful on the server that sent it).
 */
export function lettersFor(encounter: RecordItem, documents: readonly RecordItem[]): EncounterLetter[] {
  const ids = new Set(
    encounter.provenance
      .filter((p) => p.resourceType === 'Encounter')
      .map((p) => `${p.sourceId}|${p.resourceId}`),
  );
  const letters: EncounterLetter[] = [];
  for (const doc of documents) {
    if (doc.resourceType !== 'DocumentReference') continue;
    const context = (doc.resource as { context?: unknown }).context;
    const targets = asArray(isObject(context) ? context.encounter : undefined)
      .map(encounterId)
      .filter(Boolean);
    const sources = new Set(doc.provenance.map((p) => p.sourceId));
    if (targets.some((id) => [...sources].some((s) => ids.has(`${s}|${id}`)))) {
      letters.push({ key: doc.key, title: doc.display, ...(doc.date ? { date: doc.date } : {}) });
    }
  }
  return letters;
}

/** An admission's or ED attendance's stay in words; `stay` in whole days (to now while still open). */
function stayText(admission: boolean, open: boolean, stay: number | undefined, end: string | undefined) {
  if (open) {
    if (!admission) return 'In progress';
    return `In hospital now${stay !== undefined ? ` (${days(stay)} so far)` : ''}`;
  }
  if (stay === undefined || !end) return 'Not recorded';
  return stay === 0 ? 'Same day' : days(stay);
}

export function encounterDetail(
  item: RecordItem,
  documents: readonly RecordItem[],
  now: Date,
): EncounterDetail {
  const encounter = item.resource as unknown as Record<string, unknown>;
  const period = isObject(encounter.period) ? encounter.period : {};
  const open = isOpenEncounter({ status: str(encounter.status) as Encounter['status'] });
  const start = str(period.start);
  const end = open ? undefined : str(period.end);
  // Only the well-formed parts are handed on: class an object, type a list of objects.
  const hospital = hospitalKind({
    resourceType: 'Encounter',
    status: 'unknown',
    class: isObject(encounter.class) ? encounter.class : {},
    type: objectsIn(encounter.type),
  } as Encounter);
  const stay = start ? stayDays(start, end, now) : undefined;
  const lengthOfStay = hospital && stayText(hospital === 'Admission', open, stay, end);
  const hospitalization = isObject(encounter.hospitalization) ? encounter.hospitalization : {};
  const disposition = conceptText(hospitalization.dischargeDisposition);
  return {
    classLabel: classLabel(encounter.class),
    period: start
      ? end && end !== start
        ? `${formatDate(start)} to ${formatDate(end)}`
        : open
          ? `Since ${formatDate(start)}`
          : formatDate(start)
      : 'Dates not recorded',
    ...(lengthOfStay ? { lengthOfStay } : {}),
    provider: referenceDisplay(encounter.serviceProvider) ?? 'Not recorded',
    places: places(encounter.location),
    reasons: [
      ...asArray(encounter.reasonCode).map(conceptText),
      ...asArray(encounter.reasonReference).map(referenceDisplay),
    ].filter((r): r is string => !!r),
    ...(disposition ? { dischargeDisposition: disposition } : {}),
    seenBy: objectsIn(encounter.participant)
      .map((p) => referenceDisplay(p.individual))
      .filter((r): r is string => !!r),
    letters: lettersFor(item, documents),
  };
}
