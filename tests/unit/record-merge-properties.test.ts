// Property-based proof that the merged record depends only on the sources' data, not on how it was reached:
// the order pages arrived in, a re-open from the saved copy, incremental refreshes, or a refresh after a
// source failed. Two generated sources share a small pool of codes (so copies merge and conflicts arise),
// change between fetches (add, update, delete), and fail at random.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceStatus, WessexRecord } from '../../common/record';
import { combineSnapshots, type RefreshMode } from '../../main/services/offline';
import { buildRecord, type RecordSnapshot, type SourceSnapshot } from '../../main/services/record';
import type { Json } from '../../main/services/record/fhir-read';

const NHS = '9434765919';
const identity = { nhsNumber: NHS, mayQueryRegionalSources: true };
const SOURCES = ['dcr', 'chie'] as const;
type SourceId = (typeof SOURCES)[number];
const RUNS = 200;

// ---- generated clinical data -------------------------------------------------------------------------

const SCT = 'http://snomed.info/sct';
const codes = fc.constantFrom(
  ['195967001', 'Asthma'],
  ['38341003', 'Hypertension'],
  ['44054006', 'Type 2 diabetes'],
  ['91936005', 'Allergy to penicillin'],
  ['716186003', 'No known allergy'],
  ['386661006', 'Fever'],
);
const days = fc.constantFrom('2023-01-05', '2023-06-30', '2024-02-11');
const statuses = fc.constantFrom('active', 'stopped', 'completed', 'inactive');

/** The clinical content of one resource (everything but id and lastUpdated). */
const content = fc.oneof(
  fc.record({ type: fc.constant('Condition'), code: codes, day: days, status: statuses }),
  fc.record({ type: fc.constant('AllergyIntolerance'), code: codes, day: days, status: statuses }),
  fc.record({ type: fc.constant('MedicationStatement'), code: codes, day: days, status: statuses }),
  fc.record({ type: fc.constant('Flag'), code: codes, day: days, status: statuses }),
);
type Content = typeof content extends fc.Arbitrary<infer T> ? T : never;

function resource(id: string, c: Content, version: number): Json {
  const concept = { coding: [{ system: SCT, code: c.code[0], display: c.code[1] }] };
  const meta = { lastUpdated: new Date(Date.UTC(2024, 0, 1, 0, 0, version)).toISOString() };
  const base = { id, meta, subject: { reference: 'Patient/p' } };
  switch (c.type) {
    case 'Condition':
      return {
        ...base,
        resourceType: 'Condition',
        code: concept,
        onsetDateTime: c.day,
        clinicalStatus: { coding: [{ code: c.status === 'stopped' ? 'resolved' : 'active' }] },
      };
    case 'AllergyIntolerance':
      return {
        ...base,
        resourceType: 'AllergyIntolerance',
        code: concept,
        recordedDate: c.day,
        clinicalStatus: { coding: [{ code: c.status === 'active' ? 'active' : 'inactive' }] },
      };
    case 'MedicationStatement':
      return {
        ...base,
        resourceType: 'MedicationStatement',
        medicationCodeableConcept: concept,
        effectiveDateTime: c.day,
        status: c.status,
      };
    default:
      return {
        ...base,
        resourceType: 'Flag',
        code: concept,
        period: { start: c.day },
        status: c.status === 'active' ? 'active' : 'inactive',
      };
  }
}

// ---- the servers and what a fetch sees ----------------------------------------------------------------

interface ServerState {
  /** id → [content, version] */
  resources: Map<string, [Content, number]>;
  version: number;
}

type Change =
  | { kind: 'add'; source: SourceId; content: Content }
  | { kind: 'update'; source: SourceId; pick: number; content: Content }
  | { kind: 'delete'; source: SourceId; pick: number };

interface Fetch {
  kind: 'fetch';
  mode: RefreshMode;
  failing: SourceId[];
}

type Step = Change | Fetch;

const sourceId = fc.constantFrom<SourceId>(...SOURCES);
const change = (withDeletes: boolean): fc.Arbitrary<Change> =>
  fc.oneof(
    fc.record({ kind: fc.constant('add' as const), source: sourceId, content }),
    fc.record({ kind: fc.constant('update' as const), source: sourceId, pick: fc.nat(), content }),
    ...(withDeletes
      ? [fc.record({ kind: fc.constant('delete' as const), source: sourceId, pick: fc.nat() })]
      : []),
  );
