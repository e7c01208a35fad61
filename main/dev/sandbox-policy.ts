// With no sources configured (and the sandbox allowed), the app runs against the built-in Wessex sandbox:
// its servers stand in for everything IT would otherwise configure.
import type { RunningSandbox } from '../../sandbox';
import type { EffectivePolicy } from '../services/policy';
import type { RegionalSource } from '../services/policy/schema';

/** The viewer's public client id at the sandbox's regional authorization server. */
export const SANDBOX_REGIONAL_CLIENT_ID = 'wessex-viewer';

export function usesSandbox(policy: EffectivePolicy): boolean {
  return policy.sandboxAllowed && policy.sources.length === 0;
}

export function policyForSandbox(policy: EffectivePolicy, sandbox: RunningSandbox): EffectivePolicy {
  const epr = sandbox.epr;
  // The clinician's sandbox EPR sign-in, exchanged at the sandbox's regional authorization server.
  const issuer = sandbox.urls.regionalAuth;
  const auth =
    epr && issuer
      ? { type: 'token-exchange' as const, issuer, clientId: SANDBOX_REGIONAL_CLIENT_ID }
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
    recordLocator: { id: 'locator', name: 'Record locator', fhirBase: urls.locator, auth },
    auditEndpoint: urls.audit,
  };
}
