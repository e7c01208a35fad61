// The EPR's small FHIR endpoint: Patient (read, search by NHS number + birth date, or by family name + birth
// date [+ given name, postcode] as directory servers match them), Practitioner and
// PractitionerRole (read; PractitionerRole search by practitioner). Every request needs a bearer token
// issued for this FHIR base; patient-level tokens read only their own patient.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bundle, Patient, Resource } from '../../common/fhir';
import type { AccessTokenClaims } from '../auth/authorization-server';
import { matchesDemographics, splitDemographicQuery } from '../patient-search';
import { bearerToken, operationOutcome, sendFhir } from './http';
import { SANDBOX_USERS } from './users';

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

export interface EprFhirData {
  patients: () => Patient[];
}

type Verify = (token: string) => Promise<AccessTokenClaims | undefined>;

function searchset(baseUrl: string, resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({
      fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** True when a user-level scope lets the token read (v1 `.read`, v2 permissions incl. `r`) this type. */
function grantsUserRead(scope: string, type: string): boolean {
  return scope.split(/\s+/).some((s) => {
    const m = /^user\/([A-Za-z*]+)\.([a-z*]+)$/.exec(s);
    if (!m || (m[1] !== '*' && m[1] !== type)) return false;
    const permission = m[2] ?? '';
    return (
      permission === 'read' ||
      permission === '*' ||
      (/^c?r?u?d?s?$/.test(permission) && permission.includes('r'))
    );
  });
}

export async function handleFhirRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  fhirBase: string,
  fhirPath: string,
  data: EprFhirData,
  verify: Verify,
): Promise<void> {
  const presented = bearerToken(req);
  const claims = presented ? await verify(presented) : undefined;
  if (!claims) {
    res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
    sendFhir(res, 401, operationOutcome('login', 'A valid bearer token for this server is required'));
    return;
  }
  if (req.method !== 'GET') {
    sendFhir(res, 405, operationOutcome('not-supported', 'The sandbox EPR is read-only'));
    return;
  }
  const [type, id, ...rest] = fhirPath.split('/').filter(Boolean);
  if (rest.length > 0 || !type) {
    sendFhir(res, 404, operationOutcome('not-found', 'Unknown path'));
    return;
  }
  const found = (resource: Resource | undefined): void => {
    if (resource) sendFhir(res, 200, resource);
    else sendFhir(res, 404, operationOutcome('not-found', `${type}/${id} not found`));
  };
  const patientLevelOnly = !/(^|\s)user\//.test(claims.scope);

  switch (type) {
    case 'Patient': {
      if (id) {
        if (patientLevelOnly && claims.patient !== id) {
          sendFhir(res, 403, operationOutcome('forbidden', 'This token is for a different patient'));
          return;
        }
        found(data.patients().find((p) => p.id === id));
        return;
      }
      if (!grantsUserRead(claims.scope, 'Patient')) {
        sendFhir(res, 403, operationOutcome('forbidden', 'Searching patients needs a user-level scope'));
        return;
      }
      const identifier = url.searchParams.get('identifier');
      const birthdate = url.searchParams.get('birthdate');
      if (!identifier) {
        const { demographic } = splitDemographicQuery(Object.fromEntries(url.searchParams));
        if (!demographic.family || !demographic.birthdate) {
          sendFhir(
            res,
            400,
            operationOutcome(
              'required',
              'Search by identifier (NHS number), or by family name and exact birth date',
            ),
          );
          return;
        }
        const found = data.patients().filter((p) => matchesDemographics(p, demographic));
        sendFhir(res, 200, searchset(fhirBase, found));
        return;
      }
      const [system, value] = identifier.includes('|') ? identifier.split('|', 2) : [undefined, identifier];
      const matches = data
        .patients()
        .filter((p) =>
          (p.identifier ?? []).some(
            (i) => i.value === value && (system === undefined || system === '' || i.system === system),
          ),
        )
        .filter((p) => !birthdate || p.birthDate === birthdate);
      sendFhir(res, 200, searchset(fhirBase, matches));
      return;
    }
    case 'Practitioner':
      found(id ? SANDBOX_USERS.find((u) => u.practitioner.id === id)?.practitioner : undefined);
      return;
    case 'PractitionerRole': {
      if (id) {
        found(SANDBOX_USERS.find((u) => u.role.id === id)?.role);
        return;
      }
      const practitioner = url.searchParams.get('practitioner')?.replace(/^Practitioner\//, '');
      const roles = SANDBOX_USERS.filter((u) => !practitioner || u.practitioner.id === practitioner).map(
        (u) => u.role,
      );
      sendFhir(res, 200, searchset(fhirBase, roles));
      return;
    }
    default:
      sendFhir(res, 404, operationOutcome('not-supported', `The sandbox EPR does not serve ${type}`));
  }
}

export { NHS_NUMBER_SYSTEM };