const fetchStep = (modes: RefreshMode[]): fc.Arbitrary<Fetch> =>
  fc.record({
    kind: fc.constant('fetch' as const),
    mode: fc.constantFrom(...modes),
    failing: fc.subarray([...SOURCES]),
  });
const initial = fc.record({
  dcr: fc.array(content, { maxLength: 8 }),
  chie: fc.array(content, { maxLength: 8 }),
});

class World {
  readonly servers: Record<SourceId, ServerState>;
  private nextId = 0;
  private clock = 1;

  constructor(start: Record<SourceId, Content[]>) {
    this.servers = { dcr: { resources: new Map(), version: 0 }, chie: { resources: new Map(), version: 0 } };
    for (const s of SOURCES) for (const c of start[s]) this.apply({ kind: 'add', source: s, content: c });
  }

  apply(step: Change): void {
    const server = this.servers[step.source];
    const tick = ++this.clock;
    const ids = [...server.resources.keys()];
    if (step.kind === 'add') server.resources.set(`${step.source}-${++this.nextId}`, [step.content, tick]);
    else if (ids.length && step.kind === 'update') {
      // An update keeps the resource type: a FHIR id names one resource of one type.
      const id = ids[step.pick % ids.length]!;
      const type = server.resources.get(id)![0].type;
      server.resources.set(id, [{ ...step.content, type } as Content, tick]);
    } else if (ids.length && step.kind === 'delete') server.resources.delete(ids[step.pick % ids.length]!);
  }

  /** What the engine's snapshot would hold: since = only resources changed after that tick. */
  snapshot(
    failing: readonly SourceId[],
    since: Partial<Record<SourceId, number>>,
    order: (n: number) => number[],
  ): RecordSnapshot {
    const at = ++this.clock;
    const sources: SourceSnapshot[] = SOURCES.map((id) => {
      const failed = failing.includes(id);
      const entries = [...this.servers[id].resources].filter(
        ([, [, v]]) => since[id] === undefined || v > since[id]!,
      );
      const resources = failed
        ? []
        : order(entries.length).map((i) => resource(entries[i]![0], entries[i]![1][0], entries[i]![1][1]));
      return {
        status: status(id, failed ? 'failed' : 'complete', at),
        // The engine always locates the patient first (not limited by _lastUpdated), so a live answer names them.
        ...(failed ? {} : { patient: patient(id) }),
        resources,
        pointers: [],
        identityWarnings: [],
      };
    });
    return {
      nhsNumber: NHS,
      sources,
      identityWarnings: [],
      assembledAt: iso(at),
      withheld: { count: 0, reasons: [] },
      dissent: false,
    };
  }
}

/** The same person in both sources: one NHS number, surname and date of birth. */
const patient = (source: SourceId): Json => ({
  resourceType: 'Patient',
  id: `${source}-patient`,
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: NHS }],
  name: [{ family: 'Hollis', given: ['Peter'] }],
  birthDate: '1956-03-02',
});

const iso = (tick: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, tick)).toISOString();

function status(id: SourceId, state: 'complete' | 'failed', tick: number): SourceStatus {
  return {
    id,
    name: id.toUpperCase(),
    kind: 'regional',
    baseUrl: `https://${id}.example/fhir`,
    state,
    resourceCount: 0,
    warnings: [],
    fetchedAt: iso(tick),
    ...(state === 'failed' ? { message: `${id.toUpperCase()} had a server error (HTTP 500)` } : {}),
  };
}

const inOrder = (n: number) => [...Array(n).keys()];

/** What the clinician compares between two opens: items with their sources, and the conflicts. */
function shape(record: WessexRecord) {
  return {
    items: record.items.map((i) => ({
      key: i.key,
      section: i.section,
      display: i.display,
      status: i.status,
      conflict: i.conflict,
      provenance: i.provenance.map((p) => `${p.sourceId}/${p.resourceType}/${p.resourceId}@${p.lastUpdated}`),
    })),
    conflicts: record.conflicts,
  };
}

const build = (snapshot: RecordSnapshot) => buildRecord(snapshot, { identity, now: new Date('2024-02-01') });

