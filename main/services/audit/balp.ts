// Builds FHIR R4 AuditEvents following IHE Basic Audit Log Patterns (BALP 1.1):
// PatientRead (a record view) and PatientQuery (a search), plus the app's own security events
// (break-glass, cache writes and purges, key loss, prefetch, export/print, sign-in/out).
// Agents follow BALP: client = Source Role ID (DCM 110153), server = Destination Role ID (DCM 110152),
// user = information recipient (IRCP) with role and purpose of use.
import { randomUUID } from 'node:crypto';
import type { AuditEvent, CodeableConcept, Coding } from '../../../common/fhir';

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
/** The app's own subtypes, for events BALP and DICOM do not name. */
export const WESSEX_AUDIT_SUBTYPE = 'https://wessexcarerecords.nhs.uk/fhir/CodeSystem/audit-event-subtype';
const ORGANISATION_EXTENSION =
  'https://wessexcarerecords.nhs.uk/fhir/StructureDefinition/audit-agent-organisation';
const BALP_PROFILE = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';

/** v3-ActReason purposes of use the viewer asserts. */
export type PurposeOfUse = 'TREAT' | 'ETREAT' | 'COC' | 'BTG';

/** 0 success, 4 minor failure (e.g. refused), 8 serious failure, 12 major failure. */
export type AuditOutcome = '0' | '4' | '8' | '12';

export interface AuditUser {
  /** fhirUser from the launch (e.g. https://epr.example/Practitioner/123). */
  fhirUser?: string;
  display?: string;
  role?: Coding;
  organisation?: string;
  purposeOfUse: PurposeOfUse[];
}

/** Who is acting and on which machine: fixed for a session. */
export interface AuditContext {
  user?: AuditUser;
  client: { id: string; display: string; host: string };
  /** Where the event is observed (this installation). */
  observer: string;
}

export type AuditAction =
  | { kind: 'patient-read'; nhsNumber: string; server: string; requestId?: string; sections?: string[] }
  | { kind: 'patient-query'; query: string; server: string; nhsNumber?: string; requestId?: string }
  | { kind: 'prefetch'; nhsNumber: string; server: string; requestId?: string }
  | { kind: 'break-glass'; reason: string; nhsNumber?: string }
  | { kind: 'access-reason'; reasonCode: string; nhsNumber?: string }
  | { kind: 'dissent-override'; reason: string; nhsNumber: string }
  | { kind: 'identity-confirmed'; nhsNumber: string }
  | {
      kind: 'identity-decision';
      nhsNumber: string;
      sourceId: string;
      decision: 'same-person' | 'different-person';
    }
  | { kind: 'cache-write'; nhsNumber: string }
  | { kind: 'cache-document'; nhsNumber: string }
  | {
      kind: 'cache-purge';
      trigger: 'user' | 'retention' | 'sign-out' | 'all' | 'dissent';
      nhsNumber?: string;
      count: number;
    }
  | {
      kind: 'export-purge';
      trigger: 'user' | 'retention' | 'sign-out' | 'all' | 'dissent';
      nhsNumber?: string;
      count: number;
    }
  | { kind: 'key-loss' | 'database-recovery' | 'key-rotation'; store: string; detail: string }
  | { kind: 'export' | 'print'; nhsNumber: string; format: string }
  | { kind: 'sign-in' | 'sign-out' };

export type AuditKind = AuditAction['kind'];

export interface AuditEventOptions {
  outcome?: AuditOutcome;
  /** Plain-words failure description (never patient data beyond the NHS number). */
  outcomeDesc?: string;
  id?: string;
  recorded?: Date;
}

const code = (system: string, c: string, display?: string): Coding =>
  display ? { system, code: c, display } : { system, code: c };
const wessex = (c: string, display: string): Coding => code(WESSEX_AUDIT_SUBTYPE, c, display);

interface Shape {
  type: Coding;
  subtype: Coding[];
  action: NonNullable<AuditEvent['action']>;
  profile?: string;
  /** The far end of a RESTful exchange (the source server), when there is one. */
  server?: string;
}

