// Search parameters that reach past the resources the access policy was asked about: `_include` and
// `_revinclude` (any modifier) add other resources to the answer, `_has` and chained parameters match on
// resources the policy never saw. With regional auth on, a server refuses them rather than answer with
// data about patients the token does not name (the patient identifier chains the policy reads are fine).
import { PATIENT_IDENTIFIER_PARAMS } from './access-request';

const REACHING = new Set(['_include', '_revinclude']);
/**
 * `_include=<Type>:patient` adds only the Patient each match is about: demographics a token with no patient
 * may search anyway, and a bound token's own patient (the caseload lookup's `Appointment:patient`).
 */
const OWN_PATIENT_INCLUDE = /^[A-Z][A-Za-z]{1,63}:patient$/;

/** The first parameter of this query that would reach beyond what the policy checked, if any. */
export function reachingSearchParam(params: URLSearchParams): string | undefined {
  for (const name of new Set(params.keys())) {
    if (name === '_include' && params.getAll(name).every((v) => OWN_PATIENT_INCLUDE.test(v))) continue;
    const base = name.split(':')[0] ?? name;
    if (REACHING.has(base) || base === '_has') return name;
    if (name.includes('.') && !PATIENT_IDENTIFIER_PARAMS.includes(name)) return name;
  }
  return undefined;
}
