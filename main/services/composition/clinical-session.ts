// One signed-in clinician: who they are (a SMART launch, or the operating-system user of the CLI with the role
// they declared), what their role may see, why they are looking (EPR context, a declared reason or
// break-glass) and whether the inactivity lock has hidden the record.
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { PatientAccessReason, SessionInfo } from '../../../preload/contract';
import type { AuditUser } from '../audit';
import {
  AccessReasonState,
  InactivityLock,
  RoleNotPermittedError,
  resolveRoleAccess,
  type AccessDeclaration,
  type LockClock,
} from '../governance';
import type { LaunchPatient, LaunchResult, LaunchUser, SmartSession } from '../launch';
import type { RecordIdentity } from '../record';
import type { RoleAccess } from '../policy';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { IdentityConfirmation, IdentityDecision } from '../../../common/record';
import { demographicDifferences, demographicsOf } from '../record/identity-agreement';
import type { Json } from '../record/fhir-read';

/** How the clinician came to be signed in. */
export interface SessionOrigin {
  kind: 'ehr' | 'standalone' | 'os-user';
  user: LaunchUser;
  idTokenClaims?: Record<string, unknown>;
  /** The patient the EPR launched with. */
  patient?: LaunchPatient;
  grantedScopes: string[];
  ungrantedScopes: string[];
  /** The SMART session (tokens at the issuer); the CLI's operating-system user has none. */
  smart?: SmartSession;
}

export function launchOrigin(result: LaunchResult): SessionOrigin {
  return {
    kind: result.kind === 'ehr' ? 'ehr' : 'standalone',
    user: result.user,
    ...(result.idToken ? { idTokenClaims: result.idToken as Record<string, unknown> } : {}),
    ...(result.patient ? { patient: result.patient } : {}),
    grantedScopes: result.grantedScopes,
    ungrantedScopes: result.ungrantedScopes,
    smart: result.session,
  };
}

/**
 * The person running the CLI: the operating-system account (recorded as such in every audit event) with the
 * role they declared on the command line, and optionally the Practitioner they are on the record sources.
 */
export function osUserOrigin(roleCode: string, practitioner?: string): SessionOrigin {
  const account = userInfo().username;
  return {
    kind: 'os-user',
    user: {
      display: `${account} on ${hostname()} (command line)`,
      roleCode,
      ...(practitioner ? { practitioner } : {}),
    },
    grantedScopes: [],
    ungrantedScopes: [],
  };
}

/** Who the audit log says acted: the signed-in user, with the role they act in and why. */
export function auditUserOf(
  user: LaunchUser,
  roleCode: string = user.roleCode,
  purposeOfUse: AuditUser['purposeOfUse'] = ['TREAT'],
): AuditUser {
  return {
    ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}),
    display: user.display,
    role: { code: roleCode, ...(user.roleDisplay ? { display: user.roleDisplay } : {}) },
    ...(user.organisation ? { organisation: user.organisation } : {}),
    purposeOfUse,
  };
}

export interface ClinicalSessionOptions {
  origin: SessionOrigin;
  roleMapping: Record<string, RoleAccess>;
  inactivityLockMinutes: number;
  lockClock?: LockClock;
  onLock: () => void;
  now?: () => Date;
}

export class ClinicalSession {
  readonly id = randomUUID();
  readonly access: RoleAccess;
  readonly roleCode: string;
  readonly reasons: AccessReasonState;
  readonly lock: InactivityLock;
  readonly origin: SessionOrigin;
  private readonly now: () => Date;
  /** Unverified NHS numbers the clinician confirmed (name and date of birth checked), by NHS number. */
  private readonly confirmations = new Map<string, IdentityConfirmation>();
  /** The clinician's decisions on sources held apart, by NHS number. */
  private readonly decisions = new Map<string, IdentityDecision[]>();

  constructor(options: ClinicalSessionOptions) {
    this.origin = options.origin;
    this.now = options.now ?? (() => new Date());
    const role = resolveRoleAccess(
      {
        practitionerRoleCodes: [options.origin.user.roleCode],
        ...(options.origin.idTokenClaims ? { idTokenClaims: options.origin.idTokenClaims } : {}),
      },
      options.roleMapping,
    );
    if (!role.ok) throw new RoleNotPermittedError(role.roles);
    this.access = role.access;
    this.roleCode = role.roleCode;
    this.reasons = new AccessReasonState(
      options.origin.kind === 'ehr' ? 'ehr' : 'standalone',
      options.origin.kind === 'ehr' ? options.origin.patient?.nhs.nhsNumber : undefined,
      options.now,
    );
    this.lock = new InactivityLock({
      minutes: options.inactivityLockMinutes,
      ...(options.lockClock ? { clock: options.lockClock } : {}),
      onLock: options.onLock,
    });
  }

  get user(): LaunchUser {
    return this.origin.user;
  }

  /** The patient the EPR launched with, when there is one. */
  get contextNhsNumber(): string | undefined {
    return this.origin.patient?.nhs.nhsNumber;
  }

