// What a notified resource means for a caseload: an admission, a discharge, an ED arrival or departure, a new
// letter or a death, with when and where as the source says. Encounters that are not a hospital stay or an ED
// attendance (a clinic, a phone call) are not alerts. Reads loosely: missing fields are left out, never made up.
import type { CaseloadEventKind } from '../../../common/caseload-events';
import type { Encounter } from '../../../common/fhir';
import { isObject, objectsIn, str, type JsonObject } from '../../../common/json';
import { NHS_NUMBER_SYSTEM } from '../../../common/nhs-number';
import { hospitalKind, isOpenEncounter } from '../../../common/summary/hospital-activity';
import { conceptDisplay } from '../record/fhir-read';
import { CASELOAD_TOPICS } from './topics';

export interface Classified {
  kind: Exclude<CaseloadEventKind, 'new-activity'>;
  at?: string;
  where?: string;
  since?: string;
  until?: string;
  title?: string;
}

/** Who the resource is about: an NHS number it carries, or the source's Patient id to look up. */
export interface PatientPointer {
  nhsNumber?: string;
  patientId?: string;
}

function nhsIn(identifiers: unknown): string | undefined {
  const found = objectsIn(identifiers).find(
    (i) => i.system === NHS_NUMBER_SYSTEM && typeof i.value === 'string',
  );
  const value = found ? str(found.value)?.replace(/\s/g, '') : undefined;
  return value && /^\d{10}$/.test(value) ? value : undefined;
}

export function patientOf(resource: JsonObject): PatientPointer {
  if (resource.resourceType === 'Patient') {
    const nhsNumber = nhsIn(resource.identifier);
    return {
      ...(nhsNumber ? { nhsNumber } : {}),
      ...(str(resource.id) ? { patientId: str(resource.id) } : {}),
    };
  }
  const subject = isObject(resource.subject) ? resource.subject : undefined;
  if (!subject) return {};
  const nhsNumber = isObject(subject.identifier) ? nhsIn([subject.identifier]) : undefined;
  const patientId = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(str(subject.reference) ?? '')?.[1];
  return { ...(nhsNumber ? { nhsNumber } : {}), ...(patientId ? { patientId } : {}) };
}

function whereOf(encounter: JsonObject): string | undefined {
  const location = objectsIn(encounter.location)
    .map((l) => (isObject(l.location) ? str(l.location.display) : undefined))
    .find(Boolean);
  const provider = isObject(encounter.serviceProvider) ? str(encounter.serviceProvider.display) : undefined;
  return location ?? provider;
}

function classifyEncounter(encounter: JsonObject, ended: boolean): Classified | undefined {
  const kind = hospitalKind(encounter as unknown as Encounter);
  if (!kind) return undefined;
  const finished = encounter.status === 'finished';
  if (ended !== finished) return undefined;
  if (!ended && !isOpenEncounter(encounter as Pick<Encounter, 'status'>)) return undefined;
  const period = isObject(encounter.period) ? encounter.period : {};
  const since = str(period.start);
  const until = ended ? str(period.end) : undefined;
  const where = whereOf(encounter);
  return {
    kind: ended
      ? kind === 'Admission'
        ? 'discharged'
        : 'ed-departure'
      : kind === 'Admission'
        ? 'admitted'
        : 'ed-arrival',
    ...((ended ? until : since) ? { at: ended ? until : since } : {}),
    ...(where ? { where } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
}

function classifyDocument(document: JsonObject): Classified {
  const title = str(document.description) ?? conceptDisplay(document.type);
  const at = str(document.date);
  const custodian = isObject(document.custodian) ? str(document.custodian.display) : undefined;
  return {
    kind: 'new-letter',
    ...(title ? { title } : {}),
    ...(at ? { at } : {}),
    ...(custodian ? { where: custodian } : {}),
  };
}

function classifyDeath(patient: JsonObject): Classified | undefined {
  const at = str(patient.deceasedDateTime);
  if (!at && patient.deceasedBoolean !== true) return undefined;
  return { kind: 'died', ...(at ? { at } : {}) };
}

const isOptional = (value: unknown, check: (v: unknown) => boolean) => value === undefined || check(value);
const isText = (v: unknown) => typeof v === 'string';
const isConcept = (v: unknown) =>
  isObject(v) && isOptional(v.coding, (c) => Array.isArray(c) && c.every(isObject));

/**
 * Whether the fields an alert is read from have the shapes FHIR gives them. One that does not (`type: "x"`,
 * `class: [null]`) is unreadable: counted and said, rather than passed over as "not an alert".
 */
export function readableShape(resource: JsonObject): boolean {
  switch (resource.resourceType) {
    case 'Encounter':
      return (
        isOptional(resource.status, isText) &&
        isOptional(resource.class, isObject) &&
        isOptional(resource.type, (t) => Array.isArray(t) && t.every(isConcept)) &&
        isOptional(resource.period, isObject) &&
        isOptional(resource.location, Array.isArray)
      );
    case 'DocumentReference':
      return isOptional(resource.type, isConcept) && isOptional(resource.date, isText);
    case 'Patient':
      return isOptional(resource.deceasedDateTime, isText);
    default:
      return true;
  }
}

/**
 * The alert a topic's focus resource makes; undefined when it is none (an outpatient encounter, a resource of
 * the wrong type for its topic). Without a topic (polling) the resource's own state decides.
 */
export function classify(resource: JsonObject, topic?: string): Classified | undefined {
  switch (resource.resourceType) {
    case 'Encounter':
      if (topic === CASELOAD_TOPICS.encounterStart) return classifyEncounter(resource, false);
      if (topic === CASELOAD_TOPICS.encounterEnd) return classifyEncounter(resource, true);
      if (topic === undefined) return classifyEncounter(resource, resource.status === 'finished');
      return undefined;
    case 'DocumentReference':
      return topic === undefined || topic === CASELOAD_TOPICS.documentNew
        ? classifyDocument(resource)
        : undefined;
    case 'Patient':
      return topic === undefined || topic === CASELOAD_TOPICS.patientDeath
        ? classifyDeath(resource)
        : undefined;
    default:
      return undefined;
  }
}
