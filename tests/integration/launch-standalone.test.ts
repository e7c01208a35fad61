// Standalone launch (a paramedic not in an EPR): sign in, then find the patient by NHS number + date of
// birth, with the reason for access handed to the audit hook before the patient is returned.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSandboxEpr, type SandboxEpr } from '../../sandbox/epr';
import { launchHeadless, LaunchError, type LaunchResult } from '../../main/services/launch';
import { removeRefreshTokens, testPatients, testSecretStore } from './launch-fixtures';

let epr: SandboxEpr;
let result: LaunchResult;
const { store, service } = testSecretStore();

beforeAll(async () => {
  epr = await startSandboxEpr({ patients: testPatients() });
  result = await launchHeadless(
    {
      allowedIssuers: [],
      sandboxIssuers: [epr.fhirBase],
      clientId: 'wessex-care-record',
      offlineAccess: () => true,
      secretStore: store,
    },
    (s) => s.beginStandaloneLaunch(),
  );
});
afterAll(async () => {
  await removeRefreshTokens(service, epr.fhirBase);
  await epr.close();
});

describe('standalone launch', () => {
  it('signs the paramedic in with user-level scopes and no patient yet', () => {
    expect(result.kind).toBe('standalone');
    expect(result.user).toMatchObject({ display: 'Sam Okafor', roleCode: 'paramedic' });
    expect(result.patient).toBeUndefined();
    expect(result.grantedScopes).toContain('user/*.rs');
  });

  it('finds the patient by NHS number and date of birth, recording the reason first', async () => {
    const { SmartLaunchService } = await import('../../main/services/launch');
    const service = new SmartLaunchService({
      allowedIssuers: [],
      sandboxIssuers: [epr.fhirBase],
      clientId: 'wessex-care-record',
      offlineAccess: () => true,
      secretStore: store,
      openExternal: async () => undefined,
    });
    const hook = vi.fn(async () => undefined);
    const patient = await service.findPatient(
      result,
      {
        nhsNumber: '999 000 0018',
        birthDate: '1941-03-07',
        reason: { code: 'direct-care', text: '999 call' },
      },
      hook,
    );
    expect(patient.name).toBe('Margaret Ashdown');
    expect(patient.nhs.formatted).toBe('999 000 0018');
    expect(hook).toHaveBeenCalledWith(
      { code: 'direct-care', text: '999 call' },
      expect.objectContaining({ id: 'epr-cross-border' }),
    );

    await expect(
      service.findPatient(result, {
        nhsNumber: '9990000018',
        birthDate: '1950-01-01',
        reason: { code: 'direct-care' },
      }),
    ).rejects.toThrow(/No patient with that NHS number and date of birth/);
  });

  it('refuses an NHS number that fails the check digit without searching', async () => {
    const { SmartLaunchService } = await import('../../main/services/launch');
    const service = new SmartLaunchService({
      allowedIssuers: [],
      sandboxIssuers: [epr.fhirBase],
      clientId: 'wessex-care-record',
      offlineAccess: () => true,
      secretStore: store,
      openExternal: async () => undefined,
    });
    const before = epr.requestLog.length;
    const error = await service
      .findPatient(result, { nhsNumber: '1234567890', reason: { code: 'direct-care' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as Error).message).toMatch(/not a valid NHS number/);
    expect(epr.requestLog.length).toBe(before);
  });
});
