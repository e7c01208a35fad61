// A record whose session locks, or ends, while its sources are still answering: nothing more of it reaches the
// screen, neither the rest of its progress nor the answer, against the real services and sandbox.
import { afterEach, expect, it } from 'vitest';
import type { RecordEvent } from '../../common/record';
import { dispatchBridgeRequest, type BridgeOutcome } from '../../main/services/bridge/dispatch';
import { startTestApp, type TestApp } from '../support/app';
import { ManualLockClock } from '../support/manual-lock-clock';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Opens the cross-border record, doing `midway` when its first progress event reaches the screen. */
async function openWith(
  midway: (started: TestApp) => void | Promise<void>,
): Promise<{ outcome: BridgeOutcome; shown: RecordEvent[] }> {
  const started = app!;
  const patient = started.services.sandbox!.patient('cross-border');
  const shown: RecordEvent[] = [];
  let done: Promise<void> | undefined;
  started.services.onEvent((name, payload) => {
    if (name !== 'record:event' || (payload as RecordEvent).requestId !== 'midway') return;
    shown.push(payload as RecordEvent);
    done ??= Promise.resolve(midway(started));
  });
  const outcome = await dispatchBridgeRequest(started.services.handlers, 'record:open', {
    nhsNumber: patient.nhsNumber,
    requestId: 'midway',
  });
  // Progress a turn behind the answer would have left by now.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await done;
  return { outcome, shown };
}

it('locking while the sources answer stops the progress at once and the record is not sent', async () => {
  const lockClock = new ManualLockClock();
  app = await startTestApp({ lockClock });
  if (!app.services.policy.ok) throw new Error('no policy');
  const idleMs = app.services.policy.policy.inactivityLockMinutes * 60_000;
  await app.services.openSandboxSession({
    role: 'general-practitioner',
    patientNhsNumber: app.services.sandbox!.patient('cross-border').nhsNumber,
  });

  const { outcome, shown } = await openWith(() => lockClock.advance(idleMs + 1_000));

  expect(outcome).toMatchObject({ ok: false, error: { code: 'locked' } });
  // Only the event during which it locked.
  expect(shown).toHaveLength(1);
});

it('signing out while the sources answer: the record is not sent, and says why', async () => {
  app = await startTestApp();
  await app.services.openSandboxSession({
    role: 'general-practitioner',
    patientNhsNumber: app.services.sandbox!.patient('cross-border').nhsNumber,
  });

  const { outcome, shown } = await openWith((started) =>
    started.services.handlers['session:sign-out']({}, {}).then(() => undefined),
  );

  expect(outcome).toMatchObject({ ok: false, error: { code: 'not-permitted' } });
  expect(outcome.ok ? '' : outcome.error.message).toMatch(/has ended/);
  // Only the event during which the sign-out began: not those while its audit was still going.
  expect(shown).toHaveLength(1);
});

it('locking during a caseload prefetch keeps the patients it names off the screen, and its report too', async () => {
  const lockClock = new ManualLockClock();
  app = await startTestApp({ lockClock });
  if (!app.services.policy.ok) throw new Error('no policy');
  const idleMs = app.services.policy.policy.inactivityLockMinutes * 60_000;
  await app.services.openSandboxSession({ role: 'nurse' });
  const { handlers } = app.services;
  await dispatchBridgeRequest(handlers, 'access:declare-reason', {
    reasonCode: 'direct-care',
    breakGlass: false,
  });
  const progress: unknown[] = [];
  app.services.onEvent((name, payload) => {
    if (name !== 'prefetch:progress') return;
    progress.push(payload);
    if (progress.length === 1) lockClock.advance(idleMs + 1_000);
  });

  const outcome = await dispatchBridgeRequest(handlers, 'prefetch:start', {
    requestId: 'locking',
    nhsNumbers: ['frail', 'cross-border', 'deceased'].map(
      (key) => app!.services.sandbox!.patient(key).nhsNumber,
    ),
  });

  expect(outcome).toMatchObject({ ok: false, error: { code: 'locked' } });
  expect(progress).toHaveLength(1);
});
