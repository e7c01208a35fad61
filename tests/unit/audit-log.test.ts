// The hash-chained audit log in a real encrypted SQLite file, key in the real keystore.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { createSecretStoreKeyVault, type KeyVault } from '../../main/services/cache/key-vault';
import type { EncryptedDatabase } from '../../main/services/cache/encrypted-database';
import {
  AuditLog,
  AuditTrail,
  auditKeyName,
  createAuditService,
  followsEvent,
  INCOMPLETE,
  openAuditDatabase,
  openAuditDatabaseForInspection,
} from '../../main/services/audit';

const NHS = '9990001234';
let dir: string;
let keyVault: KeyVault;
let database: EncryptedDatabase;
let log: AuditLog;
let trail: AuditTrail;

function session(n: number): void {
  for (let i = 0; i < n; i++) {
    trail.record({
      kind: 'patient-read',
      nhsNumber: NHS,
      server: 'http://127.0.0.1:1/dcr',
      requestId: `r${i}`,
    });
  }
}

/** What someone with the key and a SQLite shell could do: drop the guards, then tamper. */
function tamper(sql: string, ...params: unknown[]): void {
  database.db.exec('DROP TRIGGER audit_event_no_delete; DROP TRIGGER audit_event_no_edit;');
  database.db.prepare(sql).run(...params);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wessex-audit-'));
  keyVault = createSecretStoreKeyVault(
    createKeytarSecretStore(`uk.nhs.wessexcarerecords.test.${randomUUID()}`),
  );
  database = await openAuditDatabase({ path: join(dir, 'audit.db'), keyVault });
  log = new AuditLog(database.db);
  trail = new AuditTrail(log);
});

afterEach(async () => {
  database.close();
  await keyVault.delete(auditKeyName(join(dir, 'audit.db')));
  rmSync(dir, { recursive: true, force: true });
});

