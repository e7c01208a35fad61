// A sign-in touches the OS keystore (real keytar under the test keyring) only for a refresh token it stored:
// one without offline access neither reads nor deletes anything when it ends (sign-out, close, a failed
// launch), and one with offline access deletes only its own entry.
import { expect, it } from 'vitest';
import type { SecretStore } from '../../main/services/keystore/secret-store';
import { SmartSession } from '../../main/services/launch';
import { testSecretStore } from './launch-fixtures';

const ISSUER = 'https://epr.example.nhs.uk/fhir';

/** The real keystore, with every call it is asked written down. */
function watchedStore(): { store: SecretStore; calls: string[] } {
  const { store: real } = testSecretStore();
  const calls: string[] = [];
  return {
    calls,
    store: {
      get: (account) => (calls.push(`get ${account}`), real.get(account)),
      set: (account, secret) => (calls.push(`set ${account}`), real.set(account, secret)),
      delete: (account) => (calls.push(`delete ${account}`), real.delete(account)),
    },
  };
}

const start = (store: SecretStore, offlineAccess: boolean) =>
  SmartSession.start(
    {
      iss: ISSUER,
      clientId: 'wessex-care-record',
      tokenEndpoint: `${ISSUER}/token`,
      revocationEndpoint: `${ISSUER}/revoke`,
      offlineAccess,
      secretStore: store,
      // Revocation goes nowhere: the test is about the keystore.
      fetch: () => Promise.resolve(new Response('{}', { headers: { 'content-type': 'application/json' } })),
      now: Date.now,
    },
    { accessToken: 'access', expiresIn: 300, refreshToken: 'refresh' },
  );

it('a sign-in without offline access never touches the keystore, not even when it ends', async () => {
  const { store, calls } = watchedStore();
  const session = await start(store, false);
  await session.end();
  expect(calls).toEqual([]);
});

it('a sign-in with offline access stores its refresh token, and at its end reads it (to revoke) and deletes it', async () => {
  const { store, calls } = watchedStore();
  const session = await start(store, true);
  expect(await store.get(session.keystoreAccount)).toBe('refresh');
  calls.length = 0;
  await session.end();
  expect(calls).toEqual([`get ${session.keystoreAccount}`, `delete ${session.keystoreAccount}`]);
  expect(await store.get(session.keystoreAccount)).toBeNull();
});
