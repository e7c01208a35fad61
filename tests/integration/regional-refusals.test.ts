// The regional sources enforce the regional policy themselves: a source that refuses this clinician (403 coded
// in the access-refusal system) is shown as withheld, in its own words per source, never as "unavailable", a
// network error or "none recorded". Real sandbox servers over loopback, signed in at the sandbox EPR.
import { afterEach, describe, expect, it } from 'vitest';
import type { SectionId, WessexRecord } from '../../common/record';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { formatRecordSummary } from '../../main/services/record/text-summary';
import type { SandboxRole } from '../../main/dev/sandbox-viewer';
import { startTestApp, type TestApp } from '../support/app';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function openAs(
  role: SandboxRole,
  patientKey: string,
  reason: { breakGlass: boolean; reasonCode?: string; reasonText?: string } = { breakGlass: false },
): Promise<{ record: WessexRecord; app: TestApp }> {
  const app = await startTestApp();
  apps.push(app);
  await app.services.openSandboxSession({ role, standalone: true });
  const call = async (channel: string, args: unknown) => {
    const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args);
    if (!outcome.ok) throw new Error(outcome.error.message);
    return outcome.value;
  };
  const nhsNumber = app.services.sandbox!.patient(patientKey).nhsNumber;
  await call('access:declare-reason', {
    reasonCode: reason.reasonCode ?? 'direct-care',
    breakGlass: reason.breakGlass,
    ...(reason.reasonText ? { freeText: reason.reasonText } : {}),
    nhsNumber,
  });
  await call('record:open', { nhsNumber, requestId: `refusal-${role}-${patientKey}` });
  const record = await app.services.openedRecord(nhsNumber);
  if (!record) throw new Error('the record was not kept for the session');
  return { record, app };
}

const regional = (record: WessexRecord) =>
  record.sources.filter((s) => s.kind === 'regional').map((s) => [s.id, s.refusal, s.message]);

describe('a regional source refuses this clinician', () => {
  it('the patient asked not to share: each source is withheld with its own words, no section says "none recorded"', async () => {
    const { record } = await openAs('nurse', 'dissent');
    expect(regional(record)).toEqual([
      [
        'dcr',
        'patient-dissent',
        'Withheld by Dorset Care Record: the patient has asked not to share their record (break-glass to see it)',
      ],
      [
        'chie',
        'patient-dissent',
        'Withheld by CHIE: the patient has asked not to share their record (break-glass to see it)',
      ],
    ]);
    for (const section of ['allergies', 'medications', 'problems'] satisfies SectionId[]) {
      expect(record.completeness[section].state).toBe('withheld');
      expect(record.completeness[section].reason).toContain(
        'Withheld by Dorset Care Record: the patient has asked not to share their record (break-glass to see it)',
      );
    }
    const text = formatRecordSummary(record);
    expect(text).toMatch(/⊘ Dorset Care Record \(regional\) — withheld/);
    expect(text).not.toMatch(/failed/);
  });

  it('break-glass: the sources let the clinician see it (the token says ETREAT)', async () => {
    const { record, app } = await openAs('nurse', 'dissent', {
      breakGlass: true,
      reasonText: 'Unconscious, no other history available',
    });
    expect(record.sources.filter((s) => s.kind === 'regional').every((s) => !s.refusal)).toBe(true);
    const purposes = app.services.sandbox!.servers.dcr.auditEvents.map(
      (e) => e.agent?.[0]?.purposeOfUse?.[0]?.coding?.[0]?.code,
    );
    expect(purposes).toContain('ETREAT');
  });

  it('the role may not see clinical records: "does not allow your role", per source', async () => {
    const { record } = await openAs('admin-staff', 'cross-border');
    expect(regional(record)).toEqual([
      ['dcr', 'role-not-permitted', 'Dorset Care Record does not allow your role to see this'],
      ['chie', 'role-not-permitted', 'CHIE does not allow your role to see this'],
    ]);
    for (const section of ['allergies', 'medications'] satisfies SectionId[]) {
      // The viewer's own role governance says so too: never "none recorded".
      expect(record.completeness[section].state).toBe('withheld');
    }
  });
});

describe('launched from the EPR with a patient in context', () => {
  it('has that patient’s regional tokens asked for before the record is opened, so opening does not wait for them', async () => {
    const app = await startTestApp();
    apps.push(app);
    const sandbox = app.services.sandbox!;
    const log = sandbox.servers.regionalAuth.requestLog;
    const before = log.length;
    await app.services.openSandboxSession({ role: 'general-practitioner' });
    const exchanges = () =>
      log.slice(before).filter((r) => r.method === 'POST' && r.path === '/token').length;
    // One per regional source and the locator, for the patient the EPR launched with, none yet opened (the
    // audit upload's own exchange may come too).
    await expect.poll(exchanges).toBeGreaterThanOrEqual(3);
    expect(
      sandbox.servers.dcr.requests.filter((r) => /\/(Observation|AllergyIntolerance)/.test(r.url)),
    ).toEqual([]);
  });
});

describe('signed in directly, with no patient in context', () => {
  it('has the patient search’s regional tokens asked for at sign-in, so the first search does not wait for them', async () => {
    const app = await startTestApp();
    apps.push(app);
    const log = app.services.sandbox!.servers.regionalAuth.requestLog;
    const before = log.length;
    await app.services.openSandboxSession({ role: 'nurse', standalone: true });
    const exchanges = () =>
      log.slice(before).filter((r) => r.method === 'POST' && r.path === '/token').length;
    await expect.poll(exchanges).toBeGreaterThanOrEqual(3);
  });

  it('has a patient’s regional tokens asked for once a reason for access is given, so opening the record does not wait for them', async () => {
    const app = await startTestApp();
    apps.push(app);
    const sandbox = app.services.sandbox!;
    const log = sandbox.servers.regionalAuth.requestLog;
    await app.services.openSandboxSession({ role: 'general-practitioner', standalone: true });
    const exchanges = () => log.filter((r) => r.method === 'POST' && r.path === '/token').length;
    await expect.poll(exchanges).toBeGreaterThanOrEqual(3);
    const call = async (channel: string, args: unknown) => {
      const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args);
      if (!outcome.ok) throw new Error(outcome.error.message);
      return outcome.value;
    };
    const nhsNumber = sandbox.patient('cross-border').nhsNumber;
    const beforeReason = exchanges();
    await call('access:declare-reason', { reasonCode: 'direct-care', breakGlass: false, nhsNumber });
    // One per regional source and the locator, bound to this patient, before anything of theirs is read.
    await expect.poll(exchanges).toBeGreaterThanOrEqual(beforeReason + 3);
    expect(sandbox.servers.dcr.requests.filter((r) => /\/(Patient|AllergyIntolerance)/.test(r.url))).toEqual(
      [],
    );
    const beforeOpen = exchanges();
    await call('record:open', { nhsNumber, requestId: 'tokens-ready' });
    // The open used them: at most the audit upload's own exchange came meanwhile.
    expect(exchanges() - beforeOpen).toBeLessThanOrEqual(1);
  });
});
