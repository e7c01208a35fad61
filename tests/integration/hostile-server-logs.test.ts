// A whole session against servers whose error answers hold a patient's name, date of birth, postcode, NHS
// number and the Basic credentials they were called with (the sandbox's `hostile-error-text` fault): the
// EPR launch, records opened, a patient search, a record whose sources fail over to its saved copy, a failed
// launch and a failed handover. The clinician is shown what the servers said; the log files hold none of it,
// no sandbox patient's NHS number or name, and no token: only listed events with their checked fields.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatientSearchResult } from '../../common/patient-search';
import type { RecordOverview } from '../../common/summary';
import { formatNhsNumber } from '../../common/nhs-number';
import { dispatchBridgeRequest, type BridgeCaller } from '../../main/services/bridge/dispatch';
import { SCHEME_REDIRECT_URI } from '../../main/services/launch/launch-input';
import { assertLogsFreeOf, LOG_EVENTS, logDirectory } from '../../main/services/logging';
import { HOSTILE_DETAILS, HOSTILE_STRINGS } from '../../sandbox';
import { startTestApp, type TestApp } from '../support/app';

const FIELDS = new Set([
  'event',
  'sourceId',
  'errorCode',
  'httpStatus',
  'durationMs',
  'count',
  'channel',
  'phase',
  'sourceState',
  'sandbox',
  'droppedFields',
]);

let app: TestApp | undefined;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'wessex-hostile-'));
  app = await startTestApp({ dataDir });
}, 60_000);
/** Closing the app writes what is still in flight; the logs are read after it (and the folder kept till then). */
async function closeApp(): Promise<void> {
  const closing = app;
  app = undefined;
  await closing?.close();
}
afterAll(async () => {
  await closeApp();
  await rm(dataDir, { recursive: true, force: true });
});

async function invoke<T>(channel: string, args: unknown, caller: BridgeCaller = {}): Promise<T> {
  const outcome = await dispatchBridgeRequest(app!.services.handlers, channel, args, caller);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
}

const declareReason = (nhsNumber: string) =>
  invoke('access:declare-reason', { reasonCode: 'direct-care', breakGlass: false, nhsNumber });

async function open(nhsNumber: string, requestId: string): Promise<RecordOverview> {
  await declareReason(nhsNumber);
  return invoke<RecordOverview>('record:open', { nhsNumber, requestId });
}

/** Every line of every log file, as its level and JSON. */
async function logLines(): Promise<{ level: string; entry: Record<string, unknown> }[]> {
  const logDir = logDirectory(dataDir);
  const files = (await readdir(logDir)).filter((name) => name.endsWith('.log'));
  const lines = (await Promise.all(files.map((name) => readFile(join(logDir, name), 'utf8'))))
    .flatMap((text) => text.split('\n'))
    .filter(Boolean);
  return lines.map((line) => {
    const match = /^\[\d{4}-\d\d-\d\d [\d:.]+\] \[(info|warn|error)\] +(\{.*\})$/.exec(line);
    if (!match) throw new Error('A log line is not a listed event with its fields');
    return { level: match[1]!, entry: JSON.parse(match[2]!) as Record<string, unknown> };
  });
}

