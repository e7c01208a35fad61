// Typed refusals. They are BridgeErrors, so the bridge turns them into the right screen without mapping.
import { BridgeError } from '../bridge/dispatch';

/** Standalone launch without a legitimate-relationship reason or break-glass. */
export class AccessReasonRequiredError extends BridgeError {
  constructor(
    message = 'Choose a reason for accessing this record (or use emergency access) before it is shown.',
  ) {
    super('not-permitted', message);
    this.name = 'AccessReasonRequiredError';
  }
}

/** A declared reason that is not acceptable (unknown code, break-glass without its free-text reason). */
export class InvalidAccessReasonError extends BridgeError {
  constructor(message: string) {
    super('invalid-argument', message);
    this.name = 'InvalidAccessReasonError';
  }
}

export class SessionLockedError extends BridgeError {
  constructor() {
    super('locked', 'The viewer locked after a period of inactivity. Sign in again to see the record.');
    this.name = 'SessionLockedError';
  }
}

/** The user's role is not in the machine policy's role mapping. */
export class RoleNotPermittedError extends BridgeError {
  constructor(roles: string[]) {
    const named = roles.length ? ` (${roles.slice(0, 3).join(', ')})` : '';
    super(
      'not-permitted',
      `Your role${named} is not set up to view the shared care record on this machine. Ask your IT service desk.`,
    );
    this.name = 'RoleNotPermittedError';
  }
}

export class SensitiveCodeListError extends BridgeError {
  constructor(message: string) {
    super('configuration', message);
    this.name = 'SensitiveCodeListError';
  }
}
