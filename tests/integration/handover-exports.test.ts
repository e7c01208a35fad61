// Handover PDFs as a clinician and IT meet them: where they go (a save dialog, IT's folder, or only the
// encrypted store), and that every one written to a file goes again with its record — by retention, "delete all
// offline records" and the command line's purge — audited, and never a file the viewer did not write.
// Real viewer on the sandbox, real SQLite files and real files in a temp folder; only the host's save dialog
// and its PDF printer (Electron's dialog and printToPDF) are stand-ins.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../common/fhir';
import { auditKeyName, createAuditService, followsEvent } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { dispatchBridgeRequest, type BridgeCaller } from '../../main/services/bridge/dispatch';
import { createKeytarSecretStore, type SecretStore } from '../../main/services/keystore/secret-store';
import { auditDatabasePath } from '../../main/services/paths';
import { loadMachinePolicy, type MachinePolicy } from '../../main/services/policy';
import { startTestApp, type TestApp } from '../support/app';
import { runWessex } from '../support/cli';

const HOUR = 3_600_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Setup {
  dataDir: string;
  secretStore: SecretStore;
  policy?: Partial<MachinePolicy>;
  clock?: () => Date;
}

async function start(setup: Setup): Promise<TestApp> {
  const loaded = await loadMachinePolicy({});
  if (!loaded.ok) throw new Error('the empty policy should load');
  const app = await startTestApp({
    dataDir: setup.dataDir,
    secretStore: setup.secretStore,
    policy: { ...loaded, policy: { ...loaded.policy, ...setup.policy } },
    exportDir: path.join(setup.dataDir, 'Documents'),
    ...(setup.clock ? { clock: setup.clock } : {}),
  });
  // Closed by the test (to read its files) or after it, once.
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  cleanups.push(close);
  return { ...app, close };
}

async function invoke<T>(
  app: TestApp,
  channel: string,
  args: unknown,
  caller: BridgeCaller = {},
): Promise<T> {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args, caller);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
}

/** A paramedic launched from the EPR into the frail patient's record (saved offline as it opens). */
async function openFrailRecord(app: TestApp): Promise<string> {
  const nhsNumber = app.services.sandbox!.patient('frail').nhsNumber;
  await app.services.openSandboxSession({ role: 'paramedic', patientNhsNumber: nhsNumber });
  await invoke(app, 'record:open', { nhsNumber, requestId: `r-${randomBytes(4).toString('hex')}` });
  return nhsNumber;
}

/** The host window: its PDF printer (printToPDF) and its save dialog, which answers as the user would. */
function host(answer: (suggested: string) => string | undefined) {
  const pdf = new TextEncoder().encode(`%PDF-1.7 handover summary ${randomBytes(8).toString('hex')}`);
  const offered: string[] = [];
  const caller: BridgeCaller = {
    printer: { print: async () => 'printed', toPdf: async () => pdf },
    saveDialog: {
      choosePdfPath: async (suggested) => {
        offered.push(suggested);
        return answer(suggested);
      },
    },
  };
  return { pdf, offered, caller };
}

type Saved =
  { outcome: 'saved'; path: string } | { outcome: 'kept'; exportId: string } | { outcome: 'cancelled' };

/** The local audit log (read once the app has closed it). */
async function auditEvents(setup: Setup): Promise<AuditEvent[]> {
  const audit = await createAuditService({
    keyVault: createSecretStoreKeyVault(setup.secretStore),
    dbPath: auditDatabasePath(setup.dataDir),
    startUpload: false,
  });
  try {
    return audit.log.events();
  } finally {
    await audit.close();
  }
}

const withSubtype = (events: AuditEvent[], code: string) =>
  events.filter((e) => e.subtype?.some((s) => s.code === code));
const trigger = (e: AuditEvent) =>
  e.entity?.flatMap((x) => x.detail ?? []).find((d) => d.type === 'trigger')?.valueString;

/** Every file under `dir` whose bytes hold a PDF header. */
function plaintextPdfs(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (fs.readFileSync(file).includes('%PDF')) found.push(file);
  }
  return found;
}

function privateSetup(dataDir: string, policy?: Partial<MachinePolicy>): Setup {
  return {
    dataDir,
    secretStore: createKeytarSecretStore(`uk.nhs.wessexcarerecords.test-${randomBytes(6).toString('hex')}`),
    ...(policy ? { policy } : {}),
  };
}

