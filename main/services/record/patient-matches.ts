// The people a name-and-date-of-birth search found, from what each directory sent: re-checked against the
// question (a server that ignores a parameter must not put strangers on the list), joined by NHS number, with
// the directories that disagree about who holds a number said in plain words. Whatever a Patient lacks or
// holds in the wrong shape is tolerated; a match without a valid NHS number is listed with why it cannot be
// opened.
import { nameKey } from '../../../common/human-name';
import { isValidNhsNumber } from '../../../common/nhs-number';
import type { PatientMatch, PatientSearchQuery } from '../../../common/patient-search';
import { asArray, objectsIn, str, type Json } from './fhir-read';
import { demographicDifferences, demographicsOf } from './identity-agreement';
import { nhsNumberOf, patientSummary } from './patient-identity';

export interface DirectoryAnswer {
  directory: { id: string; name: string };
  /** The Patient resources it sent, as sent. */
  patients: Json[];
}

export interface MatchedPeople {
  /** Every person found, in name order (the caller caps the list). */
  matches: PatientMatch[];
  /** Per directory: how many of its Patients matched, and what it sent that did not. */
  counted: Map<string, { matched: number; ignored: string[] }>;
}

/** The longest text kept from one field of a server's Patient (the rest is not needed to choose). */
const FIELD_MAX = 200;
const clip = (s: string | undefined) => (s && s.length > FIELD_MAX ? `${s.slice(0, FIELD_MAX)}…` : s);

const startsWith = (value: string | undefined, asked: string) =>
  value !== undefined && nameKey(value).startsWith(nameKey(asked));

const postcodeKey = (s: string) => s.replace(/\s+/g, '').toUpperCase();

/** Does this Patient answer the question asked (any of its names, any of its postcodes)? */
export function answersQuery(patient: Json, query: PatientSearchQuery): boolean {
  if (str(patient.birthDate) !== query.birthDate) return false;
  const names = objectsIn(patient.name);
  if (!names.some((n) => startsWith(str(n.family), query.family))) return false;
  const given = query.given;
  if (given && !names.some((n) => asArray(n.given).some((g) => startsWith(str(g), given)))) return false;
  const postcode = query.postcode;
  if (postcode) {
    const postcodes = objectsIn(patient.address).map((a) => str(a.postalCode));
    if (!postcodes.some((p) => p !== undefined && postcodeKey(p).startsWith(postcodeKey(postcode))))
      return false;
  }
  return true;
}

function cannotOpen(patient: Json, directory: string): string | undefined {
  const nhs = nhsNumberOf(patient);
  if (!nhs) return `${directory} holds no NHS number for this person, so their record cannot be opened here`;
  if (!isValidNhsNumber(nhs)) {
    return `The NHS number ${directory} holds for this person fails the check digit, so their record cannot be opened here`;
  }
  return undefined;
}

function matchOf(patient: Json, directory: string): PatientMatch {
  const summary = patientSummary(patient);
  const problem = cannotOpen(patient, directory);
  return {
    ...(problem ? { cannotOpen: problem } : { nhsNumber: summary.nhsNumber! }),
    name: clip(summary.name)!,
    ...(summary.birthDate ? { birthDate: summary.birthDate } : {}),
    ...(summary.sex ? { sex: clip(summary.sex)! } : {}),
    ...(summary.address ? { address: clip(summary.address)! } : {}),
    ...(summary.registeredGp ? { registeredGp: clip(summary.registeredGp)! } : {}),
    ...(summary.deceased ? { deceased: summary.deceased } : {}),
    heldBy: [directory],
    disagreements: [],
  };
}

/** Joins the directories' answers (in configured order) into one list of people. */
export function matchPeople(answers: readonly DirectoryAnswer[], query: PatientSearchQuery): MatchedPeople {
  const byNhs = new Map<string, { match: PatientMatch; reference: Json; label: string }>();
  const unopenable: PatientMatch[] = [];
  const counted = new Map<string, { matched: number; ignored: string[] }>();
  for (const { directory, patients } of answers) {
    const count = { matched: 0, ignored: [] as string[] };
    counted.set(directory.id, count);
    const seen = new Set<string>();
    let strangers = 0;
    for (const patient of patients) {
      if (patient.resourceType !== 'Patient') continue;
      if (!answersQuery(patient, query)) {
        strangers++;
        continue;
      }
      count.matched++;
      const match = matchOf(patient, directory.name);
      if (!match.nhsNumber) {
        unopenable.push(match);
        continue;
      }
      // One directory listing the same person twice is still one person.
      if (seen.has(match.nhsNumber)) continue;
      seen.add(match.nhsNumber);
      const known = byNhs.get(match.nhsNumber);
      if (!known) {
        byNhs.set(match.nhsNumber, { match, reference: patient, label: directory.name });
        continue;
      }
      // Any directory saying the patient died is said, whichever listed them first.
      if (!known.match.deceased && match.deceased) known.match.deceased = match.deceased;
      const differences = demographicDifferences(
        demographicsOf(known.reference),
        demographicsOf(patient),
        known.label,
      );
      if (differences.length === 0) known.match.heldBy.push(directory.name);
      else known.match.disagreements.push(`${directory.name} holds ${differences.join(', ')}`);
    }
    if (strangers > 0) {
      count.ignored.push(
        `${directory.name} sent ${strangers === 1 ? '1 patient who does' : `${strangers} patients who do`} not match the name and date of birth asked for; not listed`,
      );
    }
  }
  const matches = [...byNhs.values()].map((m) => m.match).concat(unopenable);
  matches.sort(
    (a, b) => a.name.localeCompare(b.name, 'en-GB') || (a.nhsNumber ?? '~').localeCompare(b.nhsNumber ?? '~'),
  );
  return { matches, counted };
}
