// The benchmark patient: only generated on request, ≥ 20,000 resources, fully served and pageable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { findPatientId, search, searchAll } from './sandbox-helpers';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ includeLargePatient: true, requireAuth: false });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('large patient', () => {
  it('holds at least 20,000 resources across DCR and CHIE', () => {
    const large = sandbox.patient('large');
    expect(large.dcr.length + large.chie.length).toBeGreaterThanOrEqual(20_000);
    expect(large.dcr.length).toBeGreaterThan(5_000);
    expect(large.chie.length).toBeGreaterThan(5_000);
  });

  it('serves every resource: DCR by per-type search, CHIE by paged $everything', async () => {
    const large = sandbox.patient('large');
    const dcrId = await findPatientId(sandbox.urls.dcr, large.nhsNumber);
    const obs = await searchAll(`${sandbox.urls.dcr}/Observation?patient=Patient/${dcrId}&_count=1000`);
    expect(obs.resources.length).toBe(large.dcr.filter((r) => r.resourceType === 'Observation').length);

    const chieId = await findPatientId(sandbox.urls.chie, large.nhsNumber);
    const everything = await searchAll(`${sandbox.urls.chie}/Patient/${chieId}/$everything?_count=1000`);
    const expected = large.chie.filter((r) => !['Organization', 'Binary'].includes(r.resourceType)).length;
    expect(everything.resources.length).toBe(expected);
    expect(new Set(everything.resources.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(expected);
  });

  it('does not disturb the small patients', async () => {
    const p = sandbox.patient('cross-border');
    const id = await findPatientId(sandbox.urls.dcr, p.nhsNumber);
    const bundle = await search(`${sandbox.urls.dcr}/Observation?patient=Patient/${id}`);
    expect(bundle.total).toBe(p.dcr.filter((r) => r.resourceType === 'Observation').length);
  });
});