describe('asking where to save (the default)', () => {
  it('writes nothing when the user cancels the save dialog, and audits the cancel', async () => {
    const setup = privateSetup(await tempDir('wessex-export-cancel-'));
    const app = await start(setup);
    const nhsNumber = await openFrailRecord(app);
    const window = host(() => undefined);

    expect(await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, window.caller)).toEqual({
      outcome: 'cancelled',
    });
    // The dialog starts in Documents with a name that says nothing about the patient.
    expect(window.offered).toHaveLength(1);
    expect(path.dirname(window.offered[0]!)).toBe(path.join(setup.dataDir, 'Documents'));
    expect(path.basename(window.offered[0]!)).toMatch(/^Handover summary [\d-T]+\.pdf$/);
    await app.close();
    expect(plaintextPdfs(setup.dataDir)).toEqual([]);

    const exports = withSubtype(await auditEvents(setup), 'export');
    expect(exports.map((e) => [e.outcome, e.outcomeDesc ?? ''])).toEqual([
      ['0', ''],
      ['4', 'The user cancelled the save dialog; nothing was saved'],
    ]);
    expect(followsEvent(exports[1]!)).toBe(exports[0]!.id);
  });

  it('writes where the user chose, tracks it, and "delete all offline records" removes it, audited', async () => {
    const setup = privateSetup(await tempDir('wessex-export-ask-'));
    const chosenDir = await tempDir('wessex-chosen-');
    const chosen = path.join(chosenDir, 'For the ward.pdf');
    const app = await start(setup);
    const nhsNumber = await openFrailRecord(app);
    const window = host(() => chosen);

    expect(await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, window.caller)).toEqual({
      outcome: 'saved',
      path: chosen,
    });
    expect(new Uint8Array(await readFile(chosen))).toEqual(window.pdf);
    expect((await stat(chosen)).mode & 0o777).toBe(0o600);
    // Saved again over the same file (the dialog asked first): one file, the newer handover, tracked once.
    const again = host(() => chosen);
    await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, again.caller);
    expect(new Uint8Array(await readFile(chosen))).toEqual(again.pdf);

    const purge = await invoke<{ deleted: number; handoverPdfs: unknown }>(app, 'cache:delete-all', {});
    expect(purge).toEqual({ deleted: 1, handoverPdfs: { removed: 1, missing: 0, changed: 0, failed: 0 } });
    expect(fs.existsSync(chosen)).toBe(false);
    await app.close();

    const removals = withSubtype(await auditEvents(setup), 'export-purge');
    expect(removals.map((e) => [trigger(e), e.outcome])).toEqual([['all', '0']]);
  });

  it('never deletes a file the user replaced, and reports one they moved away', async () => {
    const setup = privateSetup(await tempDir('wessex-export-replaced-'));
    const chosenDir = await tempDir('wessex-chosen-');
    const app = await start(setup);
    const nhsNumber = await openFrailRecord(app);
    const names = ['replaced.pdf', 'moved.pdf'];
    for (const name of names) {
      const window = host(() => path.join(chosenDir, name));
      await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, window.caller);
    }
    const replaced = path.join(chosenDir, 'replaced.pdf');
    await writeFile(replaced, '%PDF-1.7 the user’s own letter, saved over the handover');
    await rename(path.join(chosenDir, 'moved.pdf'), path.join(chosenDir, 'kept by the user.pdf'));

    const purge = await invoke<{ handoverPdfs: unknown }>(app, 'cache:delete-all', {});
    expect(purge.handoverPdfs).toEqual({ removed: 0, missing: 1, changed: 1, failed: 0 });
    expect(await readFile(replaced, 'utf8')).toBe('%PDF-1.7 the user’s own letter, saved over the handover');
    expect((await readdir(chosenDir)).sort()).toEqual(['kept by the user.pdf', 'replaced.pdf']);
    await app.close();

    const removals = withSubtype(await auditEvents(setup), 'export-purge');
    // Written ahead like every purge; what it found is the linked second event (reported, not a failure).
    expect(removals.map((e) => [trigger(e), e.outcome, e.outcomeDesc])).toEqual([
      ['all', '0', undefined],
      [
        'all',
        '4',
        'Removed 0 handover PDFs. 1 handover PDF had already been moved or deleted outside the viewer (nothing to remove). 1 handover PDF had been replaced by another file since the viewer saved it: left in place.',
      ],
    ]);
    expect(followsEvent(removals[1]!)).toBe(removals[0]!.id);
  });
});

