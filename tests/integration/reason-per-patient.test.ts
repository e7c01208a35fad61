// Reason for access, per patient, through the bridge over the real sandbox: an EPR launch covers the patient
// in context only; every other patient needs their own reason or break-glass, and the audit says, for each
// patient, why they were seen.
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../common/fhir';
import type { WessexRecord } from '../../common/record';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import type { AppState, PrefetchProgress, SessionInfo } from '../../preload/contract';
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

const open = (nhsNumber: string, requestId: string) =>
  invoke<WessexRecord>('record:open', { nhsNumber, requestId });

const patientOf = (event: AuditEvent) =>
  event.entity?.find((e) => e.what?.type === 'Patient')?.what?.identifier?.value;
const purposeOf = (event: AuditEvent) =>
  event.agent?.find((a) => a.requestor)?.purposeOfUse?.map((p) => p.coding?.[0]?.code);
const subtypeOf = (event: AuditEvent) => event.subtype?.[0]?.code;

/** The events the sandbox audit server holds, once `done` says they have all arrived. */
async function auditedEvents(done: (events: AuditEvent[]) => boolean): Promise<AuditEvent[]> {
  const server = app!.services.sandbox!.servers.audit;
  await expect.poll(() => done(server.events), { timeout: 15_000 }).toBe(true);
  return server.events;
}

async function ehrLaunchedGp(): Promise<{ a: string; b: string; c: string }> {
  app = await startTestApp();
  const sandbox = app.services.sandbox!;
  const a = sandbox.patient('cross-border').nhsNumber;
  await app.services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: a });
  return { a, b: sandbox.patient('frail').nhsNumber, c: sandbox.patient('long-history').nhsNumber };
}

describe('an EPR-launched GP', () => {
  it('opens the patient in context with no question; another patient needs their own reason', async () => {
    const { a, b, c } = await ehrLaunchedGp();
    expect((await open(a, 'a1')).patient.name).toMatch(/Legg/i);

    const refusal = open(b, 'b1');
    await expect(refusal).rejects.toMatchObject({ code: 'not-permitted' });
    await expect(refusal).rejects.toThrow(/reason for accessing the record of the patient with NHS number/);
    await expect(refusal).rejects.toThrow(b.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3'));
    // Nothing else about B either: pages, the document store, printing.
    await expect(
      invoke('record:items', { nhsNumber: b, requestId: 'b1', section: 'encounters', offset: 0, limit: 10 }),
    ).rejects.toMatchObject({ code: 'not-permitted' });
    await expect(invoke('handover:print', { nhsNumber: b })).rejects.toMatchObject({ code: 'not-permitted' });

    const declared = await invoke<SessionInfo>('access:declare-reason', {
      reasonCode: 'referral',
      breakGlass: false,
      nhsNumber: b,
    });
    expect(declared.patientReasons.map((r) => [r.nhsNumber, r.label])).toEqual([
      [a, 'Opened from the clinical system with this patient in context'],
      [b, 'Responding to a referral or handover of care'],
    ]);
    expect((await open(b, 'b2')).patient.nhsNumber).toBe(b);

    // B's reason does not cover C.
    await expect(open(c, 'c1')).rejects.toMatchObject({ code: 'not-permitted' });
  });

  it('break-glass on one patient does not cover the next, nor put them under break-glass', async () => {
    const { b, c } = await ehrLaunchedGp();
    await invoke('access:declare-reason', {
      reasonCode: 'break-glass',
      breakGlass: true,
      freeText: 'Collapsed in the surgery car park, not our patient',
      nhsNumber: b,
    });
    expect((await open(b, 'b1')).governance?.breakGlass).toBe(true);
    await expect(open(c, 'c1')).rejects.toMatchObject({ code: 'not-permitted' });

    await invoke('access:declare-reason', { reasonCode: 'direct-care', breakGlass: false, nhsNumber: c });
    expect((await open(c, 'c2')).governance?.breakGlass).toBe(false);
    // A later ordinary reason for B leaves B's break-glass in place.
    const after = await invoke<SessionInfo>('access:declare-reason', {
      reasonCode: 'direct-care',
      breakGlass: false,
      nhsNumber: b,
    });
    expect(after.patientReasons.find((r) => r.nhsNumber === b)?.breakGlass?.reason).toBe(
      'Collapsed in the surgery car park, not our patient',
    );
    expect(after.patientReasons.find((r) => r.nhsNumber === c)?.breakGlass).toBeUndefined();

    const events = await auditedEvents((all) => all.some((e) => subtypeOf(e) === 'access-reason'));
    const breakGlass = events.filter((e) => subtypeOf(e) === 'break-glass');
    expect(breakGlass.map(patientOf)).toEqual([b]);
    expect(purposeOf(breakGlass[0]!)).toEqual(['ETREAT', 'BTG']);
    const reads = await auditedEvents((all) =>
      [b, c].every((nhs) => all.some((e) => subtypeOf(e) === 'read' && patientOf(e) === nhs)),
    );
    const readOf = (nhs: string) => reads.find((e) => subtypeOf(e) === 'read' && patientOf(e) === nhs);
    expect(purposeOf(readOf(b)!)).toEqual(['ETREAT', 'BTG']);
    expect(purposeOf(readOf(c)!)).toEqual(['TREAT']);
  });

  it('a prefetch needs one reason for its list, which is applied to and audited for each patient', async () => {
    const { a, b, c } = await ehrLaunchedGp();
    // The launch's patient in context does not make a list of other patients prefetchable.
    await expect(invoke('prefetch:start', { requestId: 'p1', nhsNumbers: [b, c] })).rejects.toMatchObject({
      code: 'not-permitted',
      message: expect.stringMatching(/reason/),
    });
    await expect(
      invoke('access:declare-reason', {
        reasonCode: 'break-glass',
        breakGlass: true,
        freeText: 'Whole caseload, emergency',
      }),
    ).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/one patient/) });

    const declared = await invoke<SessionInfo>('access:declare-reason', {
      reasonCode: 'care-coordination',
      breakGlass: false,
    });
    expect(declared.caseloadReason).toMatch(/Coordinating/);
    const progress = await invoke<PrefetchProgress>('prefetch:start', {
      requestId: 'p2',
      nhsNumbers: [b, c],
    });
    expect(progress.results.map((r) => [r.nhsNumber, r.ok]).sort()).toEqual(
      [
        [b, true],
        [c, true],
      ].sort(),
    );
    const after = (await invoke<AppState>('app:get-state', {})).session!;
    expect(after.caseloadReason).toBeUndefined();
    expect(after.patientReasons.map((r) => r.nhsNumber).sort()).toEqual([a, b, c].sort());
    // The reason was for that list: the next one needs its own.
    await expect(invoke('prefetch:start', { requestId: 'p3', nhsNumbers: [a] })).rejects.toMatchObject({
      code: 'not-permitted',
    });

    const events = await auditedEvents(
      (all) => all.filter((e) => subtypeOf(e) === 'access-reason' && patientOf(e)).length >= 2,
    );
    const perPatient = events.filter((e) => subtypeOf(e) === 'access-reason' && patientOf(e));
    expect(perPatient.map(patientOf).sort()).toEqual([b, c].sort());
    for (const event of perPatient) {
      expect(purposeOf(event)).toEqual(['COC']);
      expect(JSON.stringify(event.entity)).toContain('care-coordination');
    }
    // The list's own declaration names no patient; the GP's session-wide events keep the default purpose.
    expect(events.filter((e) => subtypeOf(e) === 'access-reason' && !patientOf(e))).toHaveLength(1);
  });
});

