// Which record sources to read and how to authorise to them, decided in one place for the app, the CLI and
// the tests: the policy's sources, with SMART Backend Services tokens signed by the private key from the OS
// keystore (or, in development, a key the built-in sandbox holds in memory). Open sources get no token.
import {
  BackendServicesTokenProvider,
  keystoreKeyLoader,
  type PrivateKeyLoader,
} from '../auth/backend-services';
import { tokensBySource } from '../auth/source-tokens';
import { noTokens, type TokenProvider } from '../auth/token-provider';
import { createKeytarSecretStore, type SecretStore } from '../keystore/secret-store';
import type { EffectivePolicy } from '../policy';
import { sourcesFromPolicy, type EngineSource } from '../record';

export interface RecordSources {
  sources: EngineSource[];
  locator?: EngineSource;
  tokens: TokenProvider;
}

export interface RecordSourceOptions {
  /** Where configured sources' private keys are kept (default: the OS keystore). */
  secretStore?: SecretStore;
  /** Overrides where private keys come from (the development sandbox's in-memory key). */
  loadPrivateKey?: PrivateKeyLoader;
}

export function resolveRecordSources(
  policy: EffectivePolicy,
  options: RecordSourceOptions = {},
): RecordSources {
  const authorised = [...policy.sources, ...(policy.recordLocator ? [policy.recordLocator] : [])].filter(
    (s) => s.auth.type === 'backend-services',
  );
  const tokens = authorised.length
    ? tokensBySource(
        new BackendServicesTokenProvider({
          sources: authorised,
          loadPrivateKey:
            options.loadPrivateKey ?? keystoreKeyLoader(options.secretStore ?? createKeytarSecretStore()),
        }),
        authorised.map((s) => s.id),
      )
    : noTokens;
  return { ...sourcesFromPolicy(policy), tokens };
}
