// Two clinicians on one laptop, through the real viewer and its bridge (what the renderer receives): a GP and
// a paramedic open the same patient in both orders, live and offline. Each sees exactly their role's view, and
// no bridge payload (progress events or the record) carries anything the role may not see. Then the documents
// an urgent-care clinician needs are there offline after a caseload prefetch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordEvent, WessexRecord } from '../../common/record';
import { WESSEX_AUDIT_SUBTYPE } from '../../main/services/audit/balp';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import type { DocumentContent } from '../../preload/contract';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;
const payloads: { name: string; payload: unknown }[] = [];

beforeAll(async () => {
  app = await startTestApp();
  app.services.onEvent((name, payload) => payloads.push({ name, payload }));
}, 60_000);
afterAll(async () => app?.close());

async function invoke<T>(channel: string, args: unknown): Promise<T> {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args, {});
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
}

const sandbox = () => app.services.sandbox!;
const ENCOUNTER = /"resourceType":\s*"Encounter"/;

async function openAs(
  role: 'general-practitioner' | 'paramedic',
  key: string,
  options: { preferOffline?: boolean } = {},
): Promise<{ record: WessexRecord; sent: string }> {
  const patient = sandbox().patient(key);
  await app.services.openSandboxSession({ role, patientNhsNumber: patient.nhsNumber });
  payloads.length = 0;
  const record = await invoke<WessexRecord>('record:open', {
    nhsNumber: patient.nhsNumber,
    requestId: `${role}-${Date.now()}`,
    ...options,
  });
  const events = payloads.filter((p) => p.name === 'record:event').map((p) => p.payload as RecordEvent);
  // Everything that crossed the bridge for this open: the progress events and the answer.
  return { record, sent: JSON.stringify([events, record]) };
}

async function sourcesDown(down: boolean): Promise<void> {
  for (const server of [sandbox().servers.dcr, sandbox().servers.chie, sandbox().servers.locator]) {
    await server.setFault(down ? 'down' : undefined);
  }
}

describe('two users, one data directory', () => {
  for (const order of [
    ['general-practitioner', 'paramedic'],
    ['paramedic', 'general-practitioner'],
  ] as const) {
    it(`${order.join(' then ')}: each sees exactly their role, live and offline`, async () => {
      await invoke('cache:delete-all', {}).catch(() => undefined);
      for (const offline of [false, true]) {
        await sourcesDown(offline);
        try {
          for (const role of order) {
            const { record, sent } = await openAs(role, 'cross-border');
            if (offline) expect(record.offline).toBeDefined();
            const encounters = record.items.filter((i) => i.section === 'encounters');
            if (role === 'general-practitioner') {
              expect(record.governance?.access).toBe('everything');
              expect(encounters).toHaveLength(4);
              expect(record.completeness.encounters.state).toBe('complete');
            } else {
              expect(record.governance?.access).toBe('urgent-care-and-documents');
              expect(encounters).toEqual([]);
              expect(record.completeness.encounters).toMatchObject({ state: 'withheld' });
              expect(record.governance?.hiddenForRoleCount).toBeGreaterThan(0);
              // Nothing the paramedic may not see crossed the bridge, in any event or in the answer.
              expect(sent).not.toMatch(ENCOUNTER);
            }
          }
        } finally {
          await sourcesDown(false);
        }
      }
    }, 60_000);
  }
});