function shapeOf(action: AuditAction): Shape {
  const rest = code(AUDIT_EVENT_TYPE, 'rest', 'Restful Operation');
  const security = code(DCM, '110113', 'Security Alert');
  const localStore = wessex('local-store', 'Offline record store');
  switch (action.kind) {
    case 'patient-read':
      return {
        type: rest,
        subtype: [code(RESTFUL_INTERACTION, 'read', 'read')],
        action: 'R',
        profile: 'PatientRead',
        server: action.server,
      };
    case 'prefetch':
      return {
        type: rest,
        subtype: [code(RESTFUL_INTERACTION, 'read', 'read'), wessex('prefetch', 'Caseload prefetch')],
        action: 'R',
        profile: 'PatientRead',
        server: action.server,
      };
    case 'patient-query':
      return {
        type: rest,
        subtype: [code(RESTFUL_INTERACTION, 'search-type', 'search type')],
        action: 'E',
        profile: 'PatientQuery',
        server: action.server,
      };
    case 'break-glass':
      return { type: security, subtype: [wessex('break-glass', 'Break-glass access')], action: 'E' };
    case 'dissent-override':
      return {
        type: security,
        subtype: [wessex('dissent-override', 'Patient dissent overridden')],
        action: 'R',
      };
    case 'identity-confirmed':
      return {
        type: security,
        subtype: [wessex('identity-confirmed', 'Unverified NHS number confirmed by the clinician')],
        action: 'E',
      };
    case 'identity-decision':
      return {
        type: security,
        subtype: [wessex('identity-decision', 'Identity across sources decided by the clinician')],
        action: 'E',
      };
    case 'access-reason':
      return {
        type: security,
        subtype: [wessex('access-reason', 'Reason for access declared')],
        action: 'E',
      };
    case 'key-loss':
      return { type: security, subtype: [wessex('key-loss', 'Encryption key lost')], action: 'E' };
    case 'database-recovery':
      return {
        type: security,
        subtype: [wessex('database-recovery', 'Encrypted store recreated')],
        action: 'E',
      };
    case 'key-rotation':
      return { type: security, subtype: [wessex('key-rotation', 'Encryption key replaced')], action: 'U' };
    case 'cache-write':
      return { type: localStore, subtype: [wessex('cache-write', 'Record stored offline')], action: 'C' };
    case 'cache-document':
      return {
        type: localStore,
        subtype: [wessex('cache-document', 'Document stored offline')],
        action: 'C',
      };
    case 'cache-purge':
      return { type: localStore, subtype: [wessex('cache-purge', 'Offline records purged')], action: 'D' };
    case 'export-purge':
      return {
        type: localStore,
        subtype: [wessex('export-purge', 'Handover PDFs removed')],
        action: 'D',
      };
    case 'export':
      return {
        type: code(DCM, '110106', 'Export'),
        subtype: [wessex('export', 'Handover exported')],
        action: 'R',
      };
    case 'print':
      return {
        type: code(DCM, '110106', 'Export'),
        subtype: [wessex('print', 'Handover printed')],
        action: 'R',
      };
    case 'sign-in':
      return {
        type: code(DCM, '110114', 'User Authentication'),
        subtype: [code(DCM, '110122', 'Login')],
        action: 'E',
      };
    case 'sign-out':
      return {
        type: code(DCM, '110114', 'User Authentication'),
        subtype: [code(DCM, '110123', 'Logout')],
        action: 'E',
      };
  }
}

const PURPOSE_DISPLAY: Record<PurposeOfUse, string> = {
  TREAT: 'treatment',
  ETREAT: 'Emergency Treatment',
  COC: 'coordination of care',
  BTG: 'break the glass',
};

function userAgent(user: AuditUser): NonNullable<AuditEvent['agent']>[number] {
  const role: CodeableConcept[] = user.role ? [{ coding: [user.role] }] : [];
  return {
    type: { coding: [code(PARTICIPATION, 'IRCP', 'information recipient')] },
    who: {
      ...(user.fhirUser ? { reference: user.fhirUser } : {}),
      ...(user.display ? { display: user.display } : {}),
    },
    ...(user.display ? { name: user.display } : {}),
    requestor: true,
    ...(role.length ? { role } : {}),
    purposeOfUse: user.purposeOfUse.map((p) => ({ coding: [code(ACT_REASON, p, PURPOSE_DISPLAY[p])] })),
    ...(user.organisation
      ? { extension: [{ url: ORGANISATION_EXTENSION, valueReference: { display: user.organisation } }] }
      : {}),
  };
}

