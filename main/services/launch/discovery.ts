// SMART discovery: {iss}/.well-known/smart-configuration, validated strictly. A server that does not
// advertise PKCE S256 is refused (SMART App Launch 2.2 requires it; fhirclient would silently skip PKCE).
import { FetchFailure, isNetworkError, type Transport } from '../http';
import { isHttpsOrLoopback } from '../policy/schema';
import { LaunchError } from './errors';
import { requestJson, type JsonReply } from './http';

export interface SmartConfiguration {
  /** The OpenID issuer of id_tokens (the iss when the server does not say). */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri?: string;
  /** RFC 7009, when advertised: where a refresh token is revoked at sign-out and close. */
  revocationEndpoint?: string;
  /** RFC 9207: the authorization response carries `iss`, which must then equal `issuer`. */
  authorizationResponseIss: boolean;
  capabilities: string[];
  codeChallengeMethods: string[];
  permissionV2: boolean;
}

/** An endpoint a code, token or refresh token may be sent to: https, or plain http on this computer only. */
function secureUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return isHttpsOrLoopback(url) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 7009 revocation is the token issuer's: one elsewhere is treated as not offered (the token goes nowhere). */
function revocationUrl(value: unknown, tokenEndpoint: string): string | undefined {
  const url = secureUrl(value);
  return url && new URL(url).origin === new URL(tokenEndpoint).origin ? url : undefined;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export async function discoverSmartConfiguration(
  iss: string,
  transport?: Transport,
): Promise<SmartConfiguration> {
  const url = `${iss.replace(/\/+$/, '')}/.well-known/smart-configuration`;
  let response: JsonReply;
  try {
    response = await requestJson(url, { name: `The EPR server ${iss}`, transport });
  } catch (error) {
    const message =
      isNetworkError(error) && !(error instanceof FetchFailure && error.kind === 'timeout')
        ? `Could not reach the EPR's sign-in server at ${iss}.`
        : `The EPR server ${iss} ${error instanceof Error ? error.message : 'failed'}; its SMART configuration was not read.`;
    throw new LaunchError('discovery-failed', message, { cause: error });
  }
  const body = response.ok ? response.body : undefined;
  if (!body) {
    throw new LaunchError(
      'discovery-failed',
      `The EPR server ${iss} did not publish a usable SMART configuration (HTTP ${response.status}).`,
    );
  }
  const authorizationEndpoint = secureUrl(body.authorization_endpoint);
  const tokenEndpoint = secureUrl(body.token_endpoint);
  if (!authorizationEndpoint || !tokenEndpoint) {
    throw new LaunchError(
      'discovery-failed',
      `The SMART configuration of ${iss} lacks valid authorization/token endpoints (https, or http on this computer only).`,
    );
  }
  const codeChallengeMethods = strings(body.code_challenge_methods_supported);
  if (!codeChallengeMethods.includes('S256')) {
    throw new LaunchError(
      'pkce-unsupported',
      `The EPR server ${iss} does not support PKCE (S256), which this viewer requires to sign in safely. ` +
        'Ask the EPR supplier or IT to enable it.',
    );
  }
  const capabilities = strings(body.capabilities);
  return {
    issuer: typeof body.issuer === 'string' && body.issuer ? body.issuer : iss,
    authorizationEndpoint,
    tokenEndpoint,
    jwksUri: secureUrl(body.jwks_uri),
    revocationEndpoint: revocationUrl(body.revocation_endpoint, tokenEndpoint),
    authorizationResponseIss: body.authorization_response_iss_parameter_supported === true,
    capabilities,
    codeChallengeMethods,
    permissionV2: capabilities.includes('permission-v2'),
  };
}
