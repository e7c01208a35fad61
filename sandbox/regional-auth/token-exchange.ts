// The Wessex regional authorization server's logic, independent of HTTP: RFC 8693 token exchange of a trusted
// EPR's OpenID Connect id_token for a short-lived, audience-bound ES256 access token carrying IHE IUA claims.
// Trust: only id_tokens signed by a trusted issuer (verified against that issuer's JWKS), issued to one of its
// registered viewer client ids, unexpired (30 s leeway). The user's name, role and organisation come from the
// regional directory (the sandbox EPR's users), never from the client.
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { randomBytes } from 'node:crypto';
import { isValidNhsNumber } from '../../common/nhs-number';
import { findSandboxUser, SANDBOX_ROLE_SYSTEM, type SandboxUser } from '../epr/users';
import type { SigningKey } from '../auth/signing-key';
import {
  ACCESS_TOKEN_TYPE,
  ID_TOKEN_TYPE,
  NHS_NUMBER_SYSTEM,
  PURPOSE_OF_USE_SYSTEM,
  PURPOSES_OF_USE,
  REGIONAL_TOKEN_ALG,
  REGIONAL_TOKEN_LIFETIME_S,
  TOKEN_EXCHANGE_GRANT,
  type IuaExtension,
  type PurposeOfUse,
} from './claims';

/** An OpenID Connect provider whose id_tokens may be exchanged here. */
export interface TrustedIssuer {
  issuer: string;
  jwksUri: string;
  /** The viewer's client ids at that issuer: an id_token's `aud` must be one of them. */
  clientIds: string[];
}

export interface TokenExchangeOptions {
  issuer: string;
  signingKey: SigningKey;
  nowMs: () => number;
  /** Public client ids allowed to exchange here (sandbox: wessex-viewer). */
  clientIds: string[];
}

export interface ExchangeOutcome {
  status: number;
  body: Record<string, unknown>;
}

const ID_TOKEN_LEEWAY_S = 30;

const fail = (status: number, error: string, description: string): ExchangeOutcome => ({
  status,
  body: { error, error_description: description },
});

export class TokenExchange {
  private readonly trusted = new Map<string, TrustedIssuer & { keys: JWTVerifyGetKey }>();
  private readonly audiences = new Set<string>();

  constructor(private readonly options: TokenExchangeOptions) {}

  get issuer(): string {
    return this.options.issuer;
  }

  trustIssuer(trusted: TrustedIssuer): void {
    this.trusted.set(trusted.issuer, { ...trusted, keys: createRemoteJWKSet(new URL(trusted.jwksUri)) });
  }

  /** A resource server's exact base URL that tokens may be issued for. */
  allowAudience(audience: string): void {
    this.audiences.add(audience);
  }

  private nowS(): number {
    return Math.floor(this.options.nowMs() / 1000);
  }

