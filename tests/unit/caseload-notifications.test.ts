// Desktop notifications of caseload updates: what a passer-by could read on the screen. Electron's Notification
// and powerMonitor are the only things mocked (the binary is not available on build machines).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseloadEvent } from '../../common/caseload-events';

const electron = vi.hoisted(() => {
  const shown: {
    options: { title: string; body: string };
    handlers: Map<string, () => void>;
    closed?: boolean;
  }[] = [];
  const power = new Map<string, () => void>();
  class Notification {
    static isSupported = () => true;
    private readonly record: (typeof shown)[number];
    constructor(options: { title: string; body: string }) {
      this.record = { options, handlers: new Map() };
    }
    on(name: string, fn: () => void) {
      this.record.handlers.set(name, fn);
      return this;
    }
    show() {
      shown.push(this.record);
    }
    /** Electron's close(): off the screen and out of the notification centre. */
    close() {
      this.record.closed = true;
    }
  }
  return {
    shown,
    power,
    module: {
      Notification,
      powerMonitor: { on: (name: string, fn: () => void) => power.set(name, fn) },
    },
  };
});
vi.mock('electron', () => electron.module);

const { electronNotifications, MOST_NOTIFICATIONS_HELD } = await import('../../main/shell/notifications');
const { CaseloadNotifier, caseloadNotificationText, initialsOf } =
  await import('../../main/services/notifications');

function event(change: Partial<CaseloadEvent> = {}): CaseloadEvent {
  return {
    id: 'dcr|Encounter/1|1',
    sourceId: 'dcr',
    sourceName: 'Dorset Care Record',
    nhsNumber: '9994625845',
    patientName: 'Jane Alice Smith',
    kind: 'admitted',
    at: '2026-11-30T09:00:00Z',
    receivedAt: '2026-11-30T09:00:01Z',
    where: 'Dorset County Hospital',
    ...change,
  };
}

beforeEach(() => {
  electron.shown.length = 0;
  electron.power.clear();
});

describe('what a caseload notification says', () => {
  it('gives initials and what happened, never the full name, by default', () => {
    const text = caseloadNotificationText([event()], 'initials', false);
    expect(text.body).toBe('J.S. admitted to Dorset County Hospital');
    expect(`${text.title} ${text.body}`).not.toMatch(/Jane|Smith|9994625845/);
  });

  it('takes initials from "FAMILY, Given" too, and from names in any script', () => {
    expect(initialsOf('SMITH, Jane')).toBe('J.S.');
    expect(initialsOf('LEGG, David John (Mr)')).toBe('D.L.');
    expect(initialsOf('Dr Jane Smith')).toBe('J.S.');
    expect(initialsOf('Łucja Żak')).toBe('Ł.Ż.');
    expect(initialsOf('  ')).toBeUndefined();
  });

  it('says only the count while the viewer or the computer is locked', () => {
    const text = caseloadNotificationText([event()], 'initials', true);
    expect(text.body).toBe('1 caseload update');
    expect(text.body).not.toMatch(/J\.S\.|Dorset County/);
  });

  it('follows the policy: a count, or nothing but "Caseload update"', () => {
    expect(caseloadNotificationText([event(), event({ id: 'x' })], 'count', false).body).toBe(
      '2 caseload updates',
    );
    expect(caseloadNotificationText([event()], 'none', false).body).toBe('Caseload update');
  });

  it('gives no initials for activity whose details are withheld, nor a letter’s title', () => {
    expect(caseloadNotificationText([event({ kind: 'new-activity' })], 'initials', false).body).toBe(
      '1 caseload update',
    );
    const letter = caseloadNotificationText(
      [event({ kind: 'new-letter', title: 'Sexual health clinic letter' })],
      'initials',
      false,
    );
    expect(letter.body).toBe('New letter for J.S.');
  });

  it('keeps a hostile place name to one plain line', () => {
    const text = caseloadNotificationText(
      [event({ where: `Ward\u202e 7\n${'x'.repeat(300)}` })],
      'initials',
      false,
    );
    expect(text.body).not.toMatch(/[\u202e\n]/);
    expect(text.body.length).toBeLessThan(120);
  });
});

describe('notifications through Electron', () => {
  it('shows updates arriving together as one, and a click brings the window forward on the caseload', () => {
    const win = {
      isDestroyed: () => false,
      isMinimized: () => true,
      restore: vi.fn(),
      show: vi.fn(),
      focus: vi.fn(),
    };
    const opened = vi.fn();
    const notifier = new CaseloadNotifier({
      desktop: electronNotifications(() => win as never),
      detail: 'initials',
      sessionLocked: () => false,
      onOpen: opened,
    });
    notifier.add(event());
    notifier.flush();
    expect(electron.shown.map((n) => n.options.body)).toEqual(['J.S. admitted to Dorset County Hospital']);

    notifier.add(event({ id: 'a', kind: 'discharged' }));
    notifier.add(event({ id: 'b', kind: 'ed-arrival' }));
    notifier.flush();
    expect(electron.shown[1]!.options.body).toBe('2 caseload updates');

    electron.shown[0]!.handlers.get('click')!();
    expect(win.restore).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it('holds only the newest notifications through a long unlocked day, and still withdraws every one it holds', () => {
    electron.shown.length = 0;
    const desktop = electronNotifications(() => undefined);
    for (let i = 0; i < MOST_NOTIFICATIONS_HELD + 10; i++)
      desktop.show({ title: 'Caseload', body: `update ${i}` }, () => undefined);
    expect(electron.shown.filter((n) => n.closed).map((n) => n.options.body)).toEqual(
      Array.from({ length: 10 }, (_, i) => `update ${i}`),
    );
    desktop.withdrawAll();
    expect(electron.shown.every((n) => n.closed)).toBe(true);
  });

  it('takes every notification out of the notification centre when the screen or the viewer locks', () => {
    const desktop = electronNotifications(() => undefined);
    const notifier = new CaseloadNotifier({
      desktop,
      detail: 'initials',
      sessionLocked: () => false,
      onOpen: () => undefined,
    });
    notifier.add(event());
    notifier.flush();
    // Off the screen by itself (into the notification centre), still readable there.
    electron.shown[0]!.handlers.get('close')?.();
    notifier.add(event({ id: 'd' }));
    notifier.flush();
    electron.power.get('lock-screen')!();
    expect(electron.shown.map((n) => n.closed)).toEqual([true, true]);

    electron.power.get('unlock-screen')!();
    notifier.add(event({ id: 'e' }));
    notifier.flush();
    notifier.withdraw();
    expect(electron.shown.map((n) => n.closed)).toEqual([true, true, true]);
  });

  it('says only the count while the operating system reports the screen locked', () => {
    const notifier = new CaseloadNotifier({
      desktop: electronNotifications(() => undefined),
      detail: 'initials',
      sessionLocked: () => false,
      onOpen: () => undefined,
    });
    electron.power.get('lock-screen')!();
    notifier.add(event());
    notifier.flush();
    electron.power.get('unlock-screen')!();
    notifier.add(event({ id: 'c' }));
    notifier.flush();
    expect(electron.shown.map((n) => n.options.body)).toEqual([
      '1 caseload update',
      'J.S. admitted to Dorset County Hospital',
    ]);
  });
});
