// Caseload prefetch against the real sandbox, engine, governance and an encrypted cache in a temp dir.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Resource } from '../../common/fhir';
import { isValidNhsNumber, NHS_NUMBER_SYSTEM } from '../../common/nhs-number';
import { noTokens } from '../../main/services/auth/token-provider';
import { SourceClient } from '../../main/services/http';
import { openOfflineCache, type OfflineCache } from '../../main/services/cache';
import { loadSensitiveCodes } from '../../main/services/governance';
import { RecordReader } from '../../main/services/offline';
import {
  caseloadFromAppointments,
  caseloadFromList,
  NOT_KNOWN_MESSAGE,
  prefetchRecords,
  type PrefetchReport,
} from '../../main/services/prefetch';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

let sandbox: RunningSandbox;
let env: CacheTestEnv;
let cache: OfflineCache;

beforeAll(async () => {
  sandbox = await startSandbox({ requireAuth: false });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  env = cacheTestEnv();
  cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
});
afterEach(async () => {
  cache.close();
  for (const s of [sandbox.servers.dcr, sandbox.servers.chie, sandbox.servers.locator])
    await s.setFault(undefined);
  await env.cleanup();
});

/** The record reader as prefetch uses it: every patient opened live and kept in the shared saved copy. */
function opener() {
  const reader = new RecordReader({
    sources: [
      { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
      { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
    ],
    tokens: noTokens,
    cache,
    engine: { maxRetries: 0, deadlineMs: 10_000 },
  });
  return {
    open: (nhsNumber: string, options: { pin?: boolean }) => {
      const patient = sandbox.patients.find((p) => p.nhsNumber === nhsNumber);
      return reader.open({
        requestId: `prefetch-${nhsNumber}`,
        identity: {
          nhsNumber,
          mayQueryRegionalSources: true,
          ...(patient ? { eprPatient: patient.epr } : {}),
        },
        governance: {
          access: 'everything',
          sensitive: loadSensitiveCodes(),
          breakGlassOverridesDissent: false,
        },
        ...(options.pin !== undefined ? { pin: options.pin } : {}),
      });
    },
  };
}

const nhs = (key: string) => sandbox.patient(key).nhsNumber;

describe('caseload lists', () => {
  it('reads a caseload FHIR List and the day’s Appointments from the configured source', async () => {
    const patientId = (key: string) =>
      sandbox.patient(key).dcr.find((r) => r.resourceType === 'Patient')!.id!;
    await sandbox.servers.dcr.updateResource({
      resourceType: 'List',
      id: 'caseload-team-a',
      status: 'current',
      mode: 'working',
      entry: [
        { item: { reference: `Patient/${patientId('frail')}` } },
        { item: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhs('cross-border') } } },
        { item: { reference: 'https://elsewhere.example/fhir/Patient/1' } },
      ],
    } as Resource);
    const dcr = new SourceClient({ name: 'DCR', baseUrl: sandbox.urls.dcr });
    const list = await caseloadFromList(dcr, 'caseload-team-a');
    expect(list.nhsNumbers).toEqual([nhs('frail'), nhs('cross-border')]);
    expect(list.problems).toEqual([
      { line: 3, message: 'The patient is on another server, which is not followed.' },
    ]);

    await sandbox.servers.dcr.updateResource({
      resourceType: 'Appointment',
      id: 'visit-1',
      status: 'booked',
      start: '2024-06-01T10:00:00Z',
      end: '2024-06-01T10:30:00Z',
      participant: [
        { actor: { reference: `Patient/${patientId('frail')}` }, status: 'accepted' },
        { actor: { reference: 'Practitioner/nurse-1' }, status: 'accepted' },
      ],
    } as Resource);
    const visits = await caseloadFromAppointments(dcr, 'Practitioner/nurse-1', '2024-06-01');
    await dcr.close();
    expect(visits).toEqual({ nhsNumbers: [nhs('frail')], problems: [], warnings: [] });
  });
});

describe('prefetch', () => {
  it('saves each patient pinned, reports progress per patient, and lists an invalid NHS number', async () => {
    const progress: PrefetchReport[] = [];
    const report = await prefetchRecords({
      nhsNumbers: [nhs('frail'), '9434765918', nhs('cross-border')],
      opener: opener(),
      concurrency: 2,
      onProgress: (r) => progress.push(r),
    });
    expect(report.finished).toBe(true);
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3]);
    const byNhs = Object.fromEntries(report.results.map((r) => [r.nhsNumber, r]));
    expect(byNhs[nhs('frail')]?.ok).toBe(true);
    expect(byNhs[nhs('cross-border')]?.ok).toBe(true);
    expect(byNhs['9434765918']).toEqual({
      nhsNumber: '9434765918',
      ok: false,
      message: 'Not a valid NHS number.',
    });
    const cached = await cache.list();
    expect(cached.map((r) => r.nhsNumber).sort()).toEqual([nhs('frail'), nhs('cross-border')].sort());
    expect(cached.every((r) => r.pinned)).toBe(true);
  });

  it('lists server failures: a cached patient keeps its offline copy, an uncached one is not saved', async () => {
    await prefetchRecords({ nhsNumbers: [nhs('frail')], opener: opener() });
    for (const s of [sandbox.servers.dcr, sandbox.servers.chie]) await s.setFault('down');
    const report = await prefetchRecords({
      nhsNumbers: [nhs('frail'), nhs('cross-border')],
      opener: opener(),
    });
    const byNhs = Object.fromEntries(report.results.map((r) => [r.nhsNumber, r]));
    expect(byNhs[nhs('frail')]).toMatchObject({
      ok: false,
      message: expect.stringMatching(/offline copy from .* is kept/),
    });
    expect(byNhs[nhs('cross-border')]).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Not saved: /),
    });
    expect((await cache.list()).map((r) => r.nhsNumber)).toEqual([nhs('frail')]);
  });

  it('reports an NHS number no Wessex source knows as a failure and keeps nothing offline for it', async () => {
    const unknown = unusedNhsNumber();
    const report = await prefetchRecords({ nhsNumbers: [nhs('frail'), unknown], opener: opener() });
    const byNhs = Object.fromEntries(report.results.map((r) => [r.nhsNumber, r]));
    expect(byNhs[unknown]).toEqual({ nhsNumber: unknown, ok: false, message: NOT_KNOWN_MESSAGE });
    expect(NOT_KNOWN_MESSAGE).toBe('Not known to any Wessex source.');
    expect(byNhs[nhs('frail')]?.ok).toBe(true);
    expect((await cache.list()).map((r) => r.nhsNumber)).toEqual([nhs('frail')]);
    expect(await cache.meta(unknown)).toBeUndefined();
  });
});

/** A valid 999-range NHS number that none of the sandbox patients has. */
function unusedNhsNumber(): string {
  const taken = new Set(sandbox.patients.map((p) => p.nhsNumber));
  for (let n = 999_000_000; n < 999_999_999; n++) {
    const candidate = `${n}`.padStart(9, '0');
    for (let check = 0; check <= 9; check++) {
      const number = `${candidate}${check}`;
      if (isValidNhsNumber(number) && !taken.has(number)) return number;
    }
  }
  throw new Error('no unused NHS number');
}
