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

describe('reason for access', () => {
  it('a standalone launch without a reason is refused with a typed error', () => {
    const state = new AccessReasonState('standalone');
    expect(state.required).toBe(true);
    expect(() => state.requireAccess()).toThrow(AccessReasonRequiredError);
  });

  it('the refusal reaches the renderer as not-permitted, in plain words', async () => {
    const state = new AccessReasonState('standalone');
    const handlers = {
      'record:open': async () => {
        state.requireAccess();
        throw new Error('unreachable');
      },
    } as unknown as BridgeHandlers;
    const outcome = await dispatchBridgeRequest(handlers, 'record:open', {
      nhsNumber: '9990010005',
      requestId: 'r1',
    });
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'not-permitted', message: expect.stringMatching(/reason/) },
    });
  });

  it('an EPR launch carries its legitimate relationship', () => {
    const state = new AccessReasonState('ehr');
    expect(state.requireAccess().purposeOfUse).toEqual(['TREAT']);
  });

  it('accepts a listed reason and rejects an unknown one', () => {
    const state = new AccessReasonState('standalone');
    expect(ACCESS_REASONS.map((r) => r.code)).toEqual([
      'direct-care',
      'emergency-care',
      'referral',
      'care-coordination',
    ]);
    expect(() => state.declare({ reasonCode: 'curiosity', breakGlass: false })).toThrow(
      InvalidAccessReasonError,
    );
    expect(state.declare({ reasonCode: 'emergency-care', breakGlass: false }).purposeOfUse).toEqual([
      'ETREAT',
    ]);
    expect(state.requireAccess().reasonCode).toBe('emergency-care');
  });

  it('break-glass needs a free-text reason, is kept (cleaned) and stays for the session', () => {
    const state = new AccessReasonState('standalone', () => new Date('2025-03-01T10:00:00Z'));
    expect(() => state.declare({ reasonCode: 'break-glass', breakGlass: true })).toThrow(
      /reason in your own words/,
    );
    expect(() => state.declare({ reasonCode: 'break-glass', breakGlass: true, freeText: '  \n ' })).toThrow(
      InvalidAccessReasonError,
    );
    const declared = state.declare({
      reasonCode: 'break-glass',
      breakGlass: true,
      freeText: 'Patient collapsed\u0007 at home,\u202e no GP record available',
    });
    expect(declared).toMatchObject({
      breakGlass: true,
      freeText: 'Patient collapsed at home, no GP record available',
      purposeOfUse: ['ETREAT', 'BTG'],
      at: '2025-03-01T10:00:00.000Z',
    });
    state.declare({ reasonCode: 'direct-care', breakGlass: false });
    expect(state.breakGlass?.freeText).toBe('Patient collapsed at home, no GP record available');
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
