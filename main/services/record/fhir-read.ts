// Tolerant readers for real-world FHIR: every field optional, wrong shapes ignored, display never empty.
import type { CodeRef } from '../../../common/record';
import { humanName } from '../../../common/human-name';
import { asArray, isObject, objectsIn, str, type JsonObject } from '../../../common/json';

/** A loosely-typed resource: what a server actually sends, not what the spec promises. */
export type Json = JsonObject;

export { asArray, isObject, objectsIn, str };

const SNOMED = 'http://snomed.info/sct';

function codings(concept: unknown): Json[] {
  return isObject(concept) ? objectsIn(concept.coding) : [];
}

/** Display of a CodeableConcept: text → coding.display → code. */
export function conceptDisplay(concept: unknown): string | undefined {
  if (!isObject(concept)) return str(concept);
  const text = str(concept.text);
  if (text) return text;
  // Runs for every resource: the codings are walked in place, no arrays made.
  const all = asArray(concept.coding);
  for (const c of all) {
    const display = isObject(c) ? str(c.display) : undefined;
    if (display) return display;
  }
  for (const c of all) {
    const code = isObject(c) ? str(c.code) : undefined;
    if (code) return code;
  }
  return undefined;
}

/** The most useful coding: SNOMED CT first, then the first coding with a code. */
export function primaryCoding(concept: unknown): CodeRef | undefined {
  if (!isObject(concept)) return undefined;
  let chosen: Json | undefined;
  for (const c of asArray(concept.coding)) {
    if (!isObject(c) || !str(c.code)) continue;
    if (str(c.system) === SNOMED) {
      chosen = c;
      break;
    }
    chosen ??= c;
  }
  if (!chosen) return undefined;
  return { system: str(chosen.system), code: str(chosen.code), display: str(chosen.display) };
}

/** Whether any coding of the concept has one of these codes (no arrays made: it runs for every resource). */
export function hasCodeIn(concept: unknown, codes: ReadonlySet<string>): boolean {
  if (!isObject(concept)) return false;
  for (const c of asArray(concept.coding)) {
    if (!isObject(c)) continue;
    const code = str(c.code);
    if (code !== undefined && codes.has(code)) return true;
  }
  return false;
}

/** The first code of a concept (its first coding that has one). */
export function firstCode(concept: unknown): string | undefined {
  if (!isObject(concept)) return undefined;
  for (const c of asArray(concept.coding)) {
    const code = isObject(c) ? str(c.code) : undefined;
    if (code !== undefined) return code;
  }
  return undefined;
}

/** The code of the concept's primary coding (SNOMED first, else the first coded): "code" or "system|code". */
export function primaryCodeKey(concept: unknown): string | undefined {
  if (!isObject(concept)) return undefined;
  let first: Json | undefined;
  for (const c of asArray(concept.coding)) {
    if (!isObject(c) || !str(c.code)) continue;
    if (str(c.system) === SNOMED) return str(c.code);
    first ??= c;
  }
  return first ? `${str(first.system)}|${str(first.code)}` : undefined;
}

/** All codes of a concept as "system|code" plus bare codes, for code-list matching. */
export function conceptCodes(concept: unknown): string[] {
  const out: string[] = [];
  for (const c of codings(concept)) {
    const code = str(c.code);
    if (code) out.push(code);
  }
  return out;
}

export function conceptsCodes(concepts: unknown): string[] {
  return asArray(concepts).flatMap(conceptCodes);
}

function conceptsDisplay(concepts: unknown): string | undefined {
  for (const c of asArray(concepts)) {
    const d = conceptDisplay(c);
    if (d) return d;
  }
  return undefined;
}

/** The concept naming what the resource is about (the "code" of the item). */
export function mainConcept(resource: Json): unknown {
  switch (resource.resourceType) {
    case 'MedicationStatement':
    case 'MedicationRequest':
    case 'MedicationAdministration':
    case 'MedicationDispense':
      return resource.medicationCodeableConcept;
    case 'Immunization':
      return resource.vaccineCode;
    case 'DocumentReference':
      return resource.type ?? asArray(resource.category)[0];
    case 'Composition':
      return resource.type;
    case 'CarePlan':
    case 'CareTeam':
    case 'EpisodeOfCare':
      return asArray(resource.category)[0] ?? asArray(resource.type)[0];
    case 'Encounter':
      return asArray(resource.type)[0] ?? resource.class;
    case 'Consent':
      return asArray(resource.category)[0] ?? resource.scope;
    case 'RelatedPerson':
      return asArray(resource.relationship)[0];
    case 'Goal':
      return resource.description;
    case 'Appointment':
      return asArray(resource.serviceType)[0] ?? asArray(resource.appointmentType)[0];
    default:
      return resource.code ?? resource.type;
  }
}