  async exchange(form: URLSearchParams): Promise<ExchangeOutcome> {
    if (form.get('grant_type') !== TOKEN_EXCHANGE_GRANT) {
      return fail(400, 'unsupported_grant_type', `grant_type must be ${TOKEN_EXCHANGE_GRANT}`);
    }
    const clientId = form.get('client_id');
    if (!clientId) return fail(400, 'invalid_request', 'client_id is required');
    if (!this.options.clientIds.includes(clientId)) {
      return fail(401, 'unauthorized_client', 'This client may not exchange tokens here');
    }
    const subjectToken = form.get('subject_token');
    if (!subjectToken) return fail(400, 'invalid_request', 'subject_token is required');
    if (form.get('subject_token_type') !== ID_TOKEN_TYPE) {
      return fail(400, 'invalid_request', `subject_token_type must be ${ID_TOKEN_TYPE}`);
    }
    const requested = form.get('requested_token_type');
    if (requested !== null && requested !== ACCESS_TOKEN_TYPE) {
      return fail(400, 'invalid_request', `requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    const purpose = form.get('purpose_of_use') ?? '';
    if (!PURPOSES_OF_USE.includes(purpose as PurposeOfUse)) {
      return fail(400, 'invalid_request', `purpose_of_use must be one of ${PURPOSES_OF_USE.join(', ')}`);
    }
    const patient = form.get('patient');
    if (patient !== null && !(/^\d{10}$/.test(patient) && isValidNhsNumber(patient))) {
      return fail(400, 'invalid_request', 'patient must be a valid 10-digit NHS number');
    }
    const scope = patient === null ? 'user/*.rs' : 'patient/*.rs';
    if (form.get('scope') !== scope) {
      return fail(
        400,
        'invalid_request',
        `scope must be ${scope} ${patient === null ? 'without' : 'with'} a patient`,
      );
    }
    const audience = form.get('audience');
    if (!audience) return fail(400, 'invalid_request', 'audience is required');
    if (!this.audiences.has(audience)) return fail(400, 'invalid_target', 'Unknown audience');

    const subject = await this.verifySubjectToken(subjectToken);
    if ('error' in subject) return fail(400, 'invalid_grant', subject.error);

    const iua: IuaExtension = {
      ...userClaims(subject.user),
      purpose_of_use: { system: PURPOSE_OF_USE_SYSTEM, code: purpose },
      ...(patient === null ? {} : { person_id: `${NHS_NUMBER_SYSTEM}|${patient}` }),
    };
    const accessToken = await this.sign(
      {
        client_id: clientId,
        scope,
        fhirUser: subject.fhirUser,
        extensions: { ihe_iua: iua },
      },
      { sub: subject.sub, aud: audience },
    );
    return {
      status: 200,
      body: {
        access_token: accessToken,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'Bearer',
        expires_in: REGIONAL_TOKEN_LIFETIME_S,
        scope,
      },
    };
  }

  /**
   * Signs an access token with this server's key. The exchange uses it; tests use it to make tokens a real
   * exchange would not (a past `exp`), so nothing has to wait for time to pass.
   */
  sign(
    claims: Record<string, unknown>,
    at: { sub: string; aud: string; iat?: number; lifetimeS?: number },
  ): Promise<string> {
    const iat = at.iat ?? this.nowS();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: REGIONAL_TOKEN_ALG, kid: this.options.signingKey.kid, typ: 'at+jwt' })
      .setIssuer(this.options.issuer)
      .setSubject(at.sub)
      .setAudience(at.aud)
      .setIssuedAt(iat)
      .setExpirationTime(iat + Math.min(at.lifetimeS ?? REGIONAL_TOKEN_LIFETIME_S, REGIONAL_TOKEN_LIFETIME_S))
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.options.signingKey.privateKey);
  }

  private async verifySubjectToken(
    idToken: string,
  ): Promise<{ sub: string; fhirUser: string; user: SandboxUser } | { error: string }> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(idToken).iss;
    } catch {
      return { error: 'subject_token is not a JWT' };
    }
    const trusted = typeof issuer === 'string' ? this.trusted.get(issuer) : undefined;
    if (!trusted) return { error: 'subject_token is not from a trusted issuer' };
    let payload;
    try {
      ({ payload } = await jwtVerify(idToken, trusted.keys, {
        issuer: trusted.issuer,
        audience: trusted.clientIds,
        currentDate: new Date(this.options.nowMs()),
        clockTolerance: ID_TOKEN_LEEWAY_S,
        requiredClaims: ['exp', 'sub', 'aud'],
      }));
    } catch (error) {
      const { code, claim } = error as { code?: string; claim?: string };
      if (code === 'ERR_JWT_EXPIRED') return { error: 'subject_token has expired' };
      if (claim === 'aud') return { error: 'subject_token was not issued to a registered viewer client' };
      return { error: 'subject_token signature or claims are invalid' };
    }
    const sub = String(payload.sub);
    const fhirUser = typeof payload.fhirUser === 'string' ? payload.fhirUser : '';
    const user = findSandboxUser(fhirUser.split('/').pop() || sub);
    if (!user) return { error: 'The user is not in the regional directory' };
    return { sub, fhirUser: fhirUser || sub, user };
  }
}

/** The user's identity as the regional directory holds it. */
function userClaims(user: SandboxUser): Omit<IuaExtension, 'purpose_of_use' | 'person_id'> {
  const name = user.practitioner.name?.[0];
  const role = user.role.code?.[0]?.coding?.[0];
  return {
    subject_name: [name?.prefix?.join(' '), name?.given?.join(' '), name?.family].filter(Boolean).join(' '),
    subject_organization: user.role.organization?.display ?? '',
    subject_organization_id: user.role.organization?.identifier?.value ?? '',
    subject_role: { system: role?.system ?? SANDBOX_ROLE_SYSTEM, code: role?.code ?? '' },
  };
}
