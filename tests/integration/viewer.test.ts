import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { followsEvent } from '../../main/services/audit';
import { createViewer } from '../../main/services/composition/viewer';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { loadMachinePolicy } from '../../main/services/policy';
import { dispatchBridgeRequest, type BridgeCaller } from '../../main/services/bridge/dispatch';
import { SECTION_ORDER, type RecordEvent, type WessexRecord } from '../../common/record';
import { withSectionsAsSent, type RecordOverview } from '../../common/summary';
import { shownSections } from '../support/shown-sections';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;
const events: { name: string; payload: unknown }[] = [];

beforeAll(async () => {
  app = await startTestApp();
  app.services.onEvent((name, payload) => events.push({ name, payload }));
});
afterAll(async () => app?.close());

const invoke = async (channel: string, args: unknown, caller: BridgeCaller = {}) => {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args, caller);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value;
};

describe('app services on the built-in sandbox', () => {
  it('starts on the sandbox when no policy is configured and lists its patients', async () => {
    const state = (await invoke('app:get-state', {})) as {
      policy: { ok: boolean; sandbox: boolean };
      sandboxPatients: unknown[];
    };
    expect(state.policy).toMatchObject({ ok: true, sandbox: true });
    expect(state.sandboxPatients.length).toBeGreaterThanOrEqual(5);
  });

  it('keeps start-up notices for the screen when the sandbox signs someone in first', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'wessex-notices-'));
    await writeFile(path.join(dataDir, 'preferences.json'), 'not json');
    const own = await startTestApp({ dataDir });
    try {
      await own.services.openSandboxSession({ role: 'paramedic' });
      const state = await own.services.handlers['app:get-state']({}, {});
      expect(state.notices).toEqual(['Your display preferences could not be read and were reset.']);
      expect((await own.services.handlers['app:get-state']({}, {})).notices).toEqual([]);
    } finally {
      await own.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a record before anyone has signed in', async () => {
    const crossBorder = app.services.sandbox!.patient('cross-border');
    await expect(
      invoke('record:open', { nhsNumber: crossBorder.nhsNumber, requestId: 'r0' }),
    ).rejects.toMatchObject({
      code: 'not-permitted',
    });
  });

  it('signs a GP in through the EHR launch and opens the cross-border record from DCR and CHIE', async () => {
    const crossBorder = app.services.sandbox!.patient('cross-border');
    const session = await app.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: crossBorder.nhsNumber,
    });
    expect(session).toMatchObject({ launch: 'ehr', patientNhsNumber: crossBorder.nhsNumber, locked: false });
    const state = (await invoke('app:get-state', {})) as { defaultView: string };
    expect(state.defaultView).toBe('full-summary');

    const record = (await invoke('record:open', {
      nhsNumber: crossBorder.nhsNumber,
      requestId: 'r1',
    })) as WessexRecord;
    expect(record.sources.map((s) => [s.id, s.state])).toEqual([
      ['dcr', 'complete'],
      ['chie', 'complete'],
      ['locator', 'complete'],
    ]);
    const fromBoth = record.items.filter((i) => new Set(i.provenance.map((p) => p.sourceId)).size === 2);
    expect(fromBoth.length).toBeGreaterThan(0);
    expect(record.conflicts.map((c) => c.kind)).toContain('allergy-vs-no-known-allergies');

    const recordEvents = events.filter((e) => e.name === 'record:event').map((e) => e.payload as RecordEvent);
    // Critical sections were painted from events before the record came back; the record is sent once.
    const sections = recordEvents
      .filter((e) => e.type === 'section')
      .map((e) => e.type === 'section' && e.section);
    expect(sections).toEqual(
      expect.arrayContaining(['advanceCare', 'alerts', 'allergies', 'medications', 'problems']),
    );
    expect(recordEvents.some((e) => e.type === 'record')).toBe(false);
  });

  it('a screen that keeps the section events is not sent their entries again, and has the whole record once it fills them in', async () => {
    const crossBorder = app.services.sandbox!.patient('cross-border');
    const whole = (await invoke('record:open', {
      nhsNumber: crossBorder.nhsNumber,
      requestId: 'whole',
    })) as RecordOverview;
    const answer = (await invoke('record:open', {
      nhsNumber: crossBorder.nhsNumber,
      requestId: 'keeps',
      keepsSectionEvents: true,
    })) as RecordOverview;
    // What had reached the screen when the answer did (it stops listening then).
    const beforeAnswer = events.flatMap((e) => {
      const event = e.payload as RecordEvent;
      return e.name === 'record:event' && event.requestId === 'keeps' ? [event] : [];
    });

    expect(answer.sectionsAsSent).toEqual(expect.arrayContaining(['allergies', 'medications', 'problems']));
    expect(answer.items.filter((i) => answer.sectionsAsSent!.includes(i.section))).toEqual([]);
    const shown = shownSections(beforeAnswer);
    const filledIn = withSectionsAsSent(answer, (section) => shown.get(section)?.items);
    for (const section of SECTION_ORDER)
      expect(
        filledIn.items.filter((i) => i.section === section),
        section,
      ).toEqual(whole.items.filter((i) => i.section === section));
    expect(filledIn.completeness).toEqual(whole.completeness);
    expect(whole.sectionsAsSent).toBeUndefined();
  });

  it('caches the governed record, lists it, and deletes it on request', async () => {
    const crossBorder = app.services.sandbox!.patient('cross-border');
    const list = (await invoke('cache:list', {})) as { nhsNumber: string }[];
    expect(list.map((r) => r.nhsNumber)).toContain(crossBorder.nhsNumber);
    expect(await invoke('cache:delete', { nhsNumber: crossBorder.nhsNumber })).toEqual({ deleted: true });
    expect(await invoke('cache:list', {})).toEqual([]);
  });

  it('prints and saves the handover through the calling window’s host printer, audited before it prints', async () => {
    const nhsNumber = app.services.sandbox!.patient('cross-border').nhsNumber;
    const audit = app.services.sandbox!.servers.audit;
    const handovers = (code: string) => audit.events.filter((e) => e.subtype?.some((s) => s.code === code));
    const pdf = new TextEncoder().encode('%PDF-1.7 host rendering');
    let prints = 0;
    const host = (outcome: 'printed' | 'cancelled' | 'broken', pdfOutcome: 'pdf' | 'broken' = 'pdf') => ({
      printer: {
        print: async () => {
          // Write-ahead: the print event reaches the audit server while the host still holds the page.
          const expected = ++prints;
          await vi.waitFor(
            () => expect(handovers('print').filter((e) => e.outcome === '0')).toHaveLength(expected),
            { timeout: 10_000 },
          );
          if (outcome === 'broken') throw new Error('Print job failed');
          return outcome;
        },
        toPdf: async () => {
          if (pdfOutcome === 'broken') throw new Error('printToPDF failed');
          return pdf;
        },
      },
      // The user presses Save on the path the dialog suggests.
      saveDialog: { choosePdfPath: async (suggested: string) => suggested },
    });

    await expect(invoke('handover:print', { nhsNumber })).rejects.toMatchObject({
      code: 'unavailable',
      message: 'Printing is not available in this window. Nothing was saved or printed.',
    });
    expect(await invoke('handover:print', { nhsNumber }, host('printed'))).toEqual({ outcome: 'printed' });
    await expect.poll(() => handovers('print'), { timeout: 10_000 }).toHaveLength(1);
    expect(handovers('print')[0]).toMatchObject({ outcome: '0' });

    // A cancelled or failed print keeps its event, followed by one saying nothing was printed.
    expect(await invoke('handover:print', { nhsNumber }, host('cancelled'))).toEqual({
      outcome: 'cancelled',
    });
    await expect(invoke('handover:print', { nhsNumber }, host('broken'))).rejects.toMatchObject({
      code: 'unavailable',
      message: 'The handover summary could not be printed. Nothing was lost; please try again.',
    });
    await expect.poll(() => handovers('print'), { timeout: 10_000 }).toHaveLength(5);
    expect(handovers('print').map((e) => [e.outcome, e.outcomeDesc ?? ''])).toEqual([
      ['0', ''],
      ['0', ''],
      ['4', 'The user cancelled the print dialog; nothing was printed'],
      ['0', ''],
      ['8', 'The printer reported a failure; nothing was printed'],
    ]);
    // Each outcome other than printed ends the print begun (and audited) just before it.
    const printed = handovers('print');
    expect(followsEvent(printed[2]!)).toBe(printed[1]!.id);
    expect(followsEvent(printed[4]!)).toBe(printed[3]!.id);

    // Save as PDF: audited before the host renders it; a PDF that could not be made says so next.
    await expect(invoke('handover:save-pdf', { nhsNumber }, host('printed', 'broken'))).rejects.toMatchObject(
      {
        message: 'The handover summary could not be saved as a PDF. Nothing was lost; please try again.',
      },
    );
    const saved = (await invoke('handover:save-pdf', { nhsNumber }, host('printed'))) as {
      outcome: string;
      path: string;
    };
    expect(saved.outcome).toBe('saved');
    expect(new Uint8Array(await readFile(saved.path))).toEqual(pdf);
    expect(saved.path).not.toContain(nhsNumber);
    await expect.poll(() => handovers('export'), { timeout: 10_000 }).toHaveLength(3);
    expect(handovers('export').map((e) => [e.outcome, e.outcomeDesc ?? ''])).toEqual([
      ['0', ''],
      ['8', 'The PDF could not be made or written; nothing was saved'],
      ['0', ''],
    ]);
  });

  it('audits the record view and the purge to the sandbox audit endpoint', async () => {
    await invoke('session:sign-out', {});
    const audit = app.services.sandbox!.servers.audit;
    const codes = () => audit.events.flatMap((e) => (e.subtype ?? []).map((s) => s.code));
    // Sign-out is the last event: once it has arrived, everything before it has too (uploads are in order).
    await expect.poll(codes, { timeout: 10_000 }).toContain('110123');
    expect(codes()).toEqual(expect.arrayContaining(['110122', 'read', 'cache-write', 'cache-purge']));
    expect(JSON.stringify(audit.events)).toMatch(/PatientRead/);
  });

  it('keeps view preferences, and refuses patient details in them', async () => {
    const saved = (await invoke('preferences:update', {
      patch: { density: 'compact', lastCaseloadListName: 'Tuesday rounds' },
    })) as {
      density: string;
    };
    expect(saved.density).toBe('compact');
    expect(await invoke('preferences:get', {})).toMatchObject({
      density: 'compact',
      lastCaseloadListName: 'Tuesday rounds',
    });
    await expect(
      invoke('preferences:update', { patch: { lastCaseloadListName: 'Rounds 999 462 5845' } }),
    ).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(invoke('preferences:update', { patch: { nhsNumber: '9994625845' } })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });
});

