// What each source's status line counts: the entries it holds in the record, each once, and its pointers.
import { describe, expect, it } from 'vitest';
import { recountSources, type Provenance, type RecordItem, type SourceStatus } from '../../common/record';

const status = (id: string): SourceStatus => ({
  id,
  name: id.toUpperCase(),
  kind: 'regional',
  baseUrl: `https://${id}.example/fhir`,
  state: 'complete',
  resourceCount: 999,
  warnings: [],
});

const copy = (sourceId: string, resourceId: string): Provenance => ({
  sourceId,
  sourceName: sourceId.toUpperCase(),
  server: `https://${sourceId}.example/fhir`,
  resourceType: 'AllergyIntolerance',
  resourceId,
});

const item = (key: string, provenance: Provenance[]) =>
  ({ key, section: 'allergies', resourceType: 'AllergyIntolerance', display: key, provenance }) as RecordItem;

describe('source counts', () => {
  it('counts an entry once for each source holding a copy, however many copies that source sent', () => {
    const items = [
      item('penicillin', [copy('dcr', 'a1'), copy('chie', 'b1')]),
      item('latex', [copy('dcr', 'a2'), copy('dcr', 'a3'), copy('chie', 'b2')]),
      item('nuts', [copy('chie', 'b3')]),
    ];
    const pointer = { sourceId: 'locator' } as Parameters<typeof recountSources>[2][number];
    const counted = recountSources([status('dcr'), status('chie'), status('locator')], items, [pointer]);
    expect(counted.map((s) => [s.id, s.resourceCount])).toEqual([
      ['dcr', 2],
      ['chie', 3],
      ['locator', 1],
    ]);
  });
});
