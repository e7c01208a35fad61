// A record-locator pointer to a document a regional source also holds is one document on screen, not two: the
// regional source's entry, "also listed in" the locator. Pointers are the public NRL samples
// (../shared/fixtures/nrl), read by the engine's own pointer code; two documents that are genuinely different
// (another type, another address, a copy the source has withdrawn, a hash of no content) both stay listed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordPointer, WessexRecord } from '../../common/record';
import { advanceCareEntries, buildSummary, sourceNames, sourcesText } from '../../common/summary';
import { applyRoleAccess } from '../../main/services/governance';
import { buildRecord, type RecordSnapshot } from '../../main/services/record';
import type { Json } from '../../main/services/record/fhir-read';
import { toRecordPointer } from '../../main/services/record/pointers';
import { formatRecordSummary } from '../../main/services/record/text-summary';

const NRL = path.resolve(__dirname, '../../../shared/fixtures/nrl');
const NHS = '9990001234';
const SCT = 'http://snomed.info/sct';
const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const DCR = 'https://dcr.example.nhs.uk/fhir';
/** Where the NRL samples' Spine Secure Proxy addresses lead. */
const CRISIS_PLAN_PDF = 'https://p1.nhs.uk/MentalhealthCrisisPlanReport.pdf';
const RESPECT = { system: SCT, code: '1382601000000107', display: 'ReSPECT form' };
const CRISIS = { system: SCT, code: '736253002', display: 'Mental health crisis plan' };
const EOL = { system: SCT, code: '736373009', display: 'End of life care plan' };
const DISCHARGE = { system: SCT, code: '373942005', display: 'Discharge summary' };

/** An NRL sample, for this patient, with any fields changed. */
function nrl(file: string, changes: Json = {}): Json {
  const doc = JSON.parse(readFileSync(path.join(NRL, file), 'utf8')) as Json;
  const nhs = { identifier: { system: NHS_SYSTEM, value: NHS } };
  return { ...doc, subject: nhs, context: { ...(doc.context as Json), sourcePatientInfo: nhs }, ...changes };
}
const SSP_SAMPLE = 'Y05868-736253002-Valid-with-ssp-content.json';
const PROXY_SAMPLE = 'RQI-736253002-Valid.json';

/** The NRL sample's content with another address (and no hash, unless given). */
function content(url: string, hash?: string): Json[] {
  return [{ attachment: { contentType: 'application/pdf', url, ...(hash ? { hash } : {}) } }];
}

function dcrDocument(id: string, type: typeof RESPECT, changes: Json = {}): Json {
  return {
    resourceType: 'DocumentReference',
    id,
    status: 'current',
    subject: { reference: 'Patient/p' },
    type: { coding: [type], text: type.display },
    date: '2022-12-21T10:45:41Z',
    author: [{ display: 'Dorset HealthCare' }],
    content: content(CRISIS_PLAN_PDF),
    ...changes,
  };
}

const patient: Json = {
  resourceType: 'Patient',
  id: 'p',
  name: [{ family: 'Legg', given: ['David'] }],
  identifier: [{ system: NHS_SYSTEM, value: NHS }],
};

const status = (id: string, name: string, kind: 'regional' | 'locator', baseUrl: string) => ({
  id,
  name,
  kind,
  baseUrl,
  state: 'complete' as const,
  resourceCount: 0,
  warnings: [],
  fetchedAt: '2025-01-01T00:00:00Z',
});

function record(documents: Json[], pointerDocs: Json[]): WessexRecord {
  const pointers: RecordPointer[] = pointerDocs.map((d, i) => toRecordPointer(d, 'locator', i));
  const snapshot: RecordSnapshot = {
    nhsNumber: NHS,
    sources: [
      {
        status: status('dcr', 'Dorset Care Record', 'regional', DCR),
        patient,
        resources: [patient, ...documents],
        pointers: [],
        identityWarnings: [],
      },
      {
        status: status('locator', 'Record locator', 'locator', 'https://nrl.example.nhs.uk/FHIR/R4'),
        resources: [],
        pointers,
        identityWarnings: [],
      },
    ],
    identityWarnings: [],
    assembledAt: '2025-01-01T00:00:00Z',
    withheld: { count: 0, reasons: [] },
    dissent: false,
  };
  return buildRecord(snapshot, { identity: { nhsNumber: NHS, mayQueryRegionalSources: true } });
}

/** What a clinician reads in the advance care section: each plan with its sources. */
function advanceCare(r: WessexRecord): string[] {
  return advanceCareEntries(
    r.items.filter((i) => i.section === 'advanceCare'),
    r.pointers,
  ).map((e) => `${e.title} — ${sourcesText(e.sources)}`);
}

const locatorCount = (r: WessexRecord) => r.sources.find((s) => s.id === 'locator')!.resourceCount;