/** Runs the steps as the record reader does: fold each fetch into the saved copy. */
function run(world: World, steps: readonly Step[], order: (n: number) => number[]) {
  let saved: RecordSnapshot | undefined;
  const asOf: Partial<Record<SourceId, number>> = {};
  let tick = 0;
  for (const step of steps) {
    if (step.kind !== 'fetch') {
      world.apply(step);
      continue;
    }
    const mode: RefreshMode = saved ? step.mode : 'full';
    const since = mode === 'incremental' ? asOf : {};
    const live = world.snapshot(step.failing, since, order);
    tick = Date.parse(live.assembledAt);
    saved = combineSnapshots(saved, live, mode).snapshot;
    // Round-trip as the offline store would (JSON), so nothing depends on object identity.
    saved = JSON.parse(JSON.stringify(saved)) as RecordSnapshot;
    for (const s of live.sources) {
      if (s.status.state === 'complete') asOf[s.status.id as SourceId] = (tick - Date.UTC(2024, 0, 1)) / 1000;
    }
  }
  return saved;
}

describe('merge determinism and idempotence (property-based)', () => {
  it('the same data in any arrival order gives the same record', () => {
    fc.assert(
      fc.property(initial, fc.infiniteStream(fc.nat()), (start, randomness) => {
        const world = new World(start);
        const shuffled = (n: number) => {
          const order = inOrder(n);
          for (let i = n - 1; i > 0; i--) {
            const j = randomness.next().value % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          return order;
        };
        const a = build(world.snapshot([], {}, inOrder));
        const b = build(world.snapshot([], {}, shuffled));
        expect(shape(b)).toEqual(shape(a));
      }),
      { numRuns: RUNS },
    );
  });

  it('any sequence of changes, failures and refreshes ending in a full refresh equals a clean fetch', () => {
    fc.assert(
      fc.property(
        initial,
        fc.array(fc.oneof(change(true), fetchStep(['full', 'incremental'])), { maxLength: 12 }),
        (start, steps) => {
          const world = new World(start);
          const saved = run(world, [...steps, { kind: 'fetch', mode: 'full', failing: [] }], inOrder);
          const clean = build(world.snapshot([], {}, inOrder));
          expect(shape(build(saved!))).toEqual(shape(clean));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('without deletions, an incremental refresh after failures equals a clean fetch too', () => {
    fc.assert(
      fc.property(
        initial,
        fc.array(fc.oneof(change(false), fetchStep(['full', 'incremental'])), { maxLength: 12 }),
        (start, steps) => {
          const world = new World(start);
          const saved = run(
            world,
            [
              { kind: 'fetch', mode: 'full', failing: [] },
              ...steps,
              { kind: 'fetch', mode: 'incremental', failing: [] },
            ],
            inOrder,
          );
          expect(shape(build(saved!))).toEqual(shape(build(world.snapshot([], {}, inOrder))));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('while a source fails, its last answer is shown (labelled) exactly as a clean fetch of that answer would', () => {
    fc.assert(
      fc.property(initial, fc.array(change(true), { maxLength: 6 }), sourceId, (start, changes, failing) => {
        const world = new World(start);
        const before = run(world, [{ kind: 'fetch', mode: 'full', failing: [] }], inOrder)!;
        for (const c of changes) world.apply(c);
        const live = world.snapshot([failing], {}, inOrder);
        const combined = combineSnapshots(before, live, 'full').snapshot;
        // Expected: the answering source as it is now, the failing one as it last answered.
        const expected: RecordSnapshot = {
          ...live,
          sources: live.sources.map((s) =>
            s.status.id === failing ? before.sources.find((b) => b.status.id === failing)! : s,
          ),
        };
        const record = build(combined);
        expect(shape(record)).toEqual(shape(build(expected)));
        const failed = record.sources.find((s) => s.id === failing)!;
        expect(failed.state).toBe('failed');
        expect(failed.savedCopy).toBeDefined();
        for (const item of record.items) {
          for (const p of item.provenance) expect(!!p.savedCopy).toBe(p.sourceId === failing);
        }
        expect(record.completeness.allergies.state).toBe('incomplete');
        expect(record.completeness.allergies.gaps.map((g) => g.sourceId)).toEqual([failing]);
      }),
      { numRuns: RUNS },
    );
  });

  it('a re-open from the saved copy gives the record that was shown', () => {
    fc.assert(
      fc.property(
        initial,
        fc.array(fc.oneof(change(true), fetchStep(['full', 'incremental'])), { maxLength: 8 }),
        (start, steps) => {
          const world = new World(start);
          const saved = run(world, [{ kind: 'fetch', mode: 'full', failing: [] }, ...steps], inOrder)!;
          const reopened = JSON.parse(JSON.stringify(saved)) as RecordSnapshot;
          // The offline store returns each source's rows in no particular order.
          for (const s of reopened.sources) s.resources.reverse();
          expect(shape(build(reopened))).toEqual(shape(build(saved)));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
