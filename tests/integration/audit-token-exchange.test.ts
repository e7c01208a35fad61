// The audit upload as the signed-in user: their id_token exchanged for a token whose audience is the audit
// endpoint (purpose HOPERAT). With no one signed in, events wait on this computer for the next sign-in; and
// `audit verify --online` never sends a token meant for another server.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  auditKeyName,
  auditTokenSource,
  auditUploadOptions,
  compareWithServer,
  createAuditService,
  openAuditDatabase,
} from '../../main/services/audit';
import type { SubjectToken } from '../../main/services/auth/token-exchange';
import { userTokens } from '../../main/services/auth/user-tokens';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { exchangingServer, startScriptedServer, type ScriptedServer } from './token-exchange-fixtures';

const NHS = '9990001234';
let dir: string;
const open: ScriptedServer[] = [];
const secretStore = createKeytarSecretStore(`uk.nhs.wessexcarerecords.test.${randomUUID()}`);
const vault = createSecretStoreKeyVault(secretStore);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wessex-audit-exchange-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function servers() {
  const exchange = exchangingServer();
  const as = await startScriptedServer(() => ({ status: 500, body: {} }));
  as.answer = (request) => exchange(request, as.origin);
  const audit = await startScriptedServer((request) =>
    request.method === 'PUT' ? { status: 201, body: {} } : { status: 404, body: {} },
  );
  open.push(as, audit);
  const policy = {
    sources: [
      {
        id: 'dcr',
        name: 'Dorset Care Record',
        fhirBase: 'http://127.0.0.1:9/dcr/fhir',
        auth: { type: 'token-exchange' as const, issuer: as.origin, clientId: 'wessex-viewer' },
      },
    ],
    auditEndpoint: `${audit.origin}/audit`,
  };
  return { as, audit, policy };
}

describe('audit upload with the signed-in user’s token', () => {
  it('waits for a sign-in, then sends every event with a HOPERAT token for the audit endpoint', async () => {
    const { as, audit, policy } = await servers();
    let signedIn: SubjectToken | undefined;
    const tokens = userTokens(policy, { subjectToken: () => signedIn });
    const service = await createAuditService({
      keyVault: vault,
      dbPath: join(dir, 'audit.db'),
      ...auditUploadOptions(policy, secretStore, join(dir, 'audit.db'), tokens),
      startUpload: false,
    });
    try {
      service.trail.record({ kind: 'patient-read', nhsNumber: NHS, server: 'http://127.0.0.1:9/dcr/fhir' });
      const waiting = await service.uploader!.flush();
      // Nothing lost and nothing sent: the events stay in the encrypted log, no one was asked.
      expect(waiting).toMatchObject({ uploaded: 0, pending: 1, waitingForSignIn: true });
      expect(audit.requests).toHaveLength(0);
      expect(as.requests).toHaveLength(0);

      signedIn = { token: 'id-token-of-the-gp', expiresAt: Date.now() + 3_600_000 };
      service.trail.record({ kind: 'sign-in' });
      const sent = await service.uploader!.flush();
      expect(sent).toMatchObject({ uploaded: 2, pending: 0 });
      expect(audit.requests.map((r) => r.authorization)).toEqual(['Bearer token-1', 'Bearer token-1']);
      const exchange = as.requests.find((r) => r.path === '/token')!.form!;
      expect(exchange.get('audience')).toBe(policy.auditEndpoint);
      expect(exchange.get('purpose_of_use')).toBe('HOPERAT');
      expect(exchange.get('patient')).toBeNull();
    } finally {
      await service.close();
      await vault.delete(auditKeyName(join(dir, 'audit.db')));
    }
  });

  it('audit verify --online refuses to send a token whose audience is another server', async () => {
    const { audit, policy } = await servers();
    const tokens = userTokens(policy, {
      subjectToken: () => ({ token: 'id-token-of-the-gp', expiresAt: Date.now() + 3_600_000 }),
    });
    const token = auditTokenSource(tokens)!;
    const database = await openAuditDatabase({ path: join(dir, 'audit.db'), keyVault: vault });
    const elsewhere = await startScriptedServer(() => ({ status: 200, body: {} }));
    open.push(elsewhere);
    try {
      expect(await compareWithServer({ db: database.db, endpoint: elsewhere.origin, token })).toEqual({
        ok: false,
        problem: `the viewer's audit token is for ${audit.origin}, not this server, so it was not sent`,
      });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      database.close();
      await vault.delete(auditKeyName(join(dir, 'audit.db')));
    }
  });
});