describe('IT’s folder', () => {
  it('writes there without asking, never over another file, and retention removes them, audited', async () => {
    const dataDir = await tempDir('wessex-export-folder-');
    const folder = path.join(await tempDir('wessex-it-'), 'Handovers', 'Ward 3');
    const setup = privateSetup(dataDir, { handoverExport: 'folder', handoverExportFolder: folder });
    const app = await start(setup);
    const nhsNumber = await openFrailRecord(app);
    const window = host(() => {
      throw new Error('no dialog in IT’s folder mode');
    });

    const first = await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, window.caller);
    const second = await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, window.caller);
    expect(window.offered).toEqual([]);
    const files = (await readdir(folder)).sort();
    expect(files).toHaveLength(2);
    expect([first, second].map((s) => s.outcome === 'saved' && path.basename(s.path)).sort()).toEqual(files);
    for (const file of files) expect(file).not.toMatch(/\d{10}|\d{3} \d{3} \d{4}/);
    await app.close();

    // Three days on (the record's 72-hour retention), the viewer starts and the handovers go with the record.
    const later = new Date(Date.now() + 73 * HOUR);
    const reopened = await start({ ...setup, clock: () => later });
    await reopened.close();
    expect(await readdir(folder)).toEqual([]);
    const removals = withSubtype(await auditEvents(setup), 'export-purge');
    expect(removals.map((e) => [trigger(e), e.outcome])).toEqual([['retention', '0']]);
    expect(JSON.stringify(removals[0])).toContain('"valueString":"2"');
  });
});

describe('with the record', () => {
  it('sign-out removes the handovers whose record’s retention has ended, and keeps the rest', async () => {
    let now = new Date();
    const setup = { ...privateSetup(await tempDir('wessex-export-signout-')), clock: () => now };
    const chosenDir = await tempDir('wessex-chosen-');
    const app = await start(setup);
    const nhsNumber = await openFrailRecord(app);
    const old = path.join(chosenDir, 'old.pdf');
    await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, host(() => old).caller);
    now = new Date(now.getTime() + 48 * HOUR);
    const recent = path.join(chosenDir, 'recent.pdf');
    await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, host(() => recent).caller);
    now = new Date(now.getTime() + 25 * HOUR);

    await invoke(app, 'session:sign-out', {});
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(recent)).toBe(true);
    await app.close();
    const removals = withSubtype(await auditEvents(setup), 'export-purge');
    expect(removals.map((e) => [trigger(e), e.outcome])).toEqual([['sign-out', '0']]);
  });

  it('deleting one patient’s offline record removes their handovers only', async () => {
    const setup = privateSetup(await tempDir('wessex-export-one-'));
    const chosenDir = await tempDir('wessex-chosen-');
    const app = await start(setup);
    const frail = await openFrailRecord(app);
    await invoke<Saved>(
      app,
      'handover:save-pdf',
      { nhsNumber: frail },
      host(() => path.join(chosenDir, 'frail.pdf')).caller,
    );
    const other = app.services.sandbox!.patient('cross-border').nhsNumber;
    await invoke(app, 'access:declare-reason', {
      reasonCode: 'direct-care',
      breakGlass: false,
      nhsNumber: other,
    });
    await invoke(app, 'record:open', { nhsNumber: other, requestId: 'r-other' });
    await invoke<Saved>(
      app,
      'handover:save-pdf',
      { nhsNumber: other },
      host(() => path.join(chosenDir, 'other.pdf')).caller,
    );

    expect(await invoke(app, 'cache:delete', { nhsNumber: frail })).toEqual({ deleted: true });
    expect(await readdir(chosenDir)).toEqual(['other.pdf']);
    await app.close();
    const removals = withSubtype(await auditEvents(setup), 'export-purge');
    expect(removals.map((e) => [trigger(e), e.outcome, e.entity?.[0]?.what?.identifier?.value])).toEqual([
      ['user', '0', frail],
    ]);
  });
});

