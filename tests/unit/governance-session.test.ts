// Reason for access, break-glass and the inactivity lock.
import { describe, expect, it } from 'vitest';
import {
  AccessReasonRequiredError,
  AccessReasonState,
  ACCESS_REASONS,
  InactivityLock,
  InvalidAccessReasonError,
  SessionLockedError,
  type LockClock,
} from '../../main/services/governance';
import { dispatchBridgeRequest, type BridgeHandlers } from '../../main/services/bridge/dispatch';

const B = '9990010005';
const C = '9990000018';

describe('reason for access, per patient', () => {
  it('a standalone launch without a reason is refused with a typed error naming the patient', () => {
    const state = new AccessReasonState('standalone');
    expect(() => state.requireAccess(B)).toThrow(AccessReasonRequiredError);
    expect(() => state.requireAccess(B)).toThrow(/999 001 0005/);
  });

  it('the refusal reaches the renderer as not-permitted, in plain words', async () => {
    const state = new AccessReasonState('standalone');
    const handlers = {
      'record:open': async () => {
        state.requireAccess(B);
        throw new Error('unreachable');
      },
    } as unknown as BridgeHandlers;
    const outcome = await dispatchBridgeRequest(handlers, 'record:open', {
      nhsNumber: B,
      requestId: 'r1',
    });
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'not-permitted', message: expect.stringMatching(/reason/) },
    });
  });

  it('an EPR launch carries its legitimate relationship for the patient in context only', () => {
    const state = new AccessReasonState('ehr', C);
    expect(state.requireAccess('999 000 0018').purposeOfUse).toEqual(['TREAT']);
    expect(() => state.requireAccess(B)).toThrow(AccessReasonRequiredError);
    expect(() => new AccessReasonState('ehr').requireAccess(C)).toThrow(AccessReasonRequiredError);
  });

  it('accepts a listed reason for one patient and rejects an unknown one', () => {
    const state = new AccessReasonState('standalone');
    expect(ACCESS_REASONS.map((r) => r.code)).toEqual([
      'direct-care',
      'emergency-care',
      'referral',
      'care-coordination',
    ]);
    expect(() => state.declare({ reasonCode: 'curiosity', breakGlass: false, nhsNumber: B })).toThrow(
      InvalidAccessReasonError,
    );
    expect(
      state.declare({ reasonCode: 'emergency-care', breakGlass: false, nhsNumber: B }).purposeOfUse,
    ).toEqual(['ETREAT']);
    expect(state.requireAccess(B).reasonCode).toBe('emergency-care');
    expect(state.purposeOfUseFor(B)).toEqual(['ETREAT']);
    expect(() => state.requireAccess(C)).toThrow(AccessReasonRequiredError);
    expect(state.purposeOfUseFor(C)).toBeUndefined();
  });

  it('break-glass is for one patient, needs a free-text reason, is kept (cleaned) and stays for them', () => {
    const state = new AccessReasonState('standalone', undefined, () => new Date('2025-03-01T10:00:00Z'));
    expect(() => state.declare({ reasonCode: 'break-glass', breakGlass: true, nhsNumber: B })).toThrow(
      /reason in your own words/,
    );
    expect(() =>
      state.declare({ reasonCode: 'break-glass', breakGlass: true, freeText: '  \n ', nhsNumber: B }),
    ).toThrow(InvalidAccessReasonError);
    expect(() =>
      state.declare({ reasonCode: 'break-glass', breakGlass: true, freeText: 'Collapsed, no GP record' }),
    ).toThrow(/for one patient/);
    const declared = state.declare({
      reasonCode: 'break-glass',
      breakGlass: true,
      freeText: 'Patient collapsed\u0007 at home,\u202e no GP record available',
      nhsNumber: B,
    });
    expect(declared).toMatchObject({
      breakGlass: true,
      freeText: 'Patient collapsed at home, no GP record available',
      purposeOfUse: ['ETREAT', 'BTG'],
      at: '2025-03-01T10:00:00.000Z',
    });
    state.declare({ reasonCode: 'direct-care', breakGlass: false, nhsNumber: B });
    expect(state.breakGlassFor(B)?.freeText).toBe('Patient collapsed at home, no GP record available');
    expect(state.breakGlassFor(C)).toBeUndefined();
    expect(() => state.requireAccess(C)).toThrow(AccessReasonRequiredError);
  });

  it('a caseload reason is taken by one prefetch and becomes each listed patient’s own', () => {
    const state = new AccessReasonState('standalone');
    expect(() => state.requireCaseloadReason()).toThrow(AccessReasonRequiredError);
    state.declare({ reasonCode: 'direct-care', breakGlass: false });
    expect(() => state.requireAccess(B)).toThrow(AccessReasonRequiredError);
    const reason = state.takeCaseloadReason();
    expect(() => state.requireCaseloadReason()).toThrow(AccessReasonRequiredError);
    state.declare({
      reasonCode: 'break-glass',
      breakGlass: true,
      freeText: 'Unresponsive at home visit',
      nhsNumber: C,
    });
    state.applyCaseloadReason(B, reason);
    state.applyCaseloadReason(C, reason);
    expect(state.requireAccess(B).reasonCode).toBe('direct-care');
    expect(state.requireAccess(C).reasonCode).toBe('break-glass');
  });
});

function fakeClock(): LockClock & { advance(ms: number): void } {
  let now = 1_000_000;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 0;
  return {
    now: () => now,
    setTimer(fn, ms) {
      const id = ++nextId;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer(handle) {
      timers = timers.filter((t) => t.id !== handle);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = target;
    },
  };
}

describe('inactivity lock', () => {
  it('locks after the policy minutes without activity, hides the record until unlock', () => {
    const clock = fakeClock();
    let locks = 0;
    const lock = new InactivityLock({ minutes: 15, clock, onLock: () => locks++ });
    clock.advance(14 * 60_000);
    lock.activity();
    clock.advance(14 * 60_000);
    expect(lock.isLocked()).toBe(false);
    expect(() => lock.assertUnlocked()).not.toThrow();
    clock.advance(60_000);
    expect(lock.isLocked()).toBe(true);
    expect(locks).toBe(1);
    expect(() => lock.assertUnlocked()).toThrow(SessionLockedError);
    lock.activity(); // activity does not unlock
    expect(lock.isLocked()).toBe(true);
    lock.unlock();
    expect(lock.isLocked()).toBe(false);
    clock.advance(15 * 60_000);
    expect(locks).toBe(2);
  });

  it('defaults to 15 minutes and counts time the machine slept even if no timer fired', () => {
    let now = 0;
    const lock = new InactivityLock({
      clock: { now: () => now, setTimer: () => 0, clearTimer: () => undefined },
    });
    now = 15 * 60_000 - 1;
    expect(lock.isLocked()).toBe(false);
    now = 15 * 60_000;
    expect(lock.isLocked()).toBe(true);
  });

  it('a manual lock (e.g. screen lock) locks at once', () => {
    const lock = new InactivityLock({ clock: fakeClock() });
    lock.lock();
    expect(() => lock.assertUnlocked()).toThrow(/Sign in again/);
  });
});
