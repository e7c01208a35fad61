// What a request to a regional FHIR server is about, resolved from the server's own data, for the access
// policy (../http/access-policy.ts): the patients it names (by id, reference or NHS-number identifier) and
// whether the patient has dissented from sharing (an active patient-privacy Consent with provision "deny").
import type { Consent, Patient, Resource } from '../../common/fhir';
import type { AccessRequest } from '../http/access-policy';
import type { SandboxRequest } from '../http/loopback-server';
import { NHS_NUMBER_SYSTEM } from '../regional-auth/claims';
import type { FhirStore } from '../fhir/store';

/** Types that are not about any one patient; a search of any other type names its patient or means "anyone". */
const NOT_PATIENT_DATA = new Set([
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Medication',
  'HealthcareService',
  'Endpoint',
]);
const PATIENT_REFERENCE_PARAMS = ['patient', 'subject', 'subject:Patient'];
export const PATIENT_IDENTIFIER_PARAMS = [
  'patient:identifier',
  'patient.identifier',
  'subject:identifier',
  'subject.identifier',
];

export async function describeRegionalRequest(store: FhirStore, req: SandboxRequest): Promise<AccessRequest> {
  const [type, id, operation] = req.segments;
  const interaction = req.method !== 'GET' ? 'write' : id ? 'read' : 'search';
  const patients = await namedPatients(store, req, type, id);
  return {
    service: 'clinical',
    resourceType: type,
    interaction,
    patients,
    ...(type === 'Patient' && id && operation === '$everything' ? { wholeRecord: true } : {}),
    ...(!id && req.url.searchParams.has('_id') ? { byId: true } : {}),
    dissented: async () => {
      for (const nhs of new Set(patients)) if (nhs && (await hasDissented(store, nhs))) return true;
      return false;
    },
  };
}

async function namedPatients(
  store: FhirStore,
  req: SandboxRequest,
  type: string | undefined,
  id: string | undefined,
): Promise<(string | null)[]> {
  if (!type) return [null];
  if (type === 'Patient' && id) return [await nhsOfPatient(store, id)];
  if (id) return nhsOfResourceSubject(store, type, id);
  const params = req.url.searchParams;
  const values = (names: string[]): string[] =>
    names.flatMap((name) => params.getAll(name).flatMap((v) => v.split(',')));
  if (type === 'Patient') {
    const named = [
      ...values(['identifier']).map(nhsOfIdentifier),
      ...(await Promise.all(values(['_id']).map((pid) => nhsOfPatient(store, pid)))),
    ];
    return named;
  }
  const named = [
    ...values(PATIENT_IDENTIFIER_PARAMS).map(nhsOfIdentifier),
    ...(await Promise.all(values(PATIENT_REFERENCE_PARAMS).map((ref) => nhsOfReference(store, ref)))),
  ];
  if (named.length > 0) return named;
  return NOT_PATIENT_DATA.has(type) ? [] : [null];
}

function nhsOfIdentifier(token: string): string | null {
  const [system, value] = token.includes('|') ? token.split('|') : [NHS_NUMBER_SYSTEM, token];
  return system === NHS_NUMBER_SYSTEM && value && /^\d{10}$/.test(value) ? value : null;
}

async function nhsOfReference(store: FhirStore, reference: string): Promise<string | null> {
  const match =
    /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference) ?? /^([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  return match?.[1] ? nhsOfPatient(store, match[1]) : null;
}

async function nhsOfPatient(store: FhirStore, id: string): Promise<string | null> {
  try {
    const patient = (await store.read('Patient', id)) as Patient;
    return patient.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value ?? null;
  } catch {
    return null;
  }
}

/** The patient a resource read by id belongs to (its patient, subject or Binary securityContext). */
export async function nhsOfResourceSubject(
  store: FhirStore,
  type: string,
  id: string,
): Promise<(string | null)[]> {
  let resource: Resource;
  try {
    resource = await store.read(type, id);
  } catch {
    return NOT_PATIENT_DATA.has(type) ? [] : [null]; // unknown: the read answers 404 if it is allowed on
  }
  const r = resource as {
    patient?: { reference?: string };
    subject?: { reference?: string };
    securityContext?: { reference?: string };
  };
  const refs = [r.patient?.reference, r.subject?.reference, r.securityContext?.reference].filter(
    (ref): ref is string => typeof ref === 'string' && /(?:^|\/)Patient\//.test(ref),
  );
  return Promise.all(refs.map((ref) => nhsOfReference(store, ref)));
}

export async function hasDissented(store: FhirStore, nhs: string): Promise<boolean> {
  const patients = await store.search('Patient', { identifier: `${NHS_NUMBER_SYSTEM}|${nhs}` });
  for (const patient of patients) {
    const consents = (await store.search('Consent', { patient: `Patient/${patient.id}` })) as Consent[];
    if (consents.some(isDissent)) return true;
  }
  return false;
}

function isDissent(consent: Consent): boolean {
  return (
    consent.status === 'active' &&
    consent.provision?.type === 'deny' &&
    Boolean(consent.scope?.coding?.some((c) => c.code === 'patient-privacy'))
  );
}
