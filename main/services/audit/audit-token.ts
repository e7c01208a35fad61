// The bearer token the audit uploader sends: the signed-in user's id_token exchanged at the regional
// authorization server for a token whose audience is the audit endpoint itself, purpose HOPERAT. A token is
// never sent to an origin other than the one it was issued for, so no regional source's token (nor the EPR
// session's SMART token) is reused here.
// When no one is signed in (or the sign-in has expired) events are not lost: they wait in the encrypted local
// log, and the next sign-in (itself an audited event) sends them.
import { TokenExchangeError } from '../auth/token-exchange';
import type { UserTokens } from '../auth/user-tokens';
import type { SecretStore } from '../keystore/secret-store';
import type { EffectivePolicy } from '../policy';
import { keystoreAnchor, type AnchorKeystore } from './anchor';
import { auditKeyName } from './audit-database';
import { WaitForSignIn } from './uploader';

/** A token for one audience: whoever sends it checks the audience is the server it is sending to. */
export interface AudienceToken {
  audience: string;
  get(): Promise<string | undefined>;
}

/** The audit endpoint's token, or undefined when there is no endpoint or no token-exchange registration. */
export function auditTokenSource(tokens: UserTokens): AudienceToken | undefined {
  if (!tokens.audit) return undefined;
  const { provider, target } = tokens.audit;
  return {
    audience: target.audience,
    get: async () => {
      try {
        return await provider.getToken(target.id, { purpose: 'HOPERAT' });
      } catch (error) {
        const noUser =
          error instanceof TokenExchangeError &&
          (error.failure === 'not-signed-in' || error.failure === 'sign-in-expired');
        if (noUser) throw new WaitForSignIn();
        throw error;
      }
    },
  };
}

/** Where and how a viewer's audit log uploads: the endpoint, its token and the keystore copy of the anchor. */
export function auditUploadOptions(
  policy: Pick<EffectivePolicy, 'auditEndpoint'>,
  secretStore: SecretStore,
  dbPath: string,
  tokens?: UserTokens,
): { endpoint?: string; getToken?: () => Promise<string | undefined>; anchorKeystore: AnchorKeystore } {
  const token = tokens ? auditTokenSource(tokens) : undefined;
  return {
    ...(policy.auditEndpoint ? { endpoint: policy.auditEndpoint } : {}),
    ...(token ? { getToken: () => token.get() } : {}),
    anchorKeystore: keystoreAnchor(secretStore, auditKeyName(dbPath)),
  };
}
