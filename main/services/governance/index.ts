// Information governance entry point: the composition root needs only what is exported here.
export { governForUser, NOT_FOR_ROLE, type GovernOptions, type UserGovernance } from './govern-record';
export { governSnapshot, type PatientGovernance } from './patient-governance';
export {
  applyRoleAccess,
  resolveRoleAccess,
  SECTIONS_FOR_ACCESS,
  URGENT_CARE_AND_DOCUMENTS,
  type RoleResolution,
  type RoleSource,
} from './role-access';
export { loadSensitiveCodes, parseSensitiveCodeList, type SensitiveCodes } from './sensitive-codes';
export { learnWithholdCauses, pointerWithholdCause } from './sensitive-filter';
export { findDissent, isPrivacyConsent, type DissentFinding } from './dissent';
export {
  AccessReasonState,
  ACCESS_REASONS,
  BREAK_GLASS_CODE,
  type AccessDeclaration,
  type LaunchKind,
} from './access-reason';
export { InactivityLock, DEFAULT_INACTIVITY_MINUTES, type LockClock } from './inactivity-lock';
export {
  AccessReasonRequiredError,
  InvalidAccessReasonError,
  RoleNotPermittedError,
  SensitiveCodeListError,
  SessionLockedError,
} from './errors';