describe('offline documents', () => {
  it('after a caseload prefetch, the frail patient’s ReSPECT form opens offline from the saved copy', async () => {
    const frail = sandbox().patient('frail');
    await app.services.openSandboxSession({ role: 'paramedic' });
    await invoke('access:declare-reason', { reasonCode: 'direct-care', breakGlass: false });
    const report = await invoke<{ results: { ok: boolean }[] }>('prefetch:start', {
      requestId: 'caseload',
      nhsNumbers: [frail.nhsNumber],
    });
    expect(report.results).toEqual([expect.objectContaining({ ok: true })]);

    await sourcesDown(true);
    try {
      const record = await invoke<WessexRecord>('record:open', {
        nhsNumber: frail.nhsNumber,
        requestId: 'offline-frail',
      });
      expect(record.offline).toBeDefined();
      const respect = record.items.find(
        (i) =>
          i.section === 'advanceCare' && i.resourceType === 'DocumentReference' && /ReSPECT/.test(i.display),
      );
      expect(respect, 'the ReSPECT DocumentReference').toBeDefined();
      const document = await invoke<DocumentContent>('document:get', {
        nhsNumber: frail.nhsNumber,
        pointerId: respect!.key,
      });
      expect(document.contentType).toBe('application/pdf');
      expect(Buffer.from(document.data, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await sourcesDown(false);
    }
  }, 60_000);
});

describe('an unverified NHS number', () => {
  it('is a warning with a way forward: the clinician confirms surname and date of birth (audited)', async () => {
    const patient = sandbox().patient('not-traced');
    const { record } = await openAs('general-practitioner', 'not-traced');
    expect(record.identityWarnings.map((w) => w.kind)).toContain('unverified-nhs-number');
    expect(record.items).toEqual([]);
    expect(record.completeness.allergies).toMatchObject({
      state: 'not-requested',
      reason: 'The NHS number is not verified; regional records were not searched',
    });

    await expect(
      invoke('record:confirm-identity', {
        nhsNumber: patient.nhsNumber,
        familyName: 'Barnes',
        birthDate: '1983-12-31',
      }),
    ).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(
        /do not match the clinical system's record \(date of birth 31 December 1983/,
      ),
    });
    expect(
      await invoke('record:confirm-identity', {
        nhsNumber: patient.nhsNumber,
        familyName: 'BARNES',
        birthDate: '1983-12-30',
      }),
    ).toEqual({ confirmed: true });

    const confirmed = await invoke<WessexRecord>('record:open', {
      nhsNumber: patient.nhsNumber,
      requestId: 'confirmed',
    });
    expect(confirmed.identityWarnings.map((w) => w.kind)).not.toContain('unverified-nhs-number');
    expect(confirmed.items.some((i) => /asthma/i.test(i.display))).toBe(true);
    expect(confirmed.identityConfirmation).toMatchObject({ familyName: 'BARNES', birthDate: '1983-12-30' });
    expect(confirmed.heldApart).toEqual([]);

    const audit = sandbox().servers.audit;
    await expect
      .poll(
        () =>
          audit.events.filter((e) =>
            e.subtype?.some((c) => c.system === WESSEX_AUDIT_SUBTYPE && c.code === 'identity-confirmed'),
          ).length,
        { timeout: 10_000 },
      )
      .toBe(1);
  });

  it('a source held apart stays apart until the clinician decides, and the decision is audited', async () => {
    const patient = sandbox().patient('mixed-identity');
    const { record } = await openAs('general-practitioner', 'mixed-identity');
    expect(record.heldApart.map((h) => h.sourceId)).toEqual(['chie']);
    expect(record.items.every((i) => i.provenance.every((p) => p.sourceId !== 'chie'))).toBe(true);
    await invoke('record:decide-identity', {
      nhsNumber: patient.nhsNumber,
      sourceId: 'chie',
      decision: 'different-person',
    });
    const kept = await invoke<WessexRecord>('record:open', {
      nhsNumber: patient.nhsNumber,
      requestId: 'kept',
    });
    expect(kept.heldApart.map((h) => h.sourceId)).toEqual(['chie']);
    expect(kept.identityDecisions).toEqual([
      expect.objectContaining({ sourceId: 'chie', decision: 'different-person' }),
    ]);
    // Decided: no longer a gap in every section.
    expect(kept.completeness.allergies.gaps.map((g) => g.sourceId)).not.toContain('chie');
    const audit = sandbox().servers.audit;
    await expect.poll(() => JSON.stringify(audit.events), { timeout: 10_000 }).toContain('different-person');
  });
});