describe('a locator pointer to a document a regional source also holds', () => {
  it('is listed once, as DCR’s entry also listed in the record locator (Spine Secure Proxy address)', () => {
    const r = record([dcrDocument('crisis-1', CRISIS)], [nrl(SSP_SAMPLE)]);
    expect(advanceCare(r)).toEqual([
      'Mental health crisis plan — Dorset Care Record, also listed in Record locator',
    ]);
    const [entry] = r.items.filter((i) => i.resourceType === 'DocumentReference');
    expect(sourceNames(entry!)).toEqual(['Dorset Care Record', 'also listed in Record locator']);
    // The locator still answered with it: counted once, the pointer kept to open and keep offline.
    expect(locatorCount(r)).toBe(1);
    expect(r.pointers.map((p) => p.id)).toEqual(['Y05868-99999-99999-999999']);
    // The command line lists it once too, with both sources, and no "Record locator pointers" list.
    const text = formatRecordSummary(r);
    expect(text.match(/Mental health crisis plan/g)).toHaveLength(1);
    expect(text).toMatch(/Mental health crisis plan .*\[Dorset Care Record, also listed in Record locator\]/);
    expect(text).not.toMatch(/Record locator pointers/);
  });

  it('is matched through an https proxy address, a masterIdentifier, or the content hash both state', () => {
    const proxied = record([dcrDocument('crisis-1', CRISIS)], [nrl(PROXY_SAMPLE)]);
    expect(advanceCare(proxied)).toEqual([
      'Mental health crisis plan — Dorset Care Record, also listed in Record locator',
    ]);

    const masterIdentifier = { system: 'urn:ietf:rfc:3986', value: 'urn:oid:1.3.6.1.4.1.21367.2005.3.7' };
    const byIdentifier = record(
      [
        dcrDocument('respect-1', RESPECT, {
          masterIdentifier,
          content: content(`${DCR}/Binary/respect-pdf`),
        }),
      ],
      [nrl(SSP_SAMPLE, { masterIdentifier, type: { coding: [RESPECT] } })],
    );
    expect(advanceCare(byIdentifier)).toEqual([
      'ReSPECT form — Dorset Care Record, also listed in Record locator',
    ]);

    const hash = 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0=';
    const byHash = record(
      [dcrDocument('crisis-1', CRISIS, { content: content(`${DCR}/Binary/crisis-pdf`, hash) })],
      [nrl(SSP_SAMPLE, { content: content('https://elsewhere.example/plan.pdf', hash) })],
    );
    expect(advanceCare(byHash)).toEqual([
      'Mental health crisis plan — Dorset Care Record, also listed in Record locator',
    ]);
  });

  it('leaves the ReSPECT card one form to open, DCR’s, naming both sources', () => {
    const respectUrl = `${DCR}/Binary/respect-pdf`;
    const r = record(
      [dcrDocument('respect-1', RESPECT, { content: content(respectUrl) })],
      [nrl(SSP_SAMPLE, { type: { coding: [RESPECT] }, content: content(respectUrl) })],
    );
    const summary = buildSummary(r, new Date('2025-01-02T00:00:00Z'));
    const respect = summary.resuscitation.respect!;
    expect(respect.item?.resourceType).toBe('DocumentReference');
    expect(sourcesText(respect.sources)).toBe('Dorset Care Record, also listed in Record locator');
    // No second ReSPECT form listed under the card.
    expect(summary.resuscitation.plans).toEqual([]);
  });

  it('is hidden with its entry for a role that may see neither, and counted once', () => {
    const r = record([dcrDocument('crisis-1', CRISIS)], [nrl(SSP_SAMPLE)]);
    expect(applyRoleAccess(r, 'demographics-only').hiddenCount).toBe(1);
  });
});

describe('two documents that are not the same', () => {
  it('both show: same type, another address', () => {
    const older = dcrDocument('crisis-2019', CRISIS, {
      date: '2019-03-01',
      content: content(`${DCR}/Binary/crisis-2019`),
    });
    const r = record([older], [nrl(SSP_SAMPLE)]);
    expect(advanceCare(r)).toEqual([
      'Mental health crisis plan — Record locator',
      'Mental health crisis plan — Dorset Care Record',
    ]);
    expect(locatorCount(r)).toBe(1);
    expect(formatRecordSummary(r)).toMatch(/Record locator pointers \(1\)/);
  });

  it('both show: the same address, but the locator calls it an end of life plan and DCR a discharge summary', () => {
    const letter = dcrDocument('letter-1', DISCHARGE);
    const r = record([letter], [nrl(SSP_SAMPLE, { type: { coding: [EOL] } })]);
    expect(advanceCare(r)).toEqual(['End of life care plan — Record locator']);
    expect(r.items.find((i) => i.key.endsWith('letter-1'))!.provenance).toHaveLength(1);
  });

  it('both show: DCR has withdrawn its copy (entered in error) that the locator still lists', () => {
    const withdrawn = dcrDocument('crisis-1', CRISIS, { status: 'entered-in-error' });
    const r = record([withdrawn], [nrl(SSP_SAMPLE)]);
    expect(advanceCare(r)).toHaveLength(2);
    expect(advanceCare(r)).toContain('Mental health crisis plan — Record locator');
  });

  it('both show: the only thing in common is the SHA-1 of no content, which the NRL samples state', () => {
    const empty = '2jmj7l5rSw0yVb/vlWAYkK/YBwk=';
    const doc = dcrDocument('crisis-1', CRISIS, { content: content(`${DCR}/Binary/crisis-pdf`, empty) });
    const r = record([doc], [nrl(SSP_SAMPLE)]);
    expect(advanceCare(r)).toHaveLength(2);
  });

  it('a second pointer from the locator to the same document is listed on its own, not folded away', () => {
    const r = record([dcrDocument('crisis-1', CRISIS)], [nrl(SSP_SAMPLE), nrl(PROXY_SAMPLE)]);
    expect(advanceCare(r)).toEqual([
      'Mental health crisis plan — Dorset Care Record, also listed in Record locator',
      'Mental health crisis plan — Record locator',
    ]);
    expect(locatorCount(r)).toBe(2);
  });
});
