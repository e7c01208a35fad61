// Patient search by demographics as NHS directory servers (PDS, HAPI) answer it: `family` and `given` match the
// start of any of the patient's names, ignoring case and accents; `birthdate` is one exact day
// (`YYYY-MM-DD` or `eqYYYY-MM-DD`); `address-postalcode` matches the start of any postcode, ignoring case and
// spaces. medplum's in-memory engine matches names anywhere in the string, which would make the sandbox find
// patients no real server would. Used by the regional servers' store and the EPR alike; kept outside fhir/ so
// the EPR does not load the FHIR engine's chunk before the WebSocket shim it needs.
import type { Patient } from '../common/fhir';
import { nameKey } from '../common/human-name';

export type DemographicParam = 'family' | 'given' | 'birthdate' | 'address-postalcode';
export type DemographicQuery = Partial<Record<DemographicParam, string>>;

const EXACT_DAY = /^(?:eq)?(\d{4}-\d{2}-\d{2})$/;

const postcode = (s: string) => s.replace(/\s+/g, '').toUpperCase();

/**
 * Splits a search into the demographic parameters answered here and the rest (for the FHIR engine). A
 * parameter given twice, or a birthdate that is not one exact day, is left to the engine.
 */
export function splitDemographicQuery<Q extends Record<string, string | string[] | undefined>>(
  query: Q,
): { demographic: DemographicQuery; rest: Record<string, string | string[] | undefined> } {
  const demographic: DemographicQuery = {};
  const rest: Record<string, string | string[] | undefined> = { ...query };
  for (const param of ['family', 'given', 'birthdate', 'address-postalcode'] as const) {
    const value = query[param];
    if (typeof value !== 'string') continue;
    if (param === 'birthdate' && !EXACT_DAY.test(value)) continue;
    demographic[param] = value;
    delete rest[param];
  }
  return { demographic, rest };
}

export function hasDemographics(query: DemographicQuery): boolean {
  return Object.keys(query).length > 0;
}

export function matchesDemographics(patient: Patient, query: DemographicQuery): boolean {
  const names = patient.name ?? [];
  const startsAny = (values: (string | undefined)[], asked: string) =>
    values.some((v) => v !== undefined && nameKey(v).startsWith(nameKey(asked)));
  if (
    query.family !== undefined &&
    !startsAny(
      names.map((n) => n.family),
      query.family,
    )
  )
    return false;
  if (
    query.given !== undefined &&
    !startsAny(
      names.flatMap((n) => n.given ?? []),
      query.given,
    )
  )
    return false;
  if (query.birthdate !== undefined && patient.birthDate !== EXACT_DAY.exec(query.birthdate)?.[1])
    return false;
  const postcodes = (patient.address ?? []).map((a) => a.postalCode);
  const asked = query['address-postalcode'];
  if (
    asked !== undefined &&
    !postcodes.some((p) => p !== undefined && postcode(p).startsWith(postcode(asked)))
  )
    return false;
  return true;
}
