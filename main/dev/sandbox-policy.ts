// With no sources configured (and the sandbox allowed), the app runs against the built-in Wessex sandbox:
// its servers stand in for everything IT would otherwise configure.
import type { JWK } from 'jose';
import type { RunningSandbox } from '../../sandbox';
import type { EffectivePolicy } from '../services/policy';
import type { RegionalSource } from '../services/policy/schema';

/** The keystore reference the sandbox's backend-services key is known by (held in memory, never stored). */
export const SANDBOX_KEY_REFERENCE = 'sandbox-backend-services';

export function usesSandbox(policy: EffectivePolicy): boolean {
  return policy.sandboxAllowed && policy.sources.length === 0;
}

export function policyForSandbox(policy: EffectivePolicy, sandbox: RunningSandbox): EffectivePolicy {
  const epr = sandbox.epr;
  const auth = epr
    ? {
        type: 'backend-services' as const,
        tokenUrl: epr.tokenEndpoint,
        clientId: epr.backendClient.clientId,
        keyReference: SANDBOX_KEY_REFERENCE,
        scope: 'system/*.rs',
      }
    : { type: 'none' as const };
  return {
    ...policy,
    allowedIssuers: epr ? [epr.fhirBase] : [],
    ...(epr ? { standaloneIssuer: epr.fhirBase } : {}),
    ...sandboxServers(sandbox.urls, auth),
  };
}

/** The sandbox's DCR, CHIE, locator and audit server as policy keys (also for a sandbox in another process). */
export function sandboxServers(
  urls: Pick<RunningSandbox['urls'], 'dcr' | 'chie' | 'locator' | 'audit'>,
  auth: RegionalSource['auth'],
): Pick<EffectivePolicy, 'sources' | 'recordLocator' | 'auditEndpoint'> {
  return {
    sources: [
      { id: 'dcr', name: 'Dorset Care Record', fhirBase: urls.dcr, auth },
      { id: 'chie', name: 'CHIE', fhirBase: urls.chie, auth },
    ],
    // The sandbox locator is open, like the national NRL read API behind its own gateway.
    recordLocator: { id: 'locator', name: 'Record locator', fhirBase: urls.locator, auth: { type: 'none' } },
    auditEndpoint: urls.audit,
  };
}

/** The sandbox hands its backend-services private key over in-process only. */
export function sandboxKeyLoader(sandbox: RunningSandbox): (keyReference: string) => Promise<JWK> {
  return async (keyReference) => {
    if (keyReference !== SANDBOX_KEY_REFERENCE || !sandbox.epr) {
      throw new Error(`No private key is available for "${keyReference}".`);
    }
    return sandbox.epr.backendClient.privateJwk;
  };
}
