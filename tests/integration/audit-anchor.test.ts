// The anchored audit chain end to end, against the sandbox audit server (tokens from the sandbox's
// authorization server, as the app gets them): each event goes up with its place in the chain, the server
// acknowledges the head it holds, and `wessex audit verify` then catches what a local hash chain alone cannot —
// events removed from the end, the recorded heads rewritten, hashes recomputed after an edit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  auditKeyName,
  auditTokenSource,
  compareWithServer,
  createAuditService,
  keystoreAnchor,
  openAuditDatabase,
  verifyAuditLog,
  type AuditService,
  type AudienceToken,
} from '../../main/services/audit';
import { chainHash } from '../../main/services/audit/audit-log';
import { cacheKeyName } from '../../main/services/cache';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { openViewerStores } from '../../main/services/composition/stores';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { loadMachinePolicy, type EffectivePolicy } from '../../main/services/policy';
import { policyForSandbox } from '../../main/dev/sandbox-policy';
import { sandboxUserIdToken } from '../../main/dev/sandbox-sign-in';
import type { SubjectToken } from '../../main/services/auth/token-exchange';
import { userTokens } from '../../main/services/auth/user-tokens';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { ROOT, WESSEX_CLI } from '../support/cli';
import { runWessexSigningIn } from '../support/cli-sign-in';

const NHS = '9990001234';
const DCR = 'http://127.0.0.1:9/dcr';
// The product's keystore service, as the installed app and the CLI use it.
const secretStore = createKeytarSecretStore();
const vault = createSecretStoreKeyVault(secretStore);

let sandbox: RunningSandbox;
let policy: EffectivePolicy;
let getToken: () => Promise<string | undefined>;
let auditToken: AudienceToken;
let idToken: SubjectToken;
let dir: string;
const dbPath = (): string => join(dir, 'audit.db');
const anchorCopy = () => keystoreAnchor(secretStore, auditKeyName(dbPath()));

beforeAll(async () => {
  sandbox = await startSandbox();
  const loaded = await loadMachinePolicy({});
  if (!loaded.ok) throw new Error('the default policy should load');
  policy = policyForSandbox(loaded.policy, sandbox);
  // The signed-in GP's sign-in, exchanged for the audit endpoint's token.
  idToken = await sandboxUserIdToken(sandbox, 'gp');
  const tokens = auditTokenSource(userTokens(policy, { subjectToken: () => idToken }));
  if (!tokens) throw new Error('the sandbox policy should give the audit endpoint a token');
  auditToken = tokens;
  getToken = () => tokens.get();
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wessex-audit-anchor-'));
});
afterEach(async () => {
  await vault.delete(auditKeyName(dbPath()));
  await secretStore.delete(`audit-anchor:${auditKeyName(dbPath())}`);
  await vault.delete(cacheKeyName(dir));
  rmSync(dir, { recursive: true, force: true });
});

async function openService(token = true): Promise<AuditService> {
  return createAuditService({
    keyVault: vault,
    dbPath: dbPath(),
    endpoint: sandbox.urls.audit,
    ...(token ? { getToken } : {}),
    anchorKeystore: anchorCopy(),
    startUpload: false,
  });
}

function recordReads(audit: AuditService, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) {
    audit.trail.record({ kind: 'patient-read', nhsNumber: NHS, server: DCR, requestId: `r${i}` });
  }
}

/** Seeds n events, all acknowledged by the audit server; returns the log's chain id. */
async function anchoredLog(n: number): Promise<string> {
  const audit = await openService();
  recordReads(audit, n);
  const run = await audit.uploader!.flush();
  expect(run).toMatchObject({ uploaded: n, pending: 0 });
  expect(run.error).toBeUndefined();
  const verified = await verifyAuditLog(audit.database.db, anchorCopy());
  await audit.close();
  return verified.chainId!;
}

/** Edits the log as someone with the file and its key could: triggers dropped, rows and head rewritten. */
async function tamper(change: (db: AuditService['database']['db']) => void): Promise<void> {
  const database = await openAuditDatabase({ path: dbPath(), keyVault: vault });
  database.db.exec('DROP TRIGGER audit_event_no_delete; DROP TRIGGER audit_event_no_edit;');
  change(database.db);
  database.close();
}

const setHead = (db: AuditService['database']['db'], seq: number): void => {
  db.prepare('UPDATE audit_chain_head SET seq = ?, hash = (SELECT hash FROM audit_event WHERE seq = ?)').run(
    seq,
    seq,
  );
};

