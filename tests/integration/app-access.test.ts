// Access through the bridge as each kind of user would meet it: direct sign-in needs a reason or break-glass,
// roles see what policy maps them to, and the inactivity lock hides the record.
import { afterEach, describe, expect, it } from 'vitest';
import type { WessexRecord } from '../../common/record';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import type { AppState, SessionInfo } from '../../preload/contract';
import { loadMachinePolicy } from '../../main/services/policy';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function invoke<T>(channel: string, args: unknown): Promise<T> {
  const outcome = await dispatchBridgeRequest(app!.services.handlers, channel, args);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
}

describe('direct sign-in (standalone launch)', () => {
  it('refuses the record until a reason is given for that patient; break-glass covers that patient only', async () => {
    app = await startTestApp();
    const frail = app.services.sandbox!.patient('frail');
    const crossBorder = app.services.sandbox!.patient('cross-border');
    const session = await invoke<SessionInfo>('session:sign-in', {});
    expect(session).toMatchObject({ launch: 'standalone', user: { role: 'paramedic' }, patientReasons: [] });
    expect(session.patientNhsNumber).toBeUndefined();

    await expect(
      invoke('record:open', { nhsNumber: frail.nhsNumber, requestId: 's1' }),
    ).rejects.toMatchObject({
      code: 'not-permitted',
    });
    await expect(
      invoke('access:declare-reason', {
        reasonCode: 'break-glass',
        breakGlass: true,
        freeText: 'urgent',
        nhsNumber: frail.nhsNumber,
      }),
    ).rejects.toMatchObject({ code: 'invalid-argument' });

    const declared = await invoke<SessionInfo>('access:declare-reason', {
      reasonCode: 'break-glass',
      breakGlass: true,
      freeText: 'Unconscious patient, no EPR access at scene',
      nhsNumber: frail.nhsNumber,
    });
    expect(declared.patientReasons).toEqual([
      expect.objectContaining({
        nhsNumber: frail.nhsNumber,
        breakGlass: expect.objectContaining({ reason: 'Unconscious patient, no EPR access at scene' }),
      }),
    ]);
    const record = await invoke<WessexRecord>('record:open', { nhsNumber: frail.nhsNumber, requestId: 's2' });
    expect(record.items.some((i) => i.section === 'advanceCare')).toBe(true);
    expect(record.governance?.breakGlass).toBe(true);
    await expect(
      invoke('record:open', { nhsNumber: crossBorder.nhsNumber, requestId: 's3' }),
    ).rejects.toMatchObject({ code: 'not-permitted' });

    const state = await invoke<AppState>('app:get-state', {});
    expect(state.defaultView).toBe('urgent-care');
    expect(state.session?.patientReasons.map((r) => r.nhsNumber)).toEqual([frail.nhsNumber]);

    const audit = app.services.sandbox!.servers.audit;
    await expect
      .poll(() => JSON.stringify(audit.events), { timeout: 10_000 })
      .toContain('Unconscious patient');
  });
});

describe('role-based access', () => {
  it('shows admin staff demographics only, and a paramedic the urgent-care sections and documents', async () => {
    app = await startTestApp();
    const crossBorder = app.services.sandbox!.patient('cross-border');
    await app.services.openSandboxSession({ role: 'admin-staff', patientNhsNumber: crossBorder.nhsNumber });
    const admin = await invoke<WessexRecord>('record:open', {
      nhsNumber: crossBorder.nhsNumber,
      requestId: 'a1',
    });
    expect(admin.patient.name).toMatch(/LEGG/i);
    expect(admin.items).toEqual([]);
    expect(admin.governance?.access).toBe('demographics-only');

    await app.services.openSandboxSession({ role: 'paramedic', patientNhsNumber: crossBorder.nhsNumber });
    const paramedic = await invoke<WessexRecord>('record:open', {
      nhsNumber: crossBorder.nhsNumber,
      requestId: 'p1',
    });
    expect(paramedic.items.some((i) => i.section === 'allergies')).toBe(true);
    expect(paramedic.items.some((i) => i.section === 'encounters')).toBe(false);
    expect(paramedic.governance?.hiddenSections).toContain('encounters');
  });
});

