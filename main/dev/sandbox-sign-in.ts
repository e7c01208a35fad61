// Development and tests only: a sandbox user's sign-in for scripts that read the sandbox's regional servers
// without the viewer (the benchmarks, audit tests): the real standalone launch at the sandbox EPR, its redirects
// followed as a browser would, and the session's id_token for the regional authorization server.
import type { RunningSandbox } from '../../sandbox';
import { SANDBOX_SMART_CLIENT_ID } from '../../sandbox/epr';
import type { SubjectToken } from '../services/auth/token-exchange';
import type { SecretStore } from '../services/keystore/secret-store';
import { launchHeadless } from '../services/launch';

/** Nothing is kept: the sign-in is asked for without offline access. */
const memoryStore: SecretStore = {
  get: async () => null,
  set: async () => undefined,
  delete: async () => false,
};

/** Signs the sandbox user (`gp`, `nurse`, `paramedic`, `admin`) in and returns their id_token. */
export async function sandboxUserIdToken(sandbox: RunningSandbox, user: string): Promise<SubjectToken> {
  const epr = sandbox.epr;
  if (!epr) throw new Error(`The sandbox EPR did not start: ${sandbox.notes.join('; ')}`);
  return sandboxEprIdToken(epr.fhirBase, user);
}

/** The same for a sandbox EPR in another process (the benchmarks'), by its FHIR base. */
export async function sandboxEprIdToken(eprFhirBase: string, user: string): Promise<SubjectToken> {
  const result = await launchHeadless(
    {
      allowedIssuers: [eprFhirBase],
      standaloneIssuer: eprFhirBase,
      clientId: SANDBOX_SMART_CLIENT_ID,
      secretStore: memoryStore,
    },
    (service) => service.beginStandaloneLaunch({ user }),
  );
  const idToken = result.session.idToken();
  await result.session.end();
  if (!idToken) throw new Error('The sandbox EPR gave no id_token.');
  return idToken;
}