describe('a launch from the clinical system is a change of context', () => {
  /** A launch from the EPR for `patientKey` whose context has expired at the EPR: it fails after it began. */
  async function failedLaunch(patientKey: string): Promise<Error> {
    const launch = new URL(app!.services.sandbox!.epr!.createEhrLaunch({ patientKey, userId: 'gp' }));
    launch.searchParams.set('launch', 'expired-launch-context');
    const error = await app!.services.handleLaunchArgs([launch.href]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }

  it('after a launch that fails, no earlier reason stands: the previous patient is asked for again, as is anyone else', async () => {
    const { a, b, c } = await ehrLaunchedGp();
    expect((await open(a, 'a1')).patient.nhsNumber).toBe(a);
    await invoke('access:declare-reason', {
      reasonCode: 'break-glass',
      breakGlass: true,
      freeText: 'Collapsed in the surgery car park, not our patient',
      nhsNumber: b,
    });
    await invoke('access:declare-reason', { reasonCode: 'direct-care', breakGlass: false });
    const before = (await invoke<AppState>('app:get-state', {})).session!;
    expect(before.patientReasons.map((r) => r.nhsNumber).sort()).toEqual([a, b].sort());

    // The EPR launches the viewer for another patient, and that launch fails.
    const failure = await failedLaunch('long-history');
    const after = await invoke<AppState>('app:get-state', {});
    expect(after.launch).toEqual({ state: 'failed', message: failure.message });
    // The clinician is still signed in (the same session), with no reason for anyone: no break-glass banner.
    expect(after.session?.id).toBe(before.id);
    expect(after.session?.patientReasons).toEqual([]);
    expect(after.session?.caseloadReason).toBeUndefined();

    // Opening the previous patient through Find a patient asks for a reason, naming them; so does B.
    const refusal = open(a, 'a2');
    await expect(refusal).rejects.toMatchObject({ code: 'not-permitted' });
    await expect(refusal).rejects.toThrow(a.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3'));
    await expect(
      invoke('record:items', { nhsNumber: a, requestId: 'a1', section: 'encounters', offset: 0, limit: 10 }),
    ).rejects.toMatchObject({ code: 'not-permitted' });
    await expect(open(b, 'b1')).rejects.toMatchObject({ code: 'not-permitted' });
    await expect(invoke('prefetch:start', { requestId: 'p1', nhsNumbers: [c] })).rejects.toMatchObject({
      code: 'not-permitted',
    });

    // Given again, the reason now given is the one recorded for A.
    const declared = await invoke<SessionInfo>('access:declare-reason', {
      reasonCode: 'care-coordination',
      breakGlass: false,
      nhsNumber: a,
    });
    expect(declared.patientReasons.map((r) => [r.nhsNumber, r.label])).toEqual([
      [a, 'Coordinating this patient’s care (discharge, care planning)'],
    ]);
    expect((await open(a, 'a3')).patient.nhsNumber).toBe(a);
    const events = await auditedEvents(
      (all) => all.filter((e) => subtypeOf(e) === 'read' && patientOf(e) === a).length >= 2,
    );
    const reads = events.filter((e) => subtypeOf(e) === 'read' && patientOf(e) === a);
    expect(reads.map(purposeOf)).toEqual([['TREAT'], ['COC']]);
  });

  it('a launch that cannot even be read ends the earlier reasons too', async () => {
    const { a } = await ehrLaunchedGp();
    const error = await app!.services.handleLaunchArgs(['uk.nhs.wessexcarerecords://launch?launch=abc']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((await invoke<AppState>('app:get-state', {})).session?.patientReasons).toEqual([]);
    await expect(open(a, 'a1')).rejects.toMatchObject({ code: 'not-permitted' });
  });
});
