// A progress step that fails while a record loads: a listener that throws (a window that cannot take an
// update), or a step's own governing and merging that throws. The fetch goes on, the other updates go on, the
// final record is delivered, and the screen never shows a section as complete with less than arrived.
// Real loopback HTTP, the same engine and record reader every read path uses.
import { describe, expect, it } from 'vitest';
import {
  CRITICAL_SECTIONS,
  type RecordEvent,
  type SectionEvent,
  type SourceStatus,
} from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { loadSensitiveCodes, type GovernOptions } from '../../main/services/governance';
import { RecordReader } from '../../main/services/offline';
import { fetchSnapshot } from '../../main/services/record';
import { shownSections } from '../support/shown-sections';
import { fhirSource, IDENTITY, NHS, routes, searchBundle, serverPerTest } from './hostile-fhir';

const serve = serverPerTest();
const PENICILLIN = 'Allergy to penicillin';

/** DCR holds the penicillin allergy; CHIE answers with no allergies (so only DCR's entry is ever shown). */
async function twoSources() {
  const server = await serve(
    routes(
      fhirSource('/dcr/fhir'),
      fhirSource('/chie/fhir', (_req, path) =>
        path === 'AllergyIntolerance' ? { kind: 'json', body: searchBundle([]) } : undefined,
      ),
    ),
  );
  return [
    { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` },
    { id: 'chie', name: 'CHIE', fhirBase: `${server.origin}/chie/fhir` },
  ];
}

const governance = (): GovernOptions => ({
  access: 'everything',
  sensitive: loadSensitiveCodes(),
  breakGlassOverridesDissent: false,
});

/** The turns in which a step's second delivery (medicines, problems) leaves. */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('the engine: a caller’s callback that throws', () => {
  it('a source-status listener that throws stops neither the other sources’ statuses nor the fetch', async () => {
    const sources = await twoSources();
    const told: SourceStatus[] = [];
    const failed: { step: string; sourceId?: string }[] = [];
    const snapshot = await fetchSnapshot({
      requestId: 'status-throws',
      identity: IDENTITY,
      sources,
      tokens: noTokens,
      onSource: (status) => {
        told.push(status);
        // The first update of each source fails (a listener that cannot take it).
        if (told.filter((s) => s.id === status.id).length === 1)
          throw new Error(`Render frame was disposed (${NHS})`);
      },
      onCallbackFailed: ({ step, sourceId }) => failed.push({ step, ...(sourceId ? { sourceId } : {}) }),
    });
    // Every source was still told it was pending, then how it ended.
    expect(told.map((s) => [s.id, s.state])).toEqual(
      expect.arrayContaining([
        ['dcr', 'pending'],
        ['chie', 'pending'],
        ['dcr', 'complete'],
        ['chie', 'complete'],
      ]),
    );
    for (const source of snapshot.sources) expect(source.status.state).toBe('complete');
    expect(snapshot.sources[0]!.resources.some((r) => r.resourceType === 'AllergyIntolerance')).toBe(true);
    // Reported for the log, by step and source only.
    expect(failed).toEqual(
      expect.arrayContaining([
        { step: 'source', sourceId: 'dcr' },
        { step: 'source', sourceId: 'chie' },
      ]),
    );
  });

  it('work on each page that throws (governance learning its causes) is not blamed on the source', async () => {
    const sources = await twoSources();
    const failed: string[] = [];
    const snapshot = await fetchSnapshot({
      requestId: 'page-work-throws',
      identity: IDENTITY,
      sources,
      tokens: noTokens,
      onResourcesRead: (resources) => {
        if (resources.some((r) => r.resourceType === 'AllergyIntolerance'))
          throw new RangeError('Maximum call stack size exceeded');
      },
      onCallbackFailed: ({ step }) => failed.push(step),
    });
    const [dcr] = snapshot.sources;
    expect(dcr!.status).toMatchObject({ state: 'complete' });
    expect(dcr!.status.message ?? '').not.toMatch(/call stack/);
    expect(dcr!.resources.filter((r) => r.resourceType === 'AllergyIntolerance')).toHaveLength(1);
    expect(failed).toContain('resources');
  });
});

describe('the record reader: progress to the screen', () => {
  it('a screen that missed one allergies update is never shown Allergies complete without the allergy that arrived', async () => {
    const skipped: unknown[] = [];
    const reader = new RecordReader({
      sources: await twoSources(),
      tokens: noTokens,
      onProgressSkipped: (s) => skipped.push(s),
    });
    const delivered: RecordEvent[] = [];
    let missed = false;
    const opened = await reader.open({
      requestId: 'missed-allergies',
      identity: IDENTITY,
      governance: governance(),
      emit: (event) => {
        // The window cannot take the first allergies update that carries entries.
        if (event.type === 'section' && event.section === 'allergies' && event.items?.length && !missed) {
          missed = true;
          throw new Error('Render frame was disposed');
        }
        delivered.push(event);
      },
    });
    await turns();
    expect(missed).toBe(true);
    // As the screen folds the events it was given, after each one: complete only with the allergy in it.
    for (let i = 1; i <= delivered.length; i++) {
      const allergies = shownSections(delivered.slice(0, i)).get('allergies');
      if (allergies?.completeness.state === 'complete')
        expect(allergies.items.map((item) => item.display)).toContain(PENICILLIN);
    }
    const last = shownSections(delivered).get('allergies')!;
    expect(last.items.map((item) => item.display)).toContain(PENICILLIN);
    // The final record is whole, and complete because it is.
    expect(opened.record.completeness.allergies.state).toBe('complete');
    expect(opened.record.items.map((i) => i.display)).toContain(PENICILLIN);
    expect(skipped).toHaveLength(1);
  });

  it('a listener that throws on every source status neither fails the open nor keeps the sections off the screen', async () => {
    const reader = new RecordReader({ sources: await twoSources(), tokens: noTokens });
    const delivered: RecordEvent[] = [];
    const opened = await reader.open({
      requestId: 'statuses-throw',
      identity: IDENTITY,
      governance: governance(),
      emit: (event) => {
        if (event.type === 'source') throw new Error('Render frame was disposed');
        delivered.push(event);
      },
    });
    await turns();
    expect(opened.record.sources.map((s) => [s.id, s.state])).toEqual([
      ['dcr', 'complete'],
      ['chie', 'complete'],
    ]);
    const allergies = shownSections(delivered).get('allergies')!;
    expect(allergies.items.map((i) => i.display)).toContain(PENICILLIN);
  });

  it('a progress step whose governing throws: the sections say they may be incomplete, the record follows whole, and the step is reported without patient data', async () => {
    const skipped: { sourceId?: string; error: unknown }[] = [];
    const reader = new RecordReader({
      sources: await twoSources(),
      tokens: noTokens,
      onProgressSkipped: (s) => skipped.push(s),
    });
    const delivered: RecordEvent[] = [];
    let reads = 0;
    const flaky: GovernOptions = {
      ...governance(),
      // The first governance pass (the first progress step's) meets something it cannot handle.
      get now() {
        if (reads++ === 0) throw new RangeError(`Maximum call stack size exceeded (Legg, ${NHS})`);
        return undefined;
      },
    };
    const opened = await reader.open({
      requestId: 'step-throws',
      identity: IDENTITY,
      governance: flaky,
      emit: (event) => delivered.push(event),
    });
    await turns();
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).not.toHaveProperty('sourceId');
    // Right after the step that failed, every urgent-care section says what the screen lacks: never complete.
    const sections = delivered.filter((e): e is SectionEvent => e.type === 'section');
    const held = sections.slice(0, CRITICAL_SECTIONS.length);
    expect(held.map((e) => e.section).sort()).toEqual([...CRITICAL_SECTIONS].sort());
    for (const event of held) {
      expect(event.completeness.state).toBe('incomplete');
      expect(event.completeness.gaps.map((g) => g.reason)).toContain(
        'Not everything that has arrived could be shown yet: it will be once the whole record has loaded.',
      );
    }
    // Later steps and the record show everything.
    expect(
      shownSections(delivered)
        .get('allergies')!
        .items.map((i) => i.display),
    ).toContain(PENICILLIN);
    expect(opened.record.completeness.allergies.state).toBe('complete');
    expect(opened.record.items.map((i) => i.display)).toContain(PENICILLIN);
  });
});
