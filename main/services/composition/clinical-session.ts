// One signed-in clinician: who they are (from the SMART launch), what their role may see, why they are
// looking (EPR context, a declared reason or break-glass) and whether the inactivity lock has hidden the record.
import type { SessionInfo } from '../../../preload/contract';
import type { AuditUser } from '../audit';
import {
  AccessReasonState,
  InactivityLock,
  RoleNotPermittedError,
  resolveRoleAccess,
  type AccessDeclaration,
  type LockClock,
} from '../governance';
import type { LaunchResult } from '../launch';
import type { RecordIdentity } from '../record';
import type { RoleAccess } from '../policy';
import { normaliseNhsNumber } from '../../../common/nhs-number';

export interface ClinicalSessionOptions {
  launch: LaunchResult;
  roleMapping: Record<string, RoleAccess>;
  inactivityLockMinutes: number;
  lockClock?: LockClock;
  onLock: () => void;
  now?: () => Date;
}

export class ClinicalSession {
  readonly access: RoleAccess;
  readonly roleCode: string;
  readonly reasons: AccessReasonState;
  readonly lock: InactivityLock;
  private readonly launch: LaunchResult;

  constructor(options: ClinicalSessionOptions) {
    this.launch = options.launch;
    const role = resolveRoleAccess(
      {
        practitionerRoleCodes: [options.launch.user.roleCode],
        ...(options.launch.idToken
          ? { idTokenClaims: options.launch.idToken as Record<string, unknown> }
          : {}),
      },
      options.roleMapping,
    );
    if (!role.ok) throw new RoleNotPermittedError(role.roles);
    this.access = role.access;
    this.roleCode = role.roleCode;
    this.reasons = new AccessReasonState(options.launch.kind === 'ehr' ? 'ehr' : 'standalone', options.now);
    this.lock = new InactivityLock({
      minutes: options.inactivityLockMinutes,
      ...(options.lockClock ? { clock: options.lockClock } : {}),
      onLock: options.onLock,
    });
  }

  get result(): LaunchResult {
    return this.launch;
  }

  /** The patient the EPR launched with, when there is one. */
  get contextNhsNumber(): string | undefined {
    return this.launch.patient?.nhs.nhsNumber;
  }

  info(): SessionInfo {
    const declaration: AccessDeclaration | undefined = this.reasons.current();
    const breakGlass = this.reasons.breakGlass;
    return {
      user: {
        display: this.launch.user.display,
        ...(this.launch.user.fhirUser ? { fhirUser: this.launch.user.fhirUser } : {}),
        role: this.roleCode,
        ...(this.launch.user.organisation ? { organisation: this.launch.user.organisation } : {}),
      },
      launch: this.launch.kind === 'ehr' ? 'ehr' : 'standalone',
      ...(this.contextNhsNumber ? { patientNhsNumber: this.contextNhsNumber } : {}),
      grantedScopes: this.launch.grantedScopes,
      ungrantedScopes: this.launch.ungrantedScopes,
      ...(breakGlass ? { breakGlass: { reason: breakGlass.freeText ?? '', at: breakGlass.at } } : {}),
      ...(declaration ? { accessReason: declaration.label } : {}),
      locked: this.lock.isLocked(),
    };
  }

  auditUser(): AuditUser {
    const user = this.launch.user;
    return {
      ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}),
      display: user.display,
      role: { code: this.roleCode, ...(user.roleDisplay ? { display: user.roleDisplay } : {}) },
      ...(user.organisation ? { organisation: user.organisation } : {}),
      purposeOfUse: this.reasons.purposeOfUse(),
    };
  }

  /**
   * How the engine may use an NHS number. The EPR's own patient carries the EPR's verification status (an
   * unverified number is never used to query other servers silently); a number the clinician typed and
   * justified (standalone reason or break-glass) is theirs to search with.
   */
  identityFor(nhsNumber: string): RecordIdentity {
    const nhs = normaliseNhsNumber(nhsNumber);
    const patient = this.launch.patient;
    if (patient && patient.nhs.nhsNumber === nhs) {
      return {
        nhsNumber: nhs,
        mayQueryRegionalSources: patient.nhs.safeToQueryOtherServers,
        eprPatient: patient.resource,
        verification: patient.nhs.verification,
      };
    }
    return { nhsNumber: nhs, mayQueryRegionalSources: true };
  }

  dispose(): void {
    this.lock.dispose();
  }
}
