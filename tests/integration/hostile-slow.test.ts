// Slowloris: a regional source that accepts the connection and then sends one byte every few hundred
// milliseconds — from the status line on, or from the body on — so no single wait is long but the answer never
// comes. The source must end at its deadline, marked as not having answered in full and named as too slow; the
// other source is read and shown meanwhile; no connection is left open afterwards. Real loopback HTTP.
import { describe, expect, it } from 'vitest';
import type { RecordEvent } from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { assembleRecord, type EngineOptions } from '../../main/services/record';
import {
  fhirSource,
  IDENTITY,
  routes,
  searchBundle,
  serverPerTest,
  type Answer,
  type HostileServer,
} from './hostile-fhir';

const serve = serverPerTest();

const DEADLINE_MS = 1_500;
/** One byte this often: each wait is short, so only the source's own deadline can end the read. */
const EVERY_MS = 200;

/** CHIE, a source that does nothing wrong, holds the patient's asthma. */
const chie = fhirSource('/chie/fhir', (_req, path) =>
  path === 'Condition'
    ? {
        kind: 'json',
        body: searchBundle([
          {
            resourceType: 'Condition',
            id: 'c1',
            subject: { reference: 'Patient/p1' },
            code: { text: 'Asthma' },
          },
        ]),
      }
    : undefined,
);

async function readBoth(server: HostileServer, options: Partial<EngineOptions> = {}) {
  const started = performance.now();
  /** When each source's final status reached the screen, from the start of the read. */
  const endedAt = new Map<string, number>();
  const record = await assembleRecord({
    requestId: 'slowloris',
    identity: IDENTITY,
    sources: [
      { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` },
      { id: 'chie', name: 'CHIE', fhirBase: `${server.origin}/chie/fhir` },
    ],
    tokens: noTokens,
    options: { deadlineMs: DEADLINE_MS, maxRetries: 0, ...options },
    onEvent: (event: RecordEvent) => {
      if (event.type === 'source' && event.source.state !== 'pending')
        endedAt.set(event.source.id, performance.now() - started);
    },
  });
  const elapsed = performance.now() - started;
  const byId = Object.fromEntries(record.sources.map((s) => [s.id, s]));
  return { record, elapsed, endedAt, dcr: byId.dcr!, chie: byId.chie! };
}

/** Resolves once the server holds no connection open, or rejects after `ms`. */
async function allClosed(server: HostileServer, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (server.openConnections() > 0) {
    if (performance.now() > until) throw new Error(`${server.openConnections()} connection(s) still open`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(['status-line', 'body'] as const)('a source trickling its answer from the %s on', (from) => {
  const trickling: Answer = { kind: 'trickle', from, everyMs: EVERY_MS };

  it('its allergies end at the deadline, said to be too slow; the rest of it and the other source are shown', async () => {
    const server = await serve(
      routes(
        fhirSource('/dcr/fhir', (_req, path) => (path === 'AllergyIntolerance' ? trickling : undefined)),
        chie,
      ),
    );
    const { record, elapsed, endedAt, dcr, chie: chieStatus } = await readBoth(server);

    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(elapsed).toBeLessThan(DEADLINE_MS + 1_000);
    expect(dcr.state).toBe('partial');
    expect(dcr.message).toBe('Dorset Care Record was too slow: it did not finish within 1.5 s');
    expect(dcr.incompleteTypes).toEqual(['AllergyIntolerance']);
    // The allergies are the slow source's as much as anyone's: never "none recorded", never complete.
    expect(record.completeness.allergies.state).not.toBe('complete');
    expect(chieStatus).toMatchObject({ state: 'complete' });
    expect(record.items.map((i) => i.display)).toContain('Asthma');
    // CHIE was on the screen long before the slow source gave out, not held back until its deadline.
    expect(endedAt.get('chie')).toBeLessThan(DEADLINE_MS / 2);
    await allClosed(server, 1_000);
  });

  it('a source that trickles every answer fails at the deadline, said to be too slow; the other is shown', async () => {
    const server = await serve(
      routes(
        fhirSource('/dcr/fhir', () => trickling),
        chie,
      ),
    );
    const { record, elapsed, endedAt, dcr, chie: chieStatus } = await readBoth(server);

    expect(elapsed).toBeLessThan(DEADLINE_MS + 1_000);
    expect(dcr).toMatchObject({ state: 'failed', resourceCount: 0 });
    expect(dcr.message).toBe('Dorset Care Record was too slow: it did not finish within 1.5 s');
    expect(chieStatus).toMatchObject({ state: 'complete' });
    expect(record.items.map((i) => i.display)).toContain('Asthma');
    // CHIE was on the screen long before the slow source gave out, not held back until its deadline.
    expect(endedAt.get('chie')).toBeLessThan(DEADLINE_MS / 2);
    await allClosed(server, 1_000);
  });
});

describe('a source trickling only its CapabilityStatement', () => {
  it('is read type by type without it, in full, long before its deadline', async () => {
    const server = await serve(
      routes(
        fhirSource('/dcr/fhir', (_req, path) =>
          path === 'metadata' ? { kind: 'trickle', from: 'status-line', everyMs: EVERY_MS } : undefined,
        ),
        chie,
      ),
    );
    const { record, elapsed, dcr } = await readBoth(server, { capabilityWaitMs: 300 });
    // What the statement would have said is only how to read the record, never what it holds.
    expect(dcr).toMatchObject({ state: 'complete', resourceCount: 1 });
    expect(record.items.map((i) => i.display)).toEqual(
      expect.arrayContaining(['Allergy to penicillin', 'Asthma']),
    );
    expect(elapsed).toBeLessThan(DEADLINE_MS - 500);
    await allClosed(server, 1_000);
  });
});
