// Audit completeness end to end: a scripted session against a loopback audit endpoint, through an offline
// period and a kill -9 between append and upload, then `wessex audit verify/export` as an IG lead runs them.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { createSecretStoreKeyVault, type KeyVault } from '../../main/services/cache/key-vault';
import {
  auditKeyName,
  AuditLog,
  AuditUploader,
  createAuditService,
  openAuditDatabase,
  type AuditAction,
  type AuditService,
} from '../../main/services/audit';
import { startTestAuditServer, type TestAuditServer } from './audit-test-server';
import { WESSEX_CLI } from '../support/cli';

const ROOT = resolve(__dirname, '../..');
const NHS = '9990001234';
const DCR = 'http://127.0.0.1:9/dcr';
let server: TestAuditServer;
let dir: string;

beforeAll(async () => {
  server = await startTestAuditServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wessex-audit-int-'));
  server.events.clear();
  server.puts.length = 0;
  server.failWith = undefined;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const testVault = (): { vault: KeyVault; service: string } => {
  const service = `uk.nhs.wessexcarerecords.test.${randomUUID()}`;
  return { vault: createSecretStoreKeyVault(createKeytarSecretStore(service)), service };
};

async function openService(vault: KeyVault): Promise<AuditService> {
  return createAuditService({
    keyVault: vault,
    dbPath: join(dir, 'audit.db'),
    endpoint: server.url,
    uploader: { baseDelayMs: 20, maxDelayMs: 100, requestTimeoutMs: 2_000 },
  });
}

const allUploaded = async (log: AuditLog) =>
  vi.waitFor(() => expect(log.pendingCount()).toBe(0), { timeout: 15_000, interval: 25 });

describe('audit completeness', () => {
  it('exactly one event per action, locally and on the server, across an offline period', async () => {
    const { vault } = testVault();
    const audit = await openService(vault);
    try {
      audit.trail.setUser({
        fhirUser: 'https://epr/Practitioner/1',
        role: { code: 'paramedic' },
        purposeOfUse: ['TREAT'],
      });
      const online: AuditAction[] = [
        { kind: 'sign-in' },
        { kind: 'access-reason', reasonCode: 'emergency-care', nhsNumber: NHS },
        { kind: 'patient-query', query: `Patient?identifier=${NHS}`, server: DCR, requestId: 'q1' },
        { kind: 'patient-read', nhsNumber: NHS, server: DCR, requestId: 'r1' },
        { kind: 'cache-write', nhsNumber: NHS },
      ];
      const offline: AuditAction[] = [
        { kind: 'patient-read', nhsNumber: NHS, server: DCR, requestId: 'r2' },
        { kind: 'print', nhsNumber: NHS, format: 'print' },
        { kind: 'export', nhsNumber: NHS, format: 'pdf' },
        { kind: 'prefetch', nhsNumber: '9990005678', server: DCR, requestId: 'p1' },
        { kind: 'break-glass', reason: 'Unconscious, no other record available', nhsNumber: NHS },
        { kind: 'cache-purge', trigger: 'user', nhsNumber: NHS, count: 1 },
      ];
      const backOnline: AuditAction[] = [
        { kind: 'cache-purge', trigger: 'sign-out', count: 3 },
        { kind: 'sign-out' },
      ];
      const ids: string[] = [];
      for (const a of online) ids.push(audit.trail.record(a).id);
      await allUploaded(audit.log);

      await server.down();
      for (const a of offline) ids.push(audit.trail.record(a).id);
      const run = await audit.uploader!.flush();
      expect(run.error).toMatch(/could not be reached/);
      expect(audit.log.pendingCount()).toBe(offline.length);
      expect(server.events.size).toBe(online.length);

      await server.up();
      for (const a of backOnline) ids.push(audit.trail.record(a).id);
      await allUploaded(audit.log);

      const total = online.length + offline.length + backOnline.length;
      expect(audit.log.count()).toBe(total);
      expect(new Set(ids).size).toBe(total);
      expect([...server.events.keys()].sort()).toEqual([...ids].sort());
      // In order and never duplicated on the server.
      expect(server.puts).toEqual(ids);
      expect(audit.log.verify()).toMatchObject({ ok: true, count: total });
      const kinds = audit.log.events().map((e) => e.subtype?.at(-1)?.code);
      expect(kinds).toEqual([
        '110122',
        'access-reason',
        'search-type',
        'read',
        'cache-write',
        'read',
        'print',
        'export',
        'prefetch',
        'break-glass',
        'cache-purge',
        'cache-purge',
        '110123',
      ]);
    } finally {
      await audit.close();
      await vault.delete(auditKeyName(join(dir, 'audit.db')));
    }
  });

  it('keeps retrying while the server refuses, then delivers in order', async () => {
    const { vault } = testVault();
    const audit = await openService(vault);
    try {
      server.failWith = 503;
      const first = audit.trail.record({ kind: 'sign-in' });
      await vi.waitFor(() => expect(audit.log.all()[0]?.attempts).toBeGreaterThanOrEqual(2), {
        timeout: 10_000,
      });
      expect(audit.log.all()[0]?.lastError).toMatch(/HTTP 503/);
      server.failWith = undefined;
      const second = audit.trail.record({ kind: 'sign-out' });
      await allUploaded(audit.log);
      expect(server.puts).toEqual([first.id, second.id]);
    } finally {
      await audit.close();
      await vault.delete(auditKeyName(join(dir, 'audit.db')));
    }
  });

  for (const mode of ['after-append', 'after-put'] as const) {
    it(`kill -9 ${mode.replace('-', ' ')} → exactly one event on the server after restart`, async () => {
      const { vault, service } = testVault();
      const dbPath = join(dir, 'audit.db');
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'audit-crash-child.ts'), mode, dbPath, service, server.url],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const marker = mode === 'after-append' ? 'APPENDED' : 'PUT-DONE';
      const id = await new Promise<string>((resolveId, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = new RegExp(`${marker} (\\S+)`).exec(out);
          if (m) resolveId(m[1] as string);
        });
        child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${err}`)));
      });
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      expect(server.events.size).toBe(mode === 'after-append' ? 0 : 1);

      // Restart: the same database, a fresh uploader.
      const database = await openAuditDatabase({ path: dbPath, keyVault: vault });
      try {
        const log = new AuditLog(database.db);
        expect(log.count()).toBe(1);
        expect(log.pendingCount()).toBe(1);
        const run = await new AuditUploader({ log, endpoint: server.url }).flush();
        expect(run).toEqual({ uploaded: 1, pending: 0 });
        expect([...server.events.keys()]).toEqual([id]);
        // After a crash post-PUT the event is sent again under the same id; the server keeps one copy.
        expect(server.puts).toEqual(mode === 'after-append' ? [id] : [id, id]);
        expect(log.pendingCount()).toBe(0);
        expect(log.verify().ok).toBe(true);
      } finally {
        database.close();
        await vault.delete(auditKeyName(join(dir, 'audit.db')));
      }
    });
  }
});

describe('wessex audit verify / export (CLI)', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [WESSEX_CLI, 'audit', ...args, '--data-dir', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
  // The CLI uses the product's keystore service, as the installed app does.
  const vault = createSecretStoreKeyVault(createKeytarSecretStore());

  async function seed(n: number): Promise<void> {
    const audit = await createAuditService({ keyVault: vault, dbPath: join(dir, 'audit.db') });
    for (let i = 0; i < n; i++) {
      audit.trail.record({ kind: 'patient-read', nhsNumber: NHS, server: DCR, requestId: `r${i}` });
    }
    await audit.close();
  }

  async function tamper(sql: string): Promise<void> {
    const database = await openAuditDatabase({ path: join(dir, 'audit.db'), keyVault: vault });
    database.db.exec('DROP TRIGGER audit_event_no_delete; DROP TRIGGER audit_event_no_edit;');
    database.db.exec(sql);
    database.close();
  }

  afterEach(async () => {
    await vault.delete(auditKeyName(join(dir, 'audit.db')));
  });

  it('reports an intact chain with exit code 0', async () => {
    await seed(4);
    const result = cli('verify');
    expect(result.stdout).toMatch(/intact: 4 events/);
    expect(result.status).toBe(0);
  });

  it('detects a deleted event and names it', async () => {
    await seed(5);
    await tamper('DELETE FROM audit_event WHERE seq = 3');
    const result = cli('verify');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/BROKEN at event 3/);
  });

  it('detects an edited event and names it', async () => {
    await seed(5);
    await tamper(`UPDATE audit_event SET event_json = replace(event_json, '"r1"', '"r9"') WHERE seq = 2`);
    const result = cli('verify');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/BROKEN at event 2: event 2 has been altered/);
  });

  it('exports a FHIR Bundle to stdout and CSV to a file', async () => {
    await seed(3);
    const bundle = cli('export');
    expect(bundle.status).toBe(0);
    const parsed = JSON.parse(bundle.stdout) as {
      resourceType: string;
      entry: { resource: { resourceType: string } }[];
    };
    expect(parsed.resourceType).toBe('Bundle');
    expect(parsed.entry.map((e) => e.resource.resourceType)).toEqual([
      'AuditEvent',
      'AuditEvent',
      'AuditEvent',
    ]);
    const out = join(dir, 'audit.csv');
    const csv = cli('export', '--format', 'csv', '--out', out);
    expect(csv.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(NHS);
    expect(cli('export', '--format', 'xml').stderr).toMatch(/use bundle or csv/);
  });

  it('without the key: a clear error, non-zero exit, file untouched', async () => {
    await seed(1);
    await vault.delete(auditKeyName(join(dir, 'audit.db')));
    const result = cli('verify');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/key is not in/);
    expect(existsSync(join(dir, 'audit.db'))).toBe(true);
    expect(existsSync(join(dir, 'quarantine'))).toBe(false);
  });
});