describe('a viewer for the offline store alone (the command line’s cache commands)', () => {
  it('starts without record sources, lists offline records, and refuses to open one', async () => {
    const policy = await loadMachinePolicy({});
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'wessex-offline-only-'));
    const secretStore = createKeytarSecretStore(
      `uk.nhs.wessexcarerecords.test-${randomBytes(6).toString('hex')}`,
    );
    const viewer = await createViewer({ dataDir, policy, secretStore, recordSources: 'not-needed' });
    try {
      viewer.signInOsUser('nurse');
      const call = (channel: string, args: unknown) => dispatchBridgeRequest(viewer.handlers, channel, args);
      await call('access:declare-reason', {
        reasonCode: 'direct-care',
        breakGlass: false,
        nhsNumber: '9994625845',
      });
      expect(await call('cache:list', {})).toEqual({ ok: true, value: [] });
      expect(await call('record:open', { nhsNumber: '9994625845', requestId: 'r1' })).toEqual({
        ok: false,
        error: {
          code: 'configuration',
          message: 'No regional record sources are configured on this computer.',
        },
      });
      // Without the flag, the same unconfigured machine is a configuration problem, as the app shows it.
      const app = await createViewer({ dataDir, policy, secretStore });
      expect(await dispatchBridgeRequest(app.handlers, 'app:get-state', {})).toMatchObject({
        value: { policy: { ok: false, problems: [{ key: 'sources' }] } },
      });
    } finally {
      await viewer.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
