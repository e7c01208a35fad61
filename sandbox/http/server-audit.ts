// The BALP-style AuditEvent a resource server records for every request it decides on: who (the token's
// `sub` and name, or nobody for a missing or bad token), their role and purpose of use, the patient when
// known, and the outcome ('0' allowed, '4' refused, '8' invalid token). Kept in memory for tests.
import type { AuditEvent } from '../../common/fhir';
import { NHS_NUMBER_SYSTEM, type RegionalAccessClaims } from '../regional-auth/claims';
import { ACCESS_REFUSAL_SYSTEM, type RefusalCode } from './access-policy';

export type AuditOutcome = '0' | '4' | '8';

export interface ServerAuditInput {
  observer: string;
  method: string;
  resourceType?: string;
  /** The user's claims; undefined for a request with no valid regional token. */
  claims?: RegionalAccessClaims;
  /** The caller when there are no user claims (e.g. a backend-services client). */
  caller?: string;
  patients: string[];
  outcome: AuditOutcome;
  refusal?: RefusalCode;
  /** A PatientQuery (BALP): subtype search-type, action E, rather than the request's own interaction. */
  query?: boolean;
  recorded: Date;
}

const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const ACTION: Record<string, AuditEvent['action']> = { GET: 'R', POST: 'C', PUT: 'U', DELETE: 'D' };

export function serverAuditEvent(input: ServerAuditInput): AuditEvent {
  const iua = input.claims?.extensions.ihe_iua;
  const who = input.claims
    ? { identifier: { value: input.claims.sub }, display: iua?.subject_name }
    : input.caller
      ? { display: input.caller }
      : undefined;
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    ...(input.query
      ? { subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type' }] }
      : {}),
    action: input.query ? 'E' : (ACTION[input.method] ?? 'E'),
    recorded: input.recorded.toISOString(),
    outcome: input.outcome,
    ...(input.refusal ? { outcomeDesc: `${ACCESS_REFUSAL_SYSTEM}|${input.refusal}` } : {}),
    agent: [
      {
        requestor: true,
        ...(who ? { who } : {}),
        ...(iua
          ? { role: [{ coding: [iua.subject_role] }], purposeOfUse: [{ coding: [iua.purpose_of_use] }] }
          : {}),
      },
    ],
    source: { observer: { display: input.observer } },
    entity: [
      ...(input.resourceType ? [{ name: input.resourceType, type: { system: ENTITY_TYPE, code: '2' } }] : []),
      ...input.patients.map((nhs) => ({
        what: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhs } },
        type: { system: ENTITY_TYPE, code: '1' },
        role: { system: OBJECT_ROLE, code: '1' },
      })),
    ],
  };
}
