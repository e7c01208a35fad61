// Who is signed in and which patient is in context, read from the EPR over the guarded fetch: fhirUser
// (PractitionerRole or Practitioner → name, role code, organisation) and the Patient with its NHS number.
import type { HumanName, Patient, Practitioner, PractitionerRole } from '../../../common/fhir';
import { FetchFailure } from '../http';
import type { AuthorizedFetch } from './authorized-fetch';
import { LaunchError, TokenOriginError } from './errors';
import type { IdTokenClaims } from './id-token';
import { nhsIdentityOf, type NhsIdentity } from './nhs-identity';

export interface LaunchUser {
  fhirUser?: string;
  /** The signed-in Practitioner as a relative reference ("Practitioner/<id>" on the EPR), when known. */
  practitioner?: string;
  display: string;
  /** Role code the machine policy's roleMapping is keyed by (e.g. "paramedic"); "unknown" when not found. */
  roleCode: string;
  roleDisplay?: string;
  organisation?: string;
}

export interface LaunchPatient {
  id: string;
  resource: Patient;
  name: string;
  birthDate?: string;
  nhs: NhsIdentity;
}

export function displayName(name: HumanName[] | undefined): string | undefined {
  const n = name?.find((x) => x.use === 'official') ?? name?.[0];
  if (!n) return undefined;
  if (n.text) return n.text;
  const parts = [...(n.prefix ?? []), ...(n.given ?? []), n.family].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

async function readResource<T extends { resourceType: string }>(
  fetch: AuthorizedFetch,
  url: string,
  type: string,
): Promise<T | undefined> {
  const response = await fetch(url).catch((error: unknown) => {
    if (!(error instanceof FetchFailure)) throw error;
    throw new LaunchError(
      'context-incomplete',
      `The ${type} could not be read from the EPR: it ${error.message}.`,
      {
        cause: error,
      },
    );
  });
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    const body = (await response.json()) as T;
    return body?.resourceType === type ? body : undefined;
  } catch {
    return undefined;
  }
}

function roleFrom(
  role: PractitionerRole | undefined,
): Pick<LaunchUser, 'roleCode' | 'roleDisplay' | 'organisation'> {
  const coding = role?.code?.flatMap((c) => c.coding ?? []).find((c) => c.code);
  return {
    roleCode: coding?.code ?? 'unknown',
    roleDisplay: coding?.display,
    organisation: role?.organization?.display,
  };
}

/** Resolves fhirUser against the FHIR base; only PractitionerRole and Practitioner are understood. */
export async function resolveUser(
  fhirBase: string,
  claims: IdTokenClaims | undefined,
  fetch: AuthorizedFetch,
): Promise<LaunchUser> {
  const nrbac = claims?.nhsid_nrbac_roles?.[0];
  const fallback: LaunchUser = {
    fhirUser: claims?.fhirUser,
    display: typeof claims?.name === 'string' ? claims.name : 'Unknown user',
    roleCode: 'unknown',
    roleDisplay: nrbac?.role_name,
  };
  if (!claims?.fhirUser) return fallback;
  const url = new URL(claims.fhirUser, `${fhirBase.replace(/\/+$/, '')}/`).toString();
  const type = /\/(PractitionerRole|Practitioner)\/[^/]+$/.exec(new URL(url).pathname)?.[1];
  try {
    if (type === 'PractitionerRole') {
      const role = await readResource<PractitionerRole>(fetch, url, 'PractitionerRole');
      const ref = role?.practitioner?.reference;
      const practitioner = ref
        ? await readResource<Practitioner>(fetch, new URL(ref, `${fhirBase}/`).toString(), 'Practitioner')
        : undefined;
      const practitionerId = ref ? /(?:^|\/)Practitioner\/([^/]+)$/.exec(ref)?.[1] : undefined;
      return {
        ...fallback,
        ...(practitionerId ? { practitioner: `Practitioner/${practitionerId}` } : {}),
        display: displayName(practitioner?.name) ?? role?.practitioner?.display ?? fallback.display,
        ...roleFrom(role),
        roleDisplay: roleFrom(role).roleDisplay ?? nrbac?.role_name,
      };
    }
    if (type === 'Practitioner') {
      const practitioner = await readResource<Practitioner>(fetch, url, 'Practitioner');
      const id = url.split('/').pop() ?? '';
      const search = await fetch(`${fhirBase}/PractitionerRole?practitioner=${encodeURIComponent(id)}`);
      const bundle = search.ok
        ? ((await search.json()) as { entry?: { resource?: PractitionerRole }[] })
        : undefined;
      const role = bundle?.entry?.find((e) => e.resource?.resourceType === 'PractitionerRole')?.resource;
      return {
        ...fallback,
        practitioner: `Practitioner/${id}`,
        display: displayName(practitioner?.name) ?? fallback.display,
        ...roleFrom(role),
      };
    }
  } catch (error) {
    // A fhirUser on another server is not followed (the token would have to go there).
    if (!(error instanceof TokenOriginError)) throw error;
  }
  return fallback;
}

export async function readPatient(
  fhirBase: string,
  patientId: string,
  fetch: AuthorizedFetch,
): Promise<LaunchPatient> {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(patientId)) {
    throw new LaunchError('context-incomplete', 'The EPR sent a malformed patient id.');
  }
  const patient = await readResource<Patient>(fetch, `${fhirBase}/Patient/${patientId}`, 'Patient');
  if (!patient) {
    throw new LaunchError('context-incomplete', 'The patient in context could not be read from the EPR.');
  }
  return toLaunchPatient(patient, patientId);
}

export function toLaunchPatient(patient: Patient, id = patient.id ?? ''): LaunchPatient {
  return {
    id,
    resource: patient,
    name: displayName(patient.name) ?? 'Name not recorded',
    birthDate: patient.birthDate,
    nhs: nhsIdentityOf(patient),
  };
}