  info(): SessionInfo {
    const caseload = this.reasons.caseloadReason;
    const user = this.origin.user;
    return {
      id: this.id,
      user: {
        display: user.display,
        ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}),
        role: this.roleCode,
        // The sign-in's name for its role, when the session acts in that role.
        ...(user.roleDisplay && user.roleCode === this.roleCode ? { roleDisplay: user.roleDisplay } : {}),
        ...(user.organisation ? { organisation: user.organisation } : {}),
      },
      launch: this.origin.kind,
      ...(this.contextNhsNumber ? { patientNhsNumber: this.contextNhsNumber } : {}),
      ...this.withoutNhsNumber(),
      grantedScopes: this.origin.grantedScopes,
      ungrantedScopes: this.origin.ungrantedScopes,
      patientReasons: this.reasons
        .patients()
        .map(([nhsNumber, reason]) => patientReasonOf(nhsNumber, reason)),
      ...(caseload ? { caseloadReason: caseload.label } : {}),
      locked: this.lock.isLocked(),
    };
  }

  /** The EPR's patient when it sent no NHS number: named on screen, never matched to Wessex records. */
  private withoutNhsNumber(): Pick<SessionInfo, 'eprPatientWithoutNhsNumber'> {
    const patient = this.origin.patient;
    if (this.origin.kind !== 'ehr' || !patient || patient.nhs.nhsNumber) return {};
    return {
      eprPatientWithoutNhsNumber: {
        name: patient.name,
        ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
        message:
          `Your clinical system opened the viewer for ${patient.name}` +
          (patient.birthDate ? `, born ${patient.birthDate},` : '') +
          ' without an NHS number, so Wessex records cannot be matched to this patient. ' +
          'Use Find a patient to search by NHS number.',
      },
    };
  }

  /** Who acts in every event; the purpose of use of an event about one patient is that patient's (purposeFor). */
  auditUser(): AuditUser {
    return auditUserOf(this.origin.user, this.roleCode);
  }

  purposeFor(nhsNumber: string): AuditUser['purposeOfUse'] | undefined {
    return this.reasons.purposeOfUseFor(nhsNumber);
  }

  /**
   * How the engine may use an NHS number. The EPR's own patient carries the EPR's verification status (an
   * unverified number is never used to query other servers silently); a number the clinician typed and
   * justified (standalone reason or break-glass) is theirs to search with.
   */
  identityFor(nhsNumber: string): RecordIdentity {
    const nhs = normaliseNhsNumber(nhsNumber);
    const patient = this.origin.patient;
    const confirmation = this.confirmations.get(nhs);
    if (patient && patient.nhs.nhsNumber === nhs) {
      return {
        nhsNumber: nhs,
        mayQueryRegionalSources: patient.nhs.safeToQueryOtherServers || !!confirmation,
        eprPatient: patient.resource,
        verification: patient.nhs.verification,
        ...(confirmation ? { confirmation } : {}),
      };
    }
    return { nhsNumber: nhs, mayQueryRegionalSources: true, ...(confirmation ? { confirmation } : {}) };
  }

  /**
   * The clinician has checked the patient's surname and date of birth (with the patient or their notes) so an
   * unverified NHS number may be used to search regional records. What they entered must agree with the
   * clinical system's patient; regional matches that disagree with it are then held apart.
   */
  confirmIdentity(nhsNumber: string, familyName: string, birthDate: string): IdentityConfirmation {
    const nhs = normaliseNhsNumber(nhsNumber);
    const patient = this.origin.patient;
    if (patient && patient.nhs.nhsNumber === nhs) {
      const differences = demographicDifferences(
        demographicsOf(patient.resource as unknown as Json),
        { family: familyName, birthDate },
        'the clinical system',
      );
      if (differences.length) {
        throw new IdentityNotConfirmedError(
          `The details entered do not match the clinical system's record (${differences.join('; ')}). Regional records were not searched.`,
        );
      }
    }
    const confirmation: IdentityConfirmation = {
      confirmedBy: this.origin.user.display,
      at: this.now().toISOString(),
      familyName,
      birthDate,
    };
    this.confirmations.set(nhs, confirmation);
    return confirmation;
  }

  /** The clinician's decision about the patient a source holds (`patientKey`: HeldApartRecord.patientKey). */
  decideIdentity(
    nhsNumber: string,
    sourceId: string,
    patientKey: string,
    decision: IdentityDecision['decision'],
  ): IdentityDecision {
    const nhs = normaliseNhsNumber(nhsNumber);
    const decided: IdentityDecision = {
      sourceId,
      patientKey,
      decision,
      decidedBy: this.origin.user.display,
      at: this.now().toISOString(),
    };
    this.decisions.set(nhs, [
      ...(this.decisions.get(nhs) ?? []).filter((d) => d.sourceId !== sourceId),
      decided,
    ]);
    return decided;
  }

  decisionsFor(nhsNumber: string): IdentityDecision[] {
    return this.decisions.get(normaliseNhsNumber(nhsNumber)) ?? [];
  }

  dispose(): void {
    this.lock.dispose();
  }
}

export class IdentityNotConfirmedError extends Error {}

function patientReasonOf(nhsNumber: string, reason: AccessDeclaration): PatientAccessReason {
  return {
    nhsNumber,
    label: reason.label,
    at: reason.at,
    ...(reason.breakGlass ? { breakGlass: { reason: reason.freeText ?? '', at: reason.at } } : {}),
  };
}
