// The bearer token the audit uploader sends. The audit endpoint is authorised like the regional sources
// (SMART Backend Services, with the viewer's client registration and key from policy) but with a token whose
// audience is the audit endpoint itself: a token is never sent to an origin other than the one it was issued
// for, so neither a regional source's token nor the EPR session's SMART token is reused here.
import {
  BackendServicesTokenProvider,
  keystoreKeyLoader,
  type PrivateKeyLoader,
} from '../auth/backend-services';
import type { SecretStore } from '../keystore/secret-store';
import type { EffectivePolicy } from '../policy';
import { keystoreAnchor, type AnchorKeystore } from './anchor';
import { auditKeyName } from './audit-database';

/** Writing AuditEvents is all the audit token allows. */
export const AUDIT_SCOPE = 'system/AuditEvent.c';

/**
 * A token source for policy.auditEndpoint, using the first source that authorises with SMART Backend
 * Services; undefined when there is no endpoint or no such source (events are then sent without a token).
 */
export function auditTokenSource(
  policy: Pick<EffectivePolicy, 'auditEndpoint' | 'sources' | 'recordLocator'>,
  loadPrivateKey: PrivateKeyLoader,
): (() => Promise<string | undefined>) | undefined {
  const endpoint = policy.auditEndpoint;
  if (!endpoint) return undefined;
  const client = [...policy.sources, ...(policy.recordLocator ? [policy.recordLocator] : [])].find(
    (source) => source.auth.type === 'backend-services',
  );
  if (!client || client.auth.type !== 'backend-services') return undefined;
  const provider = new BackendServicesTokenProvider({
    sources: [
      {
        id: 'audit',
        name: 'The audit server',
        fhirBase: endpoint,
        auth: { ...client.auth, scope: AUDIT_SCOPE },
      },
    ],
    loadPrivateKey,
  });
  return () => provider.getToken('audit');
}

/** Where and how a viewer's audit log uploads: the endpoint, its token and the keystore copy of the anchor. */
export function auditUploadOptions(
  policy: Pick<EffectivePolicy, 'auditEndpoint' | 'sources' | 'recordLocator'>,
  secretStore: SecretStore,
  dbPath: string,
  loadPrivateKey: PrivateKeyLoader = keystoreKeyLoader(secretStore),
): { endpoint?: string; getToken?: () => Promise<string | undefined>; anchorKeystore: AnchorKeystore } {
  const getToken = auditTokenSource(policy, loadPrivateKey);
  return {
    ...(policy.auditEndpoint ? { endpoint: policy.auditEndpoint } : {}),
    ...(getToken ? { getToken } : {}),
    anchorKeystore: keystoreAnchor(secretStore, auditKeyName(dbPath)),
  };
}