describe('the log of a session against hostile servers', () => {
  it('shows the clinician what the servers said, and logs only event names, codes and counts', async () => {
    const { services } = app!;
    const sandbox = services.sandbox!;
    const hostileName = HOSTILE_DETAILS.name;

    // The GP's EPR launches the viewer with the cross-border patient; the record is kept offline.
    await services.openSandboxSession({ role: 'general-practitioner' });
    const crossBorder = sandbox.patient('cross-border');
    const first = await open(crossBorder.nhsNumber, 'healthy');
    expect(first.sources.filter((s) => s.kind === 'regional').map((s) => [s.id, s.state])).toEqual([
      ['dcr', 'complete'],
      ['chie', 'complete'],
    ]);
    const saved = await invoke<{ nhsNumber: string }[]>('cache:list', {});
    expect(saved.map((r) => r.nhsNumber)).toContain(crossBorder.nhsNumber);

    // DCR now answers everything with the hostile text, in place of results.
    await sandbox.servers.dcr.setFault('hostile-error-text');
    const frail = await open(sandbox.patient('frail').nhsNumber, 'hostile');
    const dcr = frail.sources.find((s) => s.id === 'dcr')!;
    expect(dcr.state).toBe('failed');
    // The text reached the app and is shown on the status line, as the server wrote it.
    expect(dcr.message).toContain(hostileName);

    const found = await invoke<PatientSearchResult>('patient:search', {
      family: 'Legg',
      birthDate: '1951-04-17',
    });
    expect(found.complete).toBe(false);
    expect(found.directories.find((d) => d.name === 'Dorset Care Record')!.state).not.toBe('answered');

    // CHIE fails too (its error status, its hostile text): the record comes from its saved copy, labelled so.
    await sandbox.servers.chie.setFault('hostile-error-text', { status: 500 });
    const failedOver = await open(crossBorder.nhsNumber, 'failed-over');
    expect(failedOver.sources.map((s) => [s.id, s.savedCopy !== undefined])).toEqual([
      ['dcr', true],
      ['chie', true],
      ['locator', true],
    ]);
    expect(failedOver.items.length).toBeGreaterThan(0);

    // A launch from a server that is not allowed, and an authorization answer carrying the hostile text.
    const hostileText = `${hostileName} ${HOSTILE_DETAILS.dateOfBirth} Basic ${HOSTILE_DETAILS.basicCredentials}`;
    await expect(
      services.handleLaunchArgs([
        '--iss',
        `https://hostile.example/fhir?name=${encodeURIComponent(hostileText)}`,
        '--launch',
        HOSTILE_DETAILS.nhsNumber,
      ]),
    ).rejects.toThrow();
    await expect(
      services.handleLaunchArgs([
        `${SCHEME_REDIRECT_URI}?error=access_denied&error_description=${encodeURIComponent(hostileText)}&state=x`,
      ]),
    ).rejects.toThrow();

    // The launches were a change of context: the clinician gives their reason again.
    await declareReason(crossBorder.nhsNumber);
    // Saving the handover fails in the host with the hostile text in its error.
    const printer = {
      print: async () => 'printed' as const,
      toPdf: async (): Promise<Uint8Array> => {
        throw new Error(`Could not write /home/${hostileName}/${crossBorder.nhsNumber}.pdf: ${hostileText}`);
      },
    };
    const saveDialog = { choosePdfPath: async (suggested: string) => suggested };
    await expect(
      invoke('handover:save-pdf', { nhsNumber: crossBorder.nhsNumber }, {
        printer,
        saveDialog,
      } as BridgeCaller),
    ).rejects.toMatchObject({ code: 'unavailable' });
    await invoke('session:sign-out', {});
    await closeApp();

    const lines = await logLines();
    for (const { entry } of lines) {
      expect(Object.keys(entry).filter((key) => !FIELDS.has(key))).toEqual([]);
      expect(Object.keys(LOG_EVENTS)).toContain(entry.event);
    }
    const entries = lines.map((line) => line.entry);
    expect(entries.filter((e) => e.event === 'record.opened').map((e) => e.phase)).toEqual([
      'live',
      'live',
      'offline',
    ]);
    expect(entries).toContainEqual({
      event: 'record.source',
      sourceId: 'dcr',
      sourceState: 'failed',
      count: 0,
    });
    expect(entries).toContainEqual({ event: 'launch.failed', errorCode: 'launch.issuer-not-allowed' });
    expect(entries).toContainEqual({ event: 'handover.failed', errorCode: 'unclassified' });

    const patients = sandbox.patients.flatMap((p) => [p.nhsNumber, formatNhsNumber(p.nhsNumber), p.name]);
    // `eyJ` opens every JWT (the sandbox's access and id tokens); Basic and Bearer open credentials.
    const credentials = ['eyJ', 'Basic', 'Bearer', 'Authorization'];
    await assertLogsFreeOf([...HOSTILE_STRINGS, ...patients, ...credentials], logDirectory(dataDir));
  });
});