const verifyCli = () =>
  spawnSync(process.execPath, [WESSEX_CLI, 'audit', 'verify', '--data-dir', dir], {
    cwd: ROOT,
    encoding: 'utf8',
  });

describe('authenticated, anchored upload', () => {
  it('sends each event with its place in the chain and a token; the acknowledged head is kept twice', async () => {
    sandbox.servers.audit.clearRequests();
    const chainId = await anchoredLog(4);

    const serverHead = sandbox.servers.audit.chainHead(chainId);
    expect(serverHead.seq).toBe(4);
    const kept = await anchorCopy().get();
    expect(kept).toMatchObject({ chainId, seq: 4, hash: serverHead.hash, endpoint: sandbox.urls.audit });
    const puts = sandbox.servers.audit.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(4);
    expect(puts.every((r) => r.authorization && r.status === 201)).toBe(true);

    const result = verifyCli();
    expect(result.stdout).toContain(
      `Audit chain intact: 4 events, anchored at #4 acknowledged by ${sandbox.urls.audit} at `,
    );
    expect(result.status).toBe(0);
  });

  it('the sandbox audit server refuses an upload without a token; the events wait, unanchored', async () => {
    const audit = await openService(false);
    recordReads(audit, 2);
    const run = await audit.uploader!.flush();
    expect(run.error).toMatch(/refused the viewer's sign-in \(HTTP 401\)/);
    expect(audit.log.pendingCount()).toBe(2);
    const chainId = (await verifyAuditLog(audit.database.db)).chainId!;
    expect(sandbox.servers.audit.chainHead(chainId).seq).toBe(0);
    await audit.close();

    const result = verifyCli();
    expect(result.stdout).toMatch(/intact: 2 events, NOT anchored/);
  });

  it('the app composition uploads with a token for the audit endpoint', async () => {
    const stores = await openViewerStores({
      dataDir: dir,
      policy,
      secretStore,
      userTokens: userTokens(policy, { subjectToken: () => idToken }),
    });
    if (!('audit' in stores)) throw new Error(stores.message);
    try {
      recordReads(stores.audit, 3);
      await stores.audit.uploader!.flush();
      const verified = await verifyAuditLog(stores.audit.database.db, anchorCopy());
      expect(verified.ok && verified.count >= 3 && verified.anchor?.seq === verified.count).toBe(true);
    } finally {
      await stores.close();
    }
  });

  it('the server holds every event exactly once after it was down, lost its copy, or an answer was lost', async () => {
    const audit = await openService();
    try {
      recordReads(audit, 3);
      await sandbox.servers.audit.setFault('down');
      expect((await audit.uploader!.flush()).error).toMatch(/could not be reached/);
      await sandbox.servers.audit.setFault(undefined);
      expect(await audit.uploader!.flush()).toMatchObject({ uploaded: 3, pending: 0 });
      const chainId = (await verifyAuditLog(audit.database.db)).chainId!;

      // The answer to the last PUT was lost (a crash before it was marked sent): the events go again.
      audit.database.db.prepare('UPDATE audit_event SET uploaded_at = NULL WHERE seq >= 2').run();
      expect(await audit.uploader!.flush()).toMatchObject({ uploaded: 2, pending: 0 });

      // The server lost what it held: the next event is refused as a gap and everything is sent again.
      const held = (): string[] =>
        sandbox.servers.audit.events.map((e) => e.id!).filter((id) => ids.includes(id));
      const ids = audit.log.all().map((row) => row.id);
      sandbox.servers.audit.clearEvents();
      recordReads(audit, 1, 3);
      ids.push(audit.log.all()[3]!.id);
      expect(await audit.uploader!.flush()).toMatchObject({ pending: 0 });
      expect(held()).toEqual(ids);
      expect(sandbox.servers.audit.chainHead(chainId)).toEqual({ seq: 4, hash: audit.log.all()[3]!.hash });
      expect(await verifyAuditLog(audit.database.db, anchorCopy())).toMatchObject({
        ok: true,
        anchor: { seq: 4 },
      });
    } finally {
      await audit.close();
    }
  });
});

describe('wessex audit verify catches what a local chain cannot', () => {
  it('tail truncation: events removed from the end and the head row rewritten', async () => {
    await anchoredLog(6);
    await tamper((db) => {
      db.prepare('DELETE FROM audit_event WHERE seq > 4').run();
      setHead(db, 4);
    });
    const result = verifyCli();
    expect(result.stderr).toContain(
      'Audit chain BROKEN at event 5: the log ends at event 4 but the audit server acknowledged event 6 ' +
        '(events removed from the end).',
    );
    expect(result.status).toBe(3);
    // doctor checks the log the same way.
    const doctor = spawnSync(process.execPath, [WESSEX_CLI, 'doctor', '--data-dir', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WESSEX_POLICY_FILE: join(dir, 'no-policy.json') },
    });
    expect(doctor.stdout).toContain(
      'Audit log: chain broken at event 5 (the log ends at event 4 but the audit server acknowledged event 6',
    );
    expect(doctor.status).not.toBe(0);
  });

  it('head rewrite: the database copy of the acknowledged head moved back too; the keystore copy outranks it', async () => {
    await anchoredLog(6);
    await tamper((db) => {
      db.prepare('DELETE FROM audit_event WHERE seq > 3').run();
      setHead(db, 3);
      db.prepare(
        'UPDATE audit_anchor SET ack_seq = 3, ack_hash = (SELECT hash FROM audit_event WHERE seq = 3)',
      ).run();
    });
    const result = verifyCli();
    expect(result.stderr).toMatch(
      /BROKEN at event 4: the log ends at event 3 but the audit server acknowledged event 6/,
    );
    expect(result.status).toBe(3);
  });

  it('recomputed hashes: an event edited and every hash after it recomputed', async () => {
    await anchoredLog(5);
    await tamper((db) => {
      const rows = db.prepare('SELECT seq, event_json, prev_hash FROM audit_event ORDER BY seq').all() as {
        seq: number;
        event_json: string;
        prev_hash: string;
      }[];
      let prev = rows[0]!.prev_hash;
      for (const row of rows) {
        // Event 2 now says a different request was read; still canonical JSON, so it re-hashes cleanly.
        const json = row.seq === 2 ? row.event_json.replace('"r1"', '"r9"') : row.event_json;
        const hash = chainHash(prev, json);
        db.prepare('UPDATE audit_event SET event_json = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
          json,
          prev,
          hash,
          row.seq,
        );
        prev = hash;
      }
      setHead(db, 5);
    });
    const result = verifyCli();
    expect(result.stderr).toContain(
      'Audit chain BROKEN at event 5: the hash at event 5 differs from the one the audit server acknowledged ' +
        '(events rewritten and their hashes recomputed).',
    );
    expect(result.status).toBe(3);
  });

  it('wessex audit verify --online: the clinician signs in, and the server is asked with their token', async () => {
    await anchoredLog(2);
    const policyFile = join(dir, 'policy.json');
    writeFileSync(
      policyFile,
      JSON.stringify({
        allowedIssuers: policy.allowedIssuers,
        standaloneIssuer: policy.standaloneIssuer,
        sources: policy.sources,
        recordLocator: policy.recordLocator,
        auditEndpoint: policy.auditEndpoint,
      }),
    );
    sandbox.servers.audit.clearAuditEvents();
    const result = await runWessexSigningIn(['audit', 'verify', '--online', '--data-dir', dir], 'gp', {
      ...process.env,
      WESSEX_POLICY_FILE: policyFile,
    });
    expect(result.stdout).toMatch(/Audit server \(.+\) holds events 1–2 of this log, matching/);
    expect(result.code).toBe(0);
    // The audit server knows who asked: the GP, for the audit's own purpose.
    const asked = sandbox.servers.audit.auditEvents.filter((e) => e.outcome === '0');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((e) => e.agent?.[0]?.purposeOfUse?.[0]?.coding?.[0]?.code === 'HOPERAT')).toBe(true);
  }, 60_000);

  it('online: with both acknowledged copies gone, the server’s head still shows the events removed', async () => {
    await anchoredLog(5);
    await tamper((db) => {
      db.prepare('DELETE FROM audit_event WHERE seq > 3').run();
      setHead(db, 3);
      db.prepare('UPDATE audit_anchor SET ack_seq = NULL, ack_hash = NULL').run();
    });
    await secretStore.delete(`audit-anchor:${auditKeyName(dbPath())}`);
    const database = await openAuditDatabase({ path: dbPath(), keyVault: vault });
    try {
      expect(await verifyAuditLog(database.db, anchorCopy())).toMatchObject({ ok: true, count: 3 });
      expect(await compareWithServer({ db: database.db, endpoint: sandbox.urls.audit })).toEqual({
        ok: false,
        problem: "the audit server refused the viewer's sign-in (HTTP 401)",
      });
      expect(
        await compareWithServer({ db: database.db, endpoint: sandbox.urls.audit, token: auditToken }),
      ).toEqual({
        ok: false,
        problem: 'the audit server holds 5 events of this log but the log ends at event 3 (events removed)',
      });
    } finally {
      database.close();
    }
  });
});