describe('the policy', () => {
  it('refuses IT’s folder mode without a folder, naming the setting', async () => {
    const dir = await tempDir('wessex-export-policy-');
    const file = path.join(dir, 'policy.json');
    await writeFile(file, JSON.stringify({ handoverExport: 'folder', sandboxAllowed: true }));
    const loaded = await loadMachinePolicy({ policyFilePath: file });
    expect(loaded.ok).toBe(false);
    expect(JSON.stringify(loaded)).toContain('handoverExportFolder');
    await writeFile(file, JSON.stringify({ handoverExport: 'folder', handoverExportFolder: 'Handovers' }));
    expect(JSON.stringify(await loadMachinePolicy({ policyFilePath: file }))).toContain(
      'must be a full path',
    );
  });
});

describe('kept only in the encrypted store', () => {
  it('leaves no PDF on disk, opens it in the viewer, and "delete all" removes it', async () => {
    const setup = privateSetup(await tempDir('wessex-export-store-'), { handoverExport: 'encrypted-store' });
    const app = await start(setup);
    const nhsNumber = await openFrailRecord(app);
    const window = host(() => {
      throw new Error('no dialog when kept in the store');
    });

    const kept = await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, window.caller);
    expect(kept.outcome).toBe('kept');
    const exportId = kept.outcome === 'kept' ? kept.exportId : '';
    const opened = await invoke<{ contentType: string; data: string; encoding: string }>(
      app,
      'handover:open-kept',
      { nhsNumber, exportId },
    );
    expect(opened).toMatchObject({ contentType: 'application/pdf', encoding: 'base64' });
    expect(new Uint8Array(Buffer.from(opened.data, 'base64'))).toEqual(window.pdf);
    // The open store (database and write-ahead log) holds it encrypted only.
    expect(plaintextPdfs(setup.dataDir)).toEqual([]);

    expect((await invoke<{ handoverPdfs: unknown }>(app, 'cache:delete-all', {})).handoverPdfs).toEqual({
      removed: 1,
      missing: 0,
      changed: 0,
      failed: 0,
    });
    await expect(invoke(app, 'handover:open-kept', { nhsNumber, exportId })).rejects.toThrow(
      /no longer kept on this computer/,
    );
    await app.close();
    expect(plaintextPdfs(setup.dataDir)).toEqual([]);
    const events = await auditEvents(setup);
    expect(withSubtype(events, 'export').map((e) => e.outcome)).toEqual(['0']);
    expect(withSubtype(events, 'export-purge').map((e) => [trigger(e), e.outcome])).toEqual([['all', '0']]);
    // Opening it is a read of the patient's record, audited like any other.
    expect(JSON.stringify(withSubtype(events, 'read'))).toContain('handover PDF kept in the encrypted store');
  });
});

describe('the command line’s purge', () => {
  it('`wessex cache purge --all` removes the handover PDFs the app saved, and says so', async () => {
    const dataDir = await tempDir('wessex-export-cli-');
    // The command line uses the keystore's own service, as the app on this computer does.
    const setup: Setup = { dataDir, secretStore: createKeytarSecretStore() };
    cleanups.push(async () => {
      await createKeytarSecretStore().delete(`db-key:${cacheKeyName(dataDir)}`);
      await createKeytarSecretStore().delete(auditKeyName(auditDatabasePath(dataDir)));
    });
    const chosen = path.join(await tempDir('wessex-chosen-'), 'handover.pdf');
    const app = await start(setup);
    const nhsNumber = await openFrailRecord(app);
    await invoke<Saved>(app, 'handover:save-pdf', { nhsNumber }, host(() => chosen).caller);
    await app.close();
    expect(fs.existsSync(chosen)).toBe(true);

    const purge = await runWessex(['cache', 'purge', '--all', '--role', 'nurse', '--data-dir', dataDir], {
      env: { ...process.env, WESSEX_POLICY_FILE: path.join(dataDir, 'no-policy.json') },
    });
    expect(purge.stderr).toBe('');
    expect(purge.stdout).toContain('Deleted 1 offline record(s).');
    expect(purge.stdout).toContain('Removed 1 handover PDF.');
    expect(fs.existsSync(chosen)).toBe(false);
    const removals = withSubtype(await auditEvents(setup), 'export-purge');
    expect(removals.map((e) => [trigger(e), e.outcome])).toEqual([['all', '0']]);
  });
});
