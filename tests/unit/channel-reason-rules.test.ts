// The reason-for-access rule per channel: every channel that shows a patient's data names the patient, and the
// guard checks the reason for that patient (not "some reason in this session").
import { describe, expect, it } from 'vitest';
import { CHANNEL_RULES, guarded, type Requirement } from '../../main/services/features/channel-rules';
import type { BridgeHandlers } from '../../main/services/bridge/dispatch';
import type { ClinicalSession } from '../../main/services/composition/clinical-session';
import type { SessionFeature } from '../../main/services/features/session';
import { bridgeChannels, bridgeRequestSchemas } from '../../preload/contract';

const patientChannels = bridgeChannels.filter((c) => CHANNEL_RULES[c].requires === 'reason');

describe('channels that need a reason for access', () => {
  it('include every record, document and handover channel', () => {
    const shown = bridgeChannels.filter((c) => /^(record|document|handover):/.test(c));
    expect(patientChannels.sort()).toEqual(shown.sort());
  });

  it('each names the patient in a required NHS number, so the reason checked is that patient’s', () => {
    for (const channel of patientChannels) {
      const shape = (bridgeRequestSchemas[channel] as unknown as { shape: Record<string, unknown> }).shape;
      const nhsNumber = shape.nhsNumber as { safeParse(v: unknown): { success: boolean } } | undefined;
      expect(nhsNumber, channel).toBeDefined();
      expect(nhsNumber!.safeParse(undefined).success, channel).toBe(false);
    }
  });

  it('the guard checks the requirement for the NHS number the request names, before the handler runs', async () => {
    const checks: [Requirement, string | undefined][] = [];
    const ran: string[] = [];
    const handlers = guarded(
      {
        'record:open': async () => void ran.push('record:open'),
        'prefetch:start': async () => void ran.push('prefetch:start'),
      } as unknown as BridgeHandlers,
      sessionsThat({
        check: (requirement, nhsNumber) => {
          checks.push([requirement, nhsNumber]);
          if (nhsNumber === '9990000018') throw new Error('no reason for this patient');
        },
      }),
    );
    await handlers['record:open']({ nhsNumber: '9990010005', requestId: 'a' }, {});
    await expect(handlers['record:open']({ nhsNumber: '9990000018', requestId: 'b' }, {})).rejects.toThrow(
      'no reason for this patient',
    );
    await handlers['prefetch:start']({ requestId: 'c', nhsNumbers: ['9990000018'] }, {});
    expect(checks).toEqual([
      ['reason', '9990010005'],
      ['reason', '9990000018'],
      ['caseload-reason', undefined],
    ]);
    expect(ran).toEqual(['record:open', 'prefetch:start']);
  });

  it('refuses an answer made while the session locked or ended, once the handler has run', async () => {
    let showing = true;
    const ran: string[] = [];
    const handlers = guarded(
      {
        'patient:search': async () => {
          ran.push('patient:search');
          showing = false;
          return { matches: ['a patient'] };
        },
        'app:get-state': async () => ({ state: 'no patient data' }),
      } as unknown as BridgeHandlers,
      sessionsThat({
        assertStillShows: () => {
          if (!showing) throw new Error('The viewer locked');
        },
      }),
    );
    await expect(handlers['patient:search']({ family: 'Ashdown' } as never, {})).rejects.toThrow(
      'The viewer locked',
    );
    expect(ran).toEqual(['patient:search']);
    // A channel that needs no session answers whatever the session did.
    await expect(handlers['app:get-state']({}, {})).resolves.toEqual({ state: 'no patient data' });
  });
});

/** The guard's view of the sessions: one current session, shown until a test says otherwise. */
function sessionsThat(
  overrides: Partial<Pick<SessionFeature, 'check' | 'assertStillShows'>>,
): Pick<SessionFeature, 'check' | 'current' | 'assertStillShows'> {
  const session = {} as ClinicalSession;
  return { check: () => undefined, current: () => session, assertStillShows: () => undefined, ...overrides };
}