function patientEntity(nhsNumber: string): NonNullable<AuditEvent['entity']>[number] {
  return {
    what: { type: 'Patient', identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
    type: code(ENTITY_TYPE, '1', 'Person'),
    role: code(OBJECT_ROLE, '1', 'Patient'),
  };
}

function entitiesOf(action: AuditAction): NonNullable<AuditEvent['entity']> {
  const entities: NonNullable<AuditEvent['entity']> = [];
  if ('nhsNumber' in action && action.nhsNumber) entities.push(patientEntity(action.nhsNumber));
  const detail = (type: string, value: string) => ({ type, valueString: value });
  switch (action.kind) {
    case 'patient-read':
    case 'prefetch':
      entities.push({
        what: {
          identifier: { system: 'urn:ietf:rfc:3986', value: action.server },
          display: 'Shared care record',
        },
        type: code(ENTITY_TYPE, '2', 'System Object'),
        role: code(OBJECT_ROLE, '4', 'Domain Resource'),
        ...(action.kind === 'patient-read' && action.sections?.length
          ? { detail: [detail('sections', action.sections.join(','))] }
          : {}),
      });
      break;
    case 'patient-query':
      entities.push({
        type: code(ENTITY_TYPE, '2', 'System Object'),
        role: code(OBJECT_ROLE, '24', 'Query'),
        query: Buffer.from(action.query, 'utf8').toString('base64'),
      });
      break;
    case 'break-glass':
    case 'dissent-override':
      entities.push({ type: code(ENTITY_TYPE, '4', 'Other'), detail: [detail('reason', action.reason)] });
      break;
    case 'access-reason':
      entities.push({
        type: code(ENTITY_TYPE, '4', 'Other'),
        detail: [detail('reason-code', action.reasonCode)],
      });
      break;
    case 'identity-decision':
      entities.push({
        type: code(ENTITY_TYPE, '4', 'Other'),
        detail: [detail('source', action.sourceId), detail('decision', action.decision)],
      });
      break;
    case 'cache-purge':
    case 'export-purge':
      entities.push({
        type: code(ENTITY_TYPE, '2', 'System Object'),
        detail: [detail('trigger', action.trigger), detail('count', String(action.count))],
      });
      break;
    case 'key-loss':
    case 'database-recovery':
    case 'key-rotation':
      entities.push({
        type: code(ENTITY_TYPE, '2', 'System Object'),
        what: { display: action.store },
        detail: [detail('detail', action.detail)],
      });
      break;
    case 'export':
    case 'print':
      entities.push({
        type: code(ENTITY_TYPE, '2', 'System Object'),
        detail: [detail('format', action.format)],
      });
      break;
    default:
      break;
  }
  if ('requestId' in action && action.requestId) {
    entities.push({
      what: { identifier: { value: action.requestId } },
      type: code(BALP_ENTITY_TYPE, 'XrequestId', 'X-Request-Id'),
    });
  }
  return entities;
}

export function buildAuditEvent(
  context: AuditContext,
  action: AuditAction,
  options: AuditEventOptions = {},
): AuditEvent & { id: string } {
  const shape = shapeOf(action);
  const outcome = options.outcome ?? '0';
  const agents: NonNullable<AuditEvent['agent']> = [];
  if (context.user) agents.push(userAgent(context.user));
  agents.push({
    type: { coding: [code(DCM, '110153', 'Source Role ID')] },
    who: {
      identifier: { system: 'urn:ietf:rfc:3986', value: context.client.id },
      display: context.client.display,
    },
    requestor: false,
    network: { address: context.client.host, type: '1' },
  });
  if (shape.server) {
    agents.push({
      type: { coding: [code(DCM, '110152', 'Destination Role ID')] },
      who: { identifier: { system: 'urn:ietf:rfc:3986', value: shape.server } },
      requestor: false,
      network: { address: shape.server, type: '5' },
    });
  }
  return {
    resourceType: 'AuditEvent',
    id: options.id ?? randomUUID(),
    ...(shape.profile ? { meta: { profile: [BALP_PROFILE + shape.profile] } } : {}),
    type: shape.type,
    subtype: shape.subtype,
    action: shape.action,
    recorded: (options.recorded ?? new Date()).toISOString(),
    outcome,
    ...(options.outcomeDesc ? { outcomeDesc: options.outcomeDesc } : {}),
    agent: agents,
    source: {
      observer: { display: context.observer },
      type: [code(SOURCE_TYPE, '1', 'User Device')],
    },
    entity: entitiesOf(action),
  };
}
