// Caseload events are governed like the record. Patient level, before anything is kept: an alert about a
// resource the record would withhold (a confidentiality label R or V, a sensitive code anywhere in it, a code the
// patient asked not to share: the record governance's own rule), or linking to a diagnosis it would withhold, is
// told only as "new activity", with the record's own reason and nothing of the resource (no title, type, place,
// times or code), for everyone, break-glass or not, as the record withholds it; so is one whose linked diagnosis
// could not be read, saying so. A patient who has declined to share their record gets only "new activity"
// (unless the user broke the glass for them and policy lets that override dissent). User level, on every read: a
// role that may not see encounters (or documents) gets "new activity" for what it may not see, with why, and no
// details.
import type { CaseloadEvent, CaseloadEventKind } from '../../../common/caseload-events';
import type { SectionId } from '../../../common/record';
import type { DissentFinding } from '../governance/dissent';
import type { UserGovernance } from '../governance/govern-record';
import { withholdCauseOf } from '../governance/patient-governance';
import type { SensitiveCodes } from '../governance/sensitive-codes';
import { referenceTarget, someReference, WITHHELD_REASON } from '../governance/sensitive-filter';
import { SECTIONS_FOR_ACCESS } from '../governance/role-access';

export const DISSENT_WITHHELD = 'The patient has declined to share their record: details withheld';
const DISSENT_UNKNOWN =
  'Whether the patient has declined to share their record could not be checked: details withheld';
const LINKED_UNCHECKED =
  'Details withheld: a diagnosis, procedure or result linked to this could not be checked against local policy on sensitive information';

/** The record section an alert's details belong to (a death is in the identity banner everyone sees). */
const SECTION_OF: Record<CaseloadEventKind, SectionId | undefined> = {
  admitted: 'encounters',
  discharged: 'encounters',
  'ed-arrival': 'encounters',
  'ed-departure': 'encounters',
  'new-letter': 'documents',
  died: undefined,
  'new-activity': undefined,
};

const SECTION_WORDS: Partial<Record<SectionId, string>> = {
  encounters: 'hospital encounters',
  documents: 'letters and documents',
};

function reduced(event: CaseloadEvent, withheldReason: string): CaseloadEvent {
  return {
    id: event.id,
    sourceId: event.sourceId,
    sourceName: event.sourceName,
    nhsNumber: event.nhsNumber,
    ...(event.patientName ? { patientName: event.patientName } : {}),
    kind: 'new-activity',
    at: event.at,
    receivedAt: event.receivedAt,
    withheldReason,
  };
}

/** What an alert's resource may link to as its reason or diagnosis, read from its source by id to be checked. */
const LINKED_TYPES = new Set(['Condition', 'Procedure', 'Observation']);

/** The entries an alert's resource links to as read from its source, and whether any could not be. */
export interface LinkedRead {
  entries: readonly Record<string, unknown>[];
  unchecked: boolean;
}

/** What a resource links to (an admission's reason or diagnosis, a letter's related entries). */
export interface LinkedEntries {
  /** "Type/id" at the source the resource came from, each of LINKED_TYPES. */
  refs: string[];
  /** It links to one of those held on another server, which this source's token may not read. */
  elsewhere: boolean;
}

/**
 * What `resource` links to as the record would find it: every reference to a Condition, Procedure or
 * Observation by type and id, relative or at `baseUrl` (a contained one is part of the resource and checked with
 * it; one by a bundle's urn:uuid, an identifier or a display alone names nothing the record could withhold).
 */
export function linkedEntries(resource: Record<string, unknown>, baseUrl: string): LinkedEntries {
  const refs = new Set<string>();
  let elsewhere = false;
  const base = baseUrl.replace(/\/+$/, '');
  someReference(resource, (reference) => {
    const target = referenceTarget(reference);
    if (!target || !LINKED_TYPES.has(target.type)) return false;
    if (target.base === undefined || target.base === base) refs.add(`${target.type}/${target.id}`);
    else elsewhere = true;
    return false;
  });
  return { refs: [...refs], elsewhere };
}

/**
 * Patient level, as the record governs it: the event about `resource` told only as new activity, with the
 * record's reason, when the record would withhold that resource (a death, about the Patient, never is) or a
 * diagnosis (or other entry) it links to (the record withholds what references a withheld entry: the link alone
 * would tell it). `dissent`: what the patient's Consents at the source deny, when known. `linked`: the entries it
 * links to, as read from the source; when they could not all be read, its details are withheld, saying so
 * (with the reason of one that was read and is withheld, when there is one).
 */
export function governAsRecord(
  event: CaseloadEvent,
  resource: Record<string, unknown>,
  sensitive: SensitiveCodes,
  dissent?: DissentFinding,
  linked: LinkedRead = { entries: [], unchecked: false },
): CaseloadEvent {
  const cause =
    withholdCauseOf(resource, sensitive, dissent) ??
    linked.entries.map((e) => withholdCauseOf(e, sensitive, dissent)).find((c) => c !== undefined);
  if (cause) return reduced(event, WITHHELD_REASON[cause]);
  return linked.unchecked ? reduced(event, LINKED_UNCHECKED) : event;
}

/**
 * Patient level: what may be kept at all. `dissent` undefined: the source could not say, so nothing is shown
 * that dissent would withhold.
 */
export function governForPatient(
  event: CaseloadEvent,
  dissent: boolean | undefined,
  user: Pick<UserGovernance, 'breakGlass' | 'breakGlassOverridesDissent'>,
): CaseloadEvent {
  if (dissent === false || (user.breakGlass && user.breakGlassOverridesDissent)) return event;
  return reduced(event, dissent ? DISSENT_WITHHELD : DISSENT_UNKNOWN);
}

/** User level: what this user's role may see. */
export function governForUser(event: CaseloadEvent, user: Pick<UserGovernance, 'access'>): CaseloadEvent {
  const section = SECTION_OF[event.kind];
  if (!section || SECTIONS_FOR_ACCESS[user.access].includes(section)) return event;
  return reduced(event, `Your role does not include ${SECTION_WORDS[section] ?? section}`);
}
