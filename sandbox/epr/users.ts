// Sandbox EPR users: one per role the machine policy maps (ARCHITECTURE.md, role-based views).
import type { Practitioner, PractitionerRole } from '../../common/fhir';

export const SANDBOX_ROLE_SYSTEM = 'https://fhir.wessexcarerecords.nhs.uk/CodeSystem/sandbox-role';

export type SandboxUserKey = 'gp' | 'paramedic' | 'nurse' | 'admin';

export interface SandboxUser {
  key: SandboxUserKey;
  practitioner: Practitioner & { id: string };
  role: PractitionerRole & { id: string };
  /** NHS CIS2-style RBAC role for the optional `nhsid_nrbac_roles` id_token claim. */
  nrbac: { roleCode: string; roleName: string; orgCode: string };
}

function user(
  key: SandboxUserKey,
  name: { prefix?: string; given: string; family: string },
  roleCode: string,
  roleDisplay: string,
  organisation: { display: string; odsCode: string },
  nrbac: { roleCode: string; roleName: string },
): SandboxUser {
  const practitionerId = `sandbox-${key}`;
  return {
    key,
    practitioner: {
      resourceType: 'Practitioner',
      id: practitionerId,
      name: [{ prefix: name.prefix ? [name.prefix] : undefined, given: [name.given], family: name.family }],
    },
    role: {
      resourceType: 'PractitionerRole',
      id: `${practitionerId}-role`,
      active: true,
      practitioner: { reference: `Practitioner/${practitionerId}` },
      organization: {
        display: organisation.display,
        identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: organisation.odsCode },
      },
      code: [{ coding: [{ system: SANDBOX_ROLE_SYSTEM, code: roleCode, display: roleDisplay }] }],
    },
    nrbac: { ...nrbac, orgCode: organisation.odsCode },
  };
}

export const SANDBOX_USERS: readonly SandboxUser[] = [
  user(
    'gp',
    { prefix: 'Dr', given: 'Amelia', family: 'Hart' },
    'general-practitioner',
    'General practitioner',
    { display: 'Ringwood Medical Centre', odsCode: 'J81046' },
    { roleCode: 'S0030:G0100:R0260', roleName: 'General Medical Practitioner' },
  ),
  user(
    'paramedic',
    { given: 'Sam', family: 'Okafor' },
    'paramedic',
    'Paramedic',
    { display: 'South Western Ambulance Service NHS Foundation Trust', odsCode: 'RYF' },
    { roleCode: 'S0030:G0100:R1090', roleName: 'Paramedic' },
  ),
  user(
    'nurse',
    { given: 'Priya', family: 'Shah' },
    'nurse',
    'Community nurse',
    { display: 'Dorset HealthCare University NHS Foundation Trust', odsCode: 'RDY' },
    { roleCode: 'S0040:G0120:R0570', roleName: 'Community Nurse' },
  ),
  user(
    'admin',
    { given: 'Tom', family: 'Bell' },
    'admin-staff',
    'Admin clerk',
    { display: 'Ringwood Medical Centre', odsCode: 'J81046' },
    { roleCode: 'S8000:G8000:R8001', roleName: 'Clerical Access Role' },
  ),
];

export function findSandboxUser(keyOrId: string): SandboxUser | undefined {
  return SANDBOX_USERS.find(
    (u) => u.key === keyOrId || u.practitioner.id === keyOrId || u.role.id === keyOrId,
  );
}
