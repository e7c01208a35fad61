// The signed-in user's tokens for everything the policy names: each regional source and the record locator
// that authorise by token exchange, and the audit endpoint (with the first such source's registration, as
// its events are the user's own accesses). One exchange provider, so one cache and one discovery per issuer.
import type { EffectivePolicy } from '../policy';
import type { FetchLike } from '../http';
import { tokensBySource } from './source-tokens';
import { TokenExchangeProvider, type ExchangeTarget, type SubjectToken } from './token-exchange';
import { noTokens, type TokenProvider } from './token-provider';

/** Not a valid source id (policy ids are lowercase letters, digits and dashes), so it cannot collide. */
export const AUDIT_TARGET_ID = '#audit';

export interface UserTokenOptions {
  /** The signed-in user's id_token (the SMART session's); undefined when no one is signed in. */
  subjectToken: () => SubjectToken | undefined;
  /** Tests only. */
  fetch?: FetchLike;
  now?: () => number;
}

export interface UserTokens {
  /** Tokens for the record sources and the locator (none for open ones). */
  records: TokenProvider;
  /** The audit endpoint's target, when there is an endpoint and a token-exchange registration to use. */
  audit?: { provider: TokenProvider; target: ExchangeTarget };
  /** Drops every token held (the session locked or ended). */
  forget(): void;
}

type Policy = Pick<EffectivePolicy, 'sources' | 'recordLocator' | 'auditEndpoint'>;

export function exchangeTargets(policy: Policy): ExchangeTarget[] {
  const targets: ExchangeTarget[] = [];
  for (const source of [...policy.sources, ...(policy.recordLocator ? [policy.recordLocator] : [])]) {
    if (source.auth.type === 'token-exchange')
      targets.push({ id: source.id, name: source.name, audience: source.fhirBase, auth: source.auth });
  }
  const registration = targets[0]?.auth;
  if (policy.auditEndpoint && registration) {
    targets.push({
      id: AUDIT_TARGET_ID,
      name: 'The audit server',
      audience: policy.auditEndpoint,
      auth: registration,
    });
  }
  return targets;
}

export function userTokens(policy: Policy, options: UserTokenOptions): UserTokens {
  const targets = exchangeTargets(policy);
  if (targets.length === 0) return { records: noTokens, forget: () => undefined };
  const provider = new TokenExchangeProvider({
    targets,
    subjectToken: options.subjectToken,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const audit = targets.find((t) => t.id === AUDIT_TARGET_ID);
  return {
    records: tokensBySource(
      provider,
      targets.filter((t) => t.id !== AUDIT_TARGET_ID).map((t) => t.id),
    ),
    ...(audit ? { audit: { provider, target: audit } } : {}),
    forget: () => provider.clear(),
  };
}
