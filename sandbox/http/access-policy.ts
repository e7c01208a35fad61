// The regional access policy every resource server enforces for a regional (user-bound) token. Each refusal
// has a code the client classifies it by (its free text is never shown):
//   purpose-not-permitted  clinical reads need TREAT or ETREAT; the audit endpoint takes HOPERAT or TREAT
//   role-not-permitted     by role: the sandbox admin clerk's role may search Patient only
//   patient-not-in-token   a token bound to patient P asked about someone else, or searched clinical data
//                          without naming P (data about no patient, e.g. an Organization, is fine); a token
//                          with no patient asked for more than Patient (patient search, and the patients a
//                          caseload names) or List/Appointment (caseload lookup), or for a patient's whole
//                          record (Patient/$everything is clinical data, bound and dissent-checked like any);
//                          or someone else's Subscription (each is its creator's alone)
//   (Subscription)         managing Subscriptions needs purpose TREAT, a role that may read Encounter, and
//                          a token with no patient
//   (caseload search)      a token with no patient may also search Encounter, DocumentReference and Consent
//                          for the patients it names, every one (a caseload watch polling what Subscriptions
//                          would tell it), and Conditions, Procedures and Observations by id for them (the
//                          reasons and diagnoses an alert links to, which the watch checks against local policy
//                          before telling it): TREAT only, audited as a PatientQuery, dissenting patients'
//                          entries left out of the answer
//   patient-dissent        the patient dissented from sharing (the server's own Consent); only ETREAT overrides
import { boundNhsNumber, type RegionalAccessClaims } from '../regional-auth/claims';

export const ACCESS_REFUSAL_SYSTEM = 'https://fhir.wessexcarerecords.nhs.uk/CodeSystem/access-refusal';

export type RefusalCode =
  'purpose-not-permitted' | 'role-not-permitted' | 'patient-not-in-token' | 'patient-dissent';

export interface AccessRequest {
  /** 'clinical': DCR, CHIE and the locator; 'audit': the audit endpoint. */
  service: 'clinical' | 'audit';
  resourceType?: string;
  interaction: 'read' | 'search' | 'write';
  /**
   * The NHS numbers the request is about, as the server resolved them from its own data; null for a patient
   * it names that the server cannot resolve, or for "any patient" (a clinical search naming none). Empty for
   * a request about no patient (e.g. an Organization).
   */
  patients: (string | null)[];
  /** Whether the patient the request is about has dissented from sharing here. */
  dissented: () => Promise<boolean>;
  /** Audit it as a PatientQuery (a Subscription's creation, naming the patients its filter names). */
  auditAsQuery?: boolean;
  /** The patient's whole record (Patient/$everything): clinical data, though its type is Patient. */
  wholeRecord?: boolean;
  /** A search for resources by their ids (`_id`): these entries only, not everything of the type. */
  byId?: boolean;
  /**
   * For a request on an existing Subscription: the `sub` of the user who created it (null: created with auth
   * off, so no user's). Undefined for a creation or a Subscription that does not exist.
   */
  subscriptionOwner?: string | null;
}

const CLINICAL_PURPOSES = new Set(['TREAT', 'ETREAT']);
const AUDIT_PURPOSES = new Set(['HOPERAT', 'TREAT']);
/** What a token with no patient may read: demographics (patient search) and the caseload. */
const UNBOUND_TYPES = new Set(['Patient', 'List', 'Appointment']);

/** What a caseload watch polls, for the patients it names. */
const CASELOAD_SEARCH_TYPES = new Set(['Encounter', 'DocumentReference', 'Consent']);

/** What a caseload watch reads by id only, for the patients it names: what its alerts link to as reasons. */
const CASELOAD_BY_ID_TYPES = new Set(['Condition', 'Procedure', 'Observation']);

/** A search naming every patient it is about, of what a caseload watch polls (or reads by id). */
export function isCaseloadSearch(request: AccessRequest): boolean {
  return (
    request.interaction === 'search' &&
    !!request.resourceType &&
    (CASELOAD_SEARCH_TYPES.has(request.resourceType) ||
      (!!request.byId && CASELOAD_BY_ID_TYPES.has(request.resourceType))) &&
    request.patients.length > 0 &&
    request.patients.every((nhs) => nhs !== null)
  );
}

/** Role code → whether it may make this request (roles not listed may read any type). */
const ROLE_POLICY: Record<string, (request: AccessRequest) => boolean> = {
  'admin-staff': (r) => r.resourceType === 'Patient' && r.interaction === 'search',
};

export async function refusalFor(
  claims: RegionalAccessClaims,
  request: AccessRequest,
): Promise<RefusalCode | undefined> {
  const iua = claims.extensions.ihe_iua;
  const purpose = iua.purpose_of_use.code;
  if (request.service === 'audit') return AUDIT_PURPOSES.has(purpose) ? undefined : 'purpose-not-permitted';
  if (!CLINICAL_PURPOSES.has(purpose)) return 'purpose-not-permitted';
  const rolePolicy = ROLE_POLICY[iua.subject_role.code];
  if (request.resourceType === 'Subscription') {
    // Caseload alerts: direct care only (no break-glass standing watch), for a role that may read encounters,
    // with a token bound to no one patient.
    if (purpose !== 'TREAT') return 'purpose-not-permitted';
    if (rolePolicy && !rolePolicy({ ...request, resourceType: 'Encounter', interaction: 'search' }))
      return 'role-not-permitted';
    if (request.subscriptionOwner !== undefined && request.subscriptionOwner !== claims.sub)
      return 'patient-not-in-token';
    return boundNhsNumber(claims) === undefined ? undefined : 'patient-not-in-token';
  }
  if (rolePolicy && !rolePolicy(request)) return 'role-not-permitted';
  const bound = boundNhsNumber(claims);
  if (bound === undefined) {
    if (request.resourceType && UNBOUND_TYPES.has(request.resourceType) && !request.wholeRecord)
      return undefined;
    if (isCaseloadSearch(request)) return purpose === 'TREAT' ? undefined : 'purpose-not-permitted';
    return 'patient-not-in-token';
  }
  if (request.patients.some((nhs) => nhs !== bound)) return 'patient-not-in-token';
  const aboutThePatient = request.patients.length > 0;
  if (aboutThePatient && purpose !== 'ETREAT' && (await request.dissented())) return 'patient-dissent';
  return undefined;
}
