import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import type { RecordEvent, WessexRecord } from '../../common/record';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;
const events: { name: string; payload: unknown }[] = [];

beforeAll(async () => {
  app = await startTestApp();
  app.services.onEvent((name, payload) => events.push({ name, payload }));
});
afterAll(async () => app?.close());

const invoke = async (channel: string, args: unknown) => {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args);
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

  it('caches the governed record, lists it, and deletes it on request', async () => {
    const crossBorder = app.services.sandbox!.patient('cross-border');
    const list = (await invoke('cache:list', {})) as { nhsNumber: string }[];
    expect(list.map((r) => r.nhsNumber)).toContain(crossBorder.nhsNumber);
    expect(await invoke('cache:delete', { nhsNumber: crossBorder.nhsNumber })).toEqual({ deleted: true });
    expect(await invoke('cache:list', {})).toEqual([]);
  });

  it('audits the record view and the purge to the sandbox audit endpoint', async () => {
    await app.services.handlers['session:sign-out']({});
    const audit = app.services.sandbox!.servers.audit;
    await expect.poll(() => audit.events.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    const kinds = JSON.stringify(audit.events);
    expect(kinds).toMatch(/PatientRead|110110/);
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
