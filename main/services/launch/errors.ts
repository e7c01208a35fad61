// Every way a launch can fail, as a typed error with a message a clinician can act on.
export type LaunchErrorCode =
  | 'bad-launch-input'
  | 'issuer-not-allowed'
  | 'discovery-failed'
  | 'pkce-unsupported'
  | 'callback-error'
  | 'state-missing'
  | 'state-unknown'
  | 'state-expired'
  | 'token-exchange-failed'
  | 'id-token-invalid'
  | 'context-incomplete'
  | 'interactive-login-required'
  | 'reauthentication-refused'
  | 'patient-not-found'
  /** A newer launch (or sign-in) began while this one was under way: the newest wins, this one is dropped. */
  | 'superseded';

export class LaunchError extends Error {
  constructor(
    readonly code: LaunchErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LaunchError';
  }
}

/** The refresh token was refused (expired, revoked, reused): only a fresh launch from the EPR can continue. */
export class RelaunchRequiredError extends Error {
  readonly code = 'relaunch-required';
  /**
   * `refused`: the EPR answered 401 to a token that had not expired (revoked, or not accepted at all, as the
   * SMART launcher's simulated request_invalid_token / request_expired_token errors do), not a sign-in that
   * ran its course.
   */
  constructor(detail?: string, options: { refused?: boolean } = {}) {
    super(
      options.refused
        ? 'The EPR refused the sign-in it had given the viewer (its access token was not accepted before it was due to expire), ' +
            'and the viewer cannot renew it. Please relaunch the Wessex Care Record from your clinical system; if this keeps happening, tell IT.'
        : 'Your sign-in has ended. Please relaunch the Wessex Care Record from your clinical system.' +
            (detail ? ` (${detail})` : ''),
    );
    this.name = 'RelaunchRequiredError';
  }
}

/** A token was about to be sent somewhere other than the server that issued it; nothing was sent. */
export class TokenOriginError extends Error {
  readonly code = 'token-origin';
  constructor(
    readonly tokenOrigin: string,
    readonly requestOrigin: string,
  ) {
    super(
      `Refused to send the sign-in token for ${tokenOrigin} to ${requestOrigin}: ` +
        'a token is only ever sent to the server it was issued for.',
    );
    this.name = 'TokenOriginError';
  }
}