describe('hash-chained audit log', () => {
  it('appends events in order, each carrying the hash of the one before', () => {
    session(3);
    const rows = log.all();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0]?.prevHash).toBe('0'.repeat(64));
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
    expect(rows[2]?.prevHash).toBe(rows[1]?.hash);
    expect(log.verify()).toMatchObject({ ok: true, count: 3 });
  });

  it('appends an event id only once (idempotency key)', () => {
    const event = trail.record({ kind: 'sign-in' });
    log.append(event);
    expect(log.count()).toBe(1);
  });

  it('refuses ordinary deletes and edits (append-only)', () => {
    session(2);
    expect(() => database.db.prepare('DELETE FROM audit_event WHERE seq = 1').run()).toThrow(/append-only/);
    expect(() => database.db.prepare("UPDATE audit_event SET event_json = '{}' WHERE seq = 1").run()).toThrow(
      /append-only/,
    );
    expect(log.verify().ok).toBe(true);
  });

  it('detects an edited event and names its sequence number', () => {
    session(5);
    const row = log.all()[2]!;
    tamper('UPDATE audit_event SET event_json = ? WHERE seq = 3', row.eventJson.replace(NHS, '9990009999'));
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('detects an edit whose hash was recomputed (the next event no longer follows)', async () => {
    session(5);
    const { chainHash } = await import('../../main/services/audit/audit-log');
    const row = log.all()[1]!;
    const edited = row.eventJson.replace('"outcome":"0"', '"outcome":"4"');
    tamper(
      'UPDATE audit_event SET event_json = ?, hash = ? WHERE seq = 2',
      edited,
      chainHash(row.prevHash, edited),
    );
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('detects a deleted event in the middle and at the end', () => {
    session(5);
    tamper('DELETE FROM audit_event WHERE seq = 4');
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('detects events deleted from the end of the log', () => {
    session(5);
    tamper('DELETE FROM audit_event WHERE seq >= 4');
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('detects reordered events', () => {
    session(4);
    tamper('UPDATE audit_event SET seq = 100 WHERE seq = 2');
    database.db.prepare('UPDATE audit_event SET seq = 2 WHERE seq = 3').run();
    database.db.prepare('UPDATE audit_event SET seq = 3 WHERE seq = 100').run();
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('keeps the log encrypted at rest: no NHS number or JSON in the file', () => {
    session(3);
    database.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(join(dir, 'audit.db'));
    expect(bytes.includes(Buffer.from(NHS))).toBe(false);
    expect(bytes.includes(Buffer.from('AuditEvent'))).toBe(false);
    expect(bytes.subarray(0, 15).toString()).not.toBe('SQLite format 3');
  });

  it('survives reopening: the chain continues from the stored head', async () => {
    session(2);
    database.close();
    database = await openAuditDatabase({ path: join(dir, 'audit.db'), keyVault });
    log = new AuditLog(database.db);
    trail = new AuditTrail(log);
    session(1);
    expect(log.all().map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(log.verify().ok).toBe(true);
  });
});

describe('audit log recovery', () => {
  it('after key loss: quarantines the old log (kept, not deleted) and starts a new one with a key-loss event', async () => {
    session(2);
    database.close();
    await keyVault.delete(auditKeyName(join(dir, 'audit.db')));
    const service = await createAuditService({ keyVault, dbPath: join(dir, 'audit.db') });
    try {
      const events = service.log.events();
      expect(events).toHaveLength(1);
      expect(events[0]?.subtype?.[0]?.code).toBe('key-loss');
      expect(readdirSync(join(dir, 'quarantine')).some((f) => f.startsWith('audit.db'))).toBe(true);
      expect(service.log.verify().ok).toBe(true);
    } finally {
      await service.close();
      database = await openAuditDatabase({ path: join(dir, 'audit.db'), keyVault });
    }
  });

  it('inspection never recovers: a missing key is a clear error and the file is left alone', async () => {
    session(1);
    database.close();
    const key = await keyVault.get(auditKeyName(join(dir, 'audit.db')));
    await keyVault.delete(auditKeyName(join(dir, 'audit.db')));
    await expect(openAuditDatabaseForInspection(join(dir, 'audit.db'), keyVault)).rejects.toThrow(
      /key is not in/,
    );
    await expect(openAuditDatabaseForInspection(join(dir, 'missing.db'), keyVault)).rejects.toThrow(
      /no audit log/,
    );
    await keyVault.put(auditKeyName(join(dir, 'audit.db')), key!);
    database = await openAuditDatabase({ path: join(dir, 'audit.db'), keyVault });
    expect(new AuditLog(database.db).count()).toBe(1);
  });
});

describe('write-ahead: an action’s event before the action, and its end after', () => {
  const print = { kind: 'print', nhsNumber: NHS, format: 'paper' } as const;

  it('keeps one event for an action that finished, and a second saying how one ended otherwise', () => {
    const finished = trail.begin(print);
    expect(log.openActions().map((o) => o.event.id)).toEqual([finished.id]);
    finished.done();
    expect(log.openActions()).toEqual([]);
    const failed = trail.begin(print);
    failed.endedOtherwise('8', 'The printer reported a failure; nothing was printed');
    failed.done(); // ending twice changes nothing
    const events = log.events();
    expect(events.map((e) => [e.outcome, e.outcomeDesc ?? ''])).toEqual([
      ['0', ''],
      ['0', ''],
      ['8', 'The printer reported a failure; nothing was printed'],
    ]);
    expect(followsEvent(events[2]!)).toBe(failed.id);
    expect(log.verify()).toMatchObject({ ok: true, count: 3 });
  });

  it('says at the next start that an action a dead process left open is incomplete, unless it finished', () => {
    const deadPid = 2 ** 22 + 12_345; // above Linux's default pid_max: no such process
    const open = (id: string, pid: number) =>
      database.db.prepare('UPDATE audit_open SET pid = ? WHERE event_id = ?').run(pid, id);
    const lost = trail.begin(print);
    const committed = trail.begin({ kind: 'cache-write', nhsNumber: NHS });
    const running = trail.begin(print);
    open(lost.id, deadPid);
    open(committed.id, deadPid);
    open(running.id, process.ppid); // another process, still alive
    expect(trail.recoverIncomplete((id) => id === committed.id)).toBe(1);
    const incomplete = log.events().filter((e) => e.outcomeDesc === INCOMPLETE);
    expect(incomplete.map(followsEvent)).toEqual([lost.id]);
    expect(incomplete[0]).toMatchObject({ outcome: '4' });
    expect(log.openActions().map((o) => o.event.id)).toEqual([running.id]);
  });
});
