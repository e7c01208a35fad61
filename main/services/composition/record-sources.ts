// Which record sources to read and how to authorise to them, decided in one place for the app, the CLI and
// the tests: the built-in sandbox's servers (its EPR issues the tokens) or the machine policy's sources
// (SMART Backend Services with the private key from the OS keystore). Open sources get no token.
import type { RunningSandbox } from '../../../sandbox';
import { BackendServicesTokenProvider, keystoreKeyLoader } from '../auth/backend-services';
import { tokensBySource } from '../auth/source-tokens';
import { noTokens, type TokenProvider } from '../auth/token-provider';
import { createKeytarSecretStore, type SecretStore } from '../keystore/secret-store';
import type { EffectivePolicy } from '../policy';
import { sourcesFromPolicy, type EngineSource } from '../record';
import { policyForSandbox, sandboxKeyLoader } from './sandbox-policy';

export interface RecordSources {
  /** The policy in effect: the sandbox's servers substituted in when a sandbox is given. */
  policy: EffectivePolicy;
  sources: EngineSource[];
  locator?: EngineSource;
  tokens: TokenProvider;
}

export interface RecordSourceOptions {
  /** Read the built-in sandbox instead of the policy's sources. */
  sandbox?: RunningSandbox;
  /** Where configured sources' private keys are kept (default: the OS keystore). */
  secretStore?: SecretStore;
}

export function resolveRecordSources(
  machinePolicy: EffectivePolicy,
  options: RecordSourceOptions = {},
): RecordSources {
  const { sandbox } = options;
  const policy = sandbox ? policyForSandbox(machinePolicy, sandbox) : machinePolicy;
  const authorised = [...policy.sources, ...(policy.recordLocator ? [policy.recordLocator] : [])].filter(
    (s) => s.auth.type === 'backend-services',
  );
  const tokens = authorised.length
    ? tokensBySource(
        new BackendServicesTokenProvider({
          sources: authorised,
          loadPrivateKey: sandbox
            ? sandboxKeyLoader(sandbox)
            : keystoreKeyLoader(options.secretStore ?? createKeytarSecretStore()),
        }),
        authorised.map((s) => s.id),
      )
    : noTokens;
  return { policy, ...sourcesFromPolicy(policy), tokens };
}