describe('patient dissent and sensitive data', () => {
  it('withholds a dissenting patient’s shared record and counts sensitive entries without naming them', async () => {
    app = await startTestApp();
    const sandbox = app.services.sandbox!;
    await app.services.openSandboxSession({ role: 'general-practitioner' });
    for (const key of ['dissent', 'sensitive']) {
      await invoke('access:declare-reason', {
        reasonCode: 'direct-care',
        breakGlass: false,
        nhsNumber: sandbox.patient(key).nhsNumber,
      });
    }
    const dissent = await invoke<WessexRecord>('record:open', {
      nhsNumber: sandbox.patient('dissent').nhsNumber,
      requestId: 'd1',
    });
    expect(dissent.dissent).toBe(true);
    expect(dissent.items).toEqual([]);

    const events: unknown[] = [];
    app.services.onEvent((name, payload) => events.push({ name, payload }));
    const sensitive = await invoke<WessexRecord>('record:open', {
      nhsNumber: sandbox.patient('sensitive').nhsNumber,
      requestId: 'x1',
    });
    expect(sensitive.withheld.count).toBeGreaterThan(0);
    // Per-source counts are of what is shown, so they cannot reveal how much was withheld, or where.
    for (const source of sensitive.sources.filter((s) => s.kind === 'regional')) {
      const shown = sensitive.items.filter((i) => i.provenance.some((p) => p.sourceId === source.id)).length;
      expect(source.resourceCount, source.id).toBe(shown);
    }
    const sensitiveCodes = sandbox
      .patient('sensitive')
      .dcr.concat(sandbox.patient('sensitive').chie)
      .filter((r) => r.meta?.security?.some((s) => s.code === 'R' || s.code === 'V'))
      .map((r) => r.id!);
    const sent = JSON.stringify([sensitive, events]);
    for (const id of sensitiveCodes) expect(sent).not.toContain(id);
  });
});

describe('a second launch', () => {
  it('replaces the signed-in clinician (sign-out, then sign-in, audited), or leaves them be if refused', async () => {
    const defaults = await loadMachinePolicy({});
    if (!defaults.ok) throw new Error('default policy');
    const { nurse: _nurse, ...withoutNurses } = defaults.policy.roleMapping;
    app = await startTestApp({
      policy: { ...defaults, policy: { ...defaults.policy, roleMapping: withoutNurses } },
    });
    const crossBorder = app.services.sandbox!.patient('cross-border').nhsNumber;
    await app.services.openSandboxSession({ role: 'general-practitioner' });
    await invoke('record:open', { nhsNumber: crossBorder, requestId: 'gp-1' });

    // A nurse's launch on this machine, where nurses have no access: refused, and the GP is still signed in.
    await expect(app.services.openSandboxSession({ role: 'nurse' })).rejects.toThrow(/not set up to view/);
    const state = await invoke<AppState>('app:get-state', {});
    expect(state.session?.user.role).toBe('general-practitioner');
    // A launch from the clinical system is a change of context, even refused: the GP gives their reason again.
    await expect(invoke('record:open', { nhsNumber: crossBorder, requestId: 'gp-2' })).rejects.toThrow(
      /Give your reason/,
    );
    await invoke('access:declare-reason', {
      reasonCode: 'direct-care',
      breakGlass: false,
      nhsNumber: crossBorder,
    });
    await invoke('record:open', { nhsNumber: crossBorder, requestId: 'gp-2' });

    // A paramedic's launch replaces the GP: the GP's documents are gone with their session.
    await app.services.openSandboxSession({ role: 'paramedic', patientNhsNumber: crossBorder });
    expect((await invoke<AppState>('app:get-state', {})).session?.user.role).toBe('paramedic');
    await expect(invoke('document:get', { nhsNumber: crossBorder, pointerId: 'x' })).rejects.toThrow(
      'Open the patient’s record first.',
    );
    const audit = app.services.sandbox!.servers.audit;
    const codes = () => audit.events.map((e) => e.subtype?.[0]?.code);
    await expect.poll(codes, { timeout: 10_000 }).toEqual(expect.arrayContaining(['110122', '110123']));
    const signOuts = audit.events.filter((e) => e.subtype?.[0]?.code === '110123');
    expect(signOuts.map((e) => e.agent?.find((a) => a.requestor)?.role?.[0]?.coding?.[0]?.code)).toEqual([
      'general-practitioner',
    ]);
  });
});
