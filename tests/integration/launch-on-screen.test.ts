// What the clinician is left with when the EPR launches the viewer for another patient while one is open: the
// previous patient leaves at once, a failed launch says why, and a patient without an NHS number is named
// with the reason Wessex records cannot be matched — never the previous patient.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppState, BridgeEvents } from '../../preload/contract';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;
const launchEvents: BridgeEvents['launch:status'][] = [];
beforeAll(async () => {
  app = await startTestApp();
  app.services.onEvent((name, payload) => {
    if (name === 'launch:status') launchEvents.push(payload as BridgeEvents['launch:status']);
  });
}, 60_000);
afterAll(async () => app?.close());

const state = async (): Promise<AppState> => {
  const o = await dispatchBridgeRequest(app.services.handlers, 'app:get-state', {});
  if (!o.ok) throw new Error(o.error.message);
  return o.value as AppState;
};

it('a failed launch takes the previous patient off screen and says why', async () => {
  const a = app.services.sandbox!.patient('cross-border');
  await app.services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: a.nhsNumber });
  expect((await state()).session?.patientNhsNumber).toBe(a.nhsNumber);
  const launch = new URL(app.services.sandbox!.epr!.createEhrLaunch({ patientKey: 'frail', userId: 'gp' }));
  launch.searchParams.set('launch', 'expired-launch-context');
  launchEvents.length = 0;
  const error = await app.services.handleLaunchArgs([launch.href]).catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  expect(launchEvents[0]).toEqual({ state: 'opening' });
  const after = await state();
  expect(after.launch).toEqual({ state: 'failed', message: (error as Error).message });
  expect(launchEvents.at(-1)).toEqual(after.launch);
  expect(after.session?.patientNhsNumber).toBeUndefined();
});

it('a launched patient without an NHS number is named, and nothing of the previous patient stays', async () => {
  const a = app.services.sandbox!.patient('cross-border');
  await app.services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: a.nhsNumber });
  const frail = app.services.sandbox!.patient('frail');
  frail.epr.identifier = [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-72-6842' }];
  const before = await state();
  await app.services.handleLaunchArgs([
    app.services.sandbox!.epr!.createEhrLaunch({ patientKey: 'frail', userId: 'gp' }),
  ]);
  const after = await state();
  expect(after.session?.id).not.toBe(before.session?.id);
  expect(after.launch).toBeUndefined();
  expect(after.session?.patientNhsNumber).toBeUndefined();
  expect(after.session?.patientReasons).toEqual([]);
  const without = after.session?.eprPatientWithoutNhsNumber;
  expect(without?.name).toBeTruthy();
  expect(without?.message).toMatch(/without an NHS number.*cannot be matched.*Find a patient/s);
  if (frail.epr.birthDate) expect(without?.birthDate).toBe(frail.epr.birthDate);
});