export function referenceDisplay(ref: unknown): string | undefined {
  if (!isObject(ref)) return undefined;
  return str(ref.display) ?? str(ref.reference) ?? identifierValue(ref.identifier);
}

function identifierValue(identifier: unknown): string | undefined {
  return isObject(identifier) ? str(identifier.value) : undefined;
}

/** What a clinician reads for this entry; falls back all the way to the resource type so it is never empty. */
export function resourceDisplay(
  resource: Json,
  medicationNames?: ReadonlyMap<string, string>,
  concept: unknown = mainConcept(resource),
): string {
  if (resource.resourceType === 'Consent') {
    const consent = consentDisplay(resource);
    if (consent) return consent;
  }
  // A care plan's title says what it is ("Heart failure care plan"); its category only that it is a plan.
  if (resource.resourceType === 'CarePlan' && str(resource.title)) return str(resource.title)!;
  const fromCode = conceptDisplay(concept);
  if (resource.resourceType === 'RelatedPerson') {
    const who = humanName(resource.name);
    if (who) return fromCode ? `${fromCode}: ${who}` : who;
  }
  if (fromCode) return fromCode;
  const type = str(resource.resourceType) ?? 'Unknown resource';
  const medicationRef = referenceDisplay(resource.medicationReference);
  if (medicationRef) {
    const ref = isObject(resource.medicationReference)
      ? str(resource.medicationReference.reference)
      : undefined;
    return (ref && medicationNames?.get(ref)) ?? medicationRef;
  }
  const fallback =
    str(resource.title) ??
    str(resource.description) ??
    str(resource.name) ??
    humanName(resource.name) ??
    str(resource.comment) ??
    conceptDisplay(asArray(resource.reasonCode)[0]) ??
    identifierValue(asArray(resource.identifier)[0]);
  return fallback ?? `${type}${str(resource.id) ? ` ${str(resource.id)}` : ''}`;
}

/** "Refuses cardiopulmonary resuscitation" from a Consent's provision; its category when it has none. */
function consentDisplay(resource: Json): string | undefined {
  const provision = isObject(resource.provision) ? resource.provision : undefined;
  const what = provision ? conceptsDisplay(provision.code) : undefined;
  if (what) return `${provision?.type === 'deny' ? 'Refuses' : 'Consents to'} ${what.toLowerCase()}`;
  const codes = conceptsCodes(resource.category);
  if (codes.includes('dnr')) return 'Do not attempt resuscitation';
  return undefined;
}

/** Clinically relevant date (ISO string as sent), falling back to when the server last changed it. */
export function resourceDate(resource: Json): string | undefined {
  return clinicalDate(resource) ?? lastUpdated(resource);
}

/** The date the entry itself carries (onset, effective, authored, ...), never server bookkeeping. */
export function clinicalDate(resource: Json): string | undefined {
  return (
    str(resource.onsetDateTime) ??
    periodStart(resource.onsetPeriod) ??
    str(resource.recordedDate) ??
    str(resource.effectiveDateTime) ??
    periodStart(resource.effectivePeriod) ??
    str(resource.effectiveInstant) ??
    str(resource.authoredOn) ??
    str(resource.whenHandedOver) ??
    str(resource.whenPrepared) ??
    str(resource.occurrenceDateTime) ??
    str(resource.performedDateTime) ??
    periodStart(resource.performedPeriod) ??
    str(resource.issued) ??
    str(resource.dateAsserted) ??
    str(resource.dateTime) ??
    str(resource.date) ??
    str(resource.created) ??
    str(resource.start) ??
    periodStart(resource.period)
  );
}

function periodStart(period: unknown): string | undefined {
  return isObject(period) ? (str(period.start) ?? str(period.end)) : undefined;
}

/** Clinical / verification status in plain words. Entered-in-error and refuted outrank everything. */
export function resourceStatus(resource: Json): string | undefined {
  const verification = firstCode(resource.verificationStatus);
  if (verification === 'entered-in-error' || verification === 'refuted')
    return verification.replace(/-/g, ' ');
  const clinical = firstCode(resource.clinicalStatus) ?? str(resource.clinicalStatus);
  if (clinical) return clinical;
  const status = str(resource.status);
  return status ? status.replace(/-/g, ' ') : undefined;
}

export function lastUpdated(resource: Json): string | undefined {
  return isObject(resource.meta) ? str(resource.meta.lastUpdated) : undefined;
}
