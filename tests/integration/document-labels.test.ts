// Confidentiality labels on documents: FHIR R4 DocumentReference carries its document's labels in
// `securityLabel`, and NRL pointers do (the public samples in ../shared/fixtures/nrl are all "V", very
// restricted). A document or pointer labelled there is withheld exactly as a resource labelled in `meta.security`:
// counted with the reason, its sections never "None recorded", under break-glass and for every role; a pointer is
// not read, cannot be opened and is not kept offline; one document as a pointer and as a source's entry is
// withheld together and counted once. Real loopback servers, the read path as the app runs it (engine,
// governance, the encrypted offline store with a real keyring).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WessexRecord } from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { cacheKeyName, openOfflineCache, type OfflineCache } from '../../main/services/cache';
import { fetchDocumentBytes, readDocument } from '../../main/services/composition/documents';
import { loadSensitiveCodes, type GovernOptions } from '../../main/services/governance';
import { keepUrgentCareDocuments, RecordReader, type ReadRequest } from '../../main/services/offline';
import { cacheDatabasePath } from '../../main/services/paths';
import { MENTAL_HEALTH_SERVICES } from '../support/sensitive-code-lists';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';
import {
  fhirSource,
  IDENTITY,
  NHS,
  routes,
  searchBundle,
  serverPerTest,
  type HostileServer,
} from './hostile-fhir';

type Json = Record<string, unknown>;

const serve = serverPerTest();
const NRL = path.resolve(__dirname, '../../../shared/fixtures/nrl');
const SAMPLES = [
  'RQI-736253002-Valid.json',
  'Y05868-736253002-Valid.json',
  'Y05868-736253002-Valid-with-ssp-content.json',
];
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** The same code system as STU3 names it, as GP Connect and CareConnect resources carry their labels. */
const STU3_CONFIDENTIALITY = 'http://hl7.org/fhir/v3/Confidentiality';
const SCT = 'http://snomed.info/sct';
const CRISIS = { system: SCT, code: '736253002', display: 'Mental health crisis plan' };
/** Where the NRL samples' Spine Secure Proxy addresses lead. */
const CRISIS_PLAN_PDF = 'https://p1.nhs.uk/MentalhealthCrisisPlanReport.pdf';
const LABEL_REASON = 'Some information is marked confidential at its source and is not shown.';
const CODE_REASON = 'Some information is not shown because of local policy on sensitive information.';
const EARLIER_VERSION_REASON =
  'Some record locator entries saved on this computer by an earlier version of the viewer are not shown until the record is next opened online.';
const GUM_REFERRAL = { system: SCT, code: '183694003', display: 'Referral to genitourinary clinic' };
const PDF = Buffer.from('%PDF-1.4\n% very restricted crisis plan\n%%EOF\n');

let env: CacheTestEnv;
let cache: OfflineCache;
beforeEach(async () => {
  env = cacheTestEnv();
  cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
});
afterEach(async () => {
  cache.close();
  await env.cleanup();
});

/** An NRL sample for this patient, with any fields changed. */
function nrl(file: string, changes: Json = {}): Json {
  const doc = JSON.parse(readFileSync(path.join(NRL, file), 'utf8')) as Json;
  const nhs = { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: NHS } };
  return { ...doc, subject: nhs, context: { ...(doc.context as Json), sourcePatientInfo: nhs }, ...changes };
}

/** The sample's own content, pointing somewhere else. */
function pointingAt(doc: Json, url: string): Json[] {
  const [content] = doc.content as Json[];
  return [{ ...content, attachment: { ...(content!.attachment as Json), url } }];
}

/** DCR's own copy of a crisis plan (its URL relative to DCR's base unless given). */
function dcrPlan(id: string, changes: Json = {}): Json {
  return {
    resourceType: 'DocumentReference',
    id,
    status: 'current',
    subject: { reference: 'Patient/p1' },
    type: { coding: [CRISIS], text: CRISIS.display },
    date: '2022-12-21T10:45:41Z',
    content: [{ attachment: { contentType: 'application/pdf', url: CRISIS_PLAN_PDF } }],
    ...changes,
  };
}

const metaLabel = (code: string, system = CONFIDENTIALITY) => ({ meta: { security: [{ system, code }] } });
const documentLabel = (code: string, system = CONFIDENTIALITY) => ({
  securityLabel: [{ coding: [{ system, code }] }],
});

interface Served {
  server: HostileServer;
  /** The read path on the offline store open now. */
  reader: () => RecordReader;
  sources: { id: string; name: string; fhirBase: string }[];
  /** Requests for DCR's Binary (the crisis plan's content). */
  documentReads: () => number;
}

/**
 * DCR (these DocumentReferences, an allergy, the PDF) and a record locator (these pointers). A refresh's search
 * for what changed finds `changed` (nothing unless given).
 */
async function serveRecord(
  documents: (origin: string) => Json[],
  pointers: (origin: string) => Json[],
  changed: (origin: string) => Json[] = () => [],
) {
  let origin = '';
  const server = await serve(
    routes(
      fhirSource('/dcr/fhir', (req, p) => {
        // As a real server: a refresh asks for what changed since the last read, and nothing has.
        if (p === 'DocumentReference')
          return {
            kind: 'json',
            body: searchBundle(
              req.url.searchParams.has('_lastUpdated') ? changed(origin) : documents(origin),
            ),
          };
        if (p === 'Binary/crisis-plan')
          return { kind: 'bytes', headers: { 'content-type': 'application/pdf' }, body: PDF };
        return undefined;
      }),
      (req) =>
        req.url.pathname.startsWith('/locator/fhir/DocumentReference')
          ? { kind: 'json', body: searchBundle(pointers(origin)) }
          : undefined,
      fhirSource('/locator/fhir'),
    ),
  );
  origin = server.origin;
  const sources = [{ id: 'dcr', name: 'Dorset Care Record', fhirBase: `${origin}/dcr/fhir` }];
  const reader = () =>
    new RecordReader({
      sources,
      locator: { id: 'locator', name: 'Record locator', fhirBase: `${origin}/locator/fhir` },
      tokens: noTokens,
      cache,
      engine: { maxRetries: 0, deadlineMs: 10_000 },
      // As the app keeps them: the urgent-care documents of the shared copy, read from the source holding them.
      keepDocuments: async (nhs, record) => {
        await keepUrgentCareDocuments(nhs, record, {
          cache,
          budgetBytes: 1024 * 1024,
          fetchDocument: (address, contentType, maxBytes) =>
            fetchDocumentBytes(address, contentType, { sources, tokens: noTokens }, maxBytes),
        });
      },
    });
  const documentReads = () => server.requests.filter((r) => r.url.pathname.includes('/Binary/')).length;
  return { server, reader, sources, documentReads } satisfies Served;
}

const governance = (extra: Partial<GovernOptions> = {}): GovernOptions => ({
  access: 'everything',
  sensitive: loadSensitiveCodes(),
  breakGlassOverridesDissent: false,
  ...extra,
});

const request = (extra: Partial<GovernOptions> = {}): ReadRequest => ({
  requestId: 'labels',
  identity: IDENTITY,
  governance: governance(extra),
});

async function open(served: Served, extra: Partial<GovernOptions> = {}): Promise<WessexRecord> {
  const opened = await served.reader().open(request(extra));
  await opened.saved;
  await opened.documentsKept;
  return opened.record;
}

const documentItems = (record: WessexRecord) =>
  record.items.filter((i) => i.resourceType === 'DocumentReference');

/** What a section says: withheld (with its reason), never "None recorded". */
function expectWithheldSection(record: WessexRecord, section: 'advanceCare' | 'documents'): void {
  expect(record.completeness[section]).toMatchObject({ state: 'withheld', reason: LABEL_REASON });
}

/** Two letters labelled in ways the rule does not withhold: not restrictive (N), and another code system's V. */
const notWithheld = () => [
  dcrPlan('plan-n', {
    ...documentLabel('N'),
    date: '2020-05-05',
    content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/plan-n' } }],
  }),
  dcrPlan('plan-other', {
    ...documentLabel('V', 'https://example.org/CodeSystem/local-labels'),
    date: '2019-04-04',
    content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/plan-other' } }],
  }),
];

describe('a DCR document labelled only in DocumentReference.securityLabel', () => {
  it.each([
    ['meta.security', metaLabel('R')],
    ['securityLabel (R)', documentLabel('R')],
    ['securityLabel (V), as the NRL samples label theirs', { securityLabel: nrl(SAMPLES[0]!).securityLabel }],
    ['securityLabel as a Coding', { securityLabel: [{ system: CONFIDENTIALITY, code: 'V' }] }],
    ['meta.security (R) in the STU3 / CareConnect system', metaLabel('R', STU3_CONFIDENTIALITY)],
    ['securityLabel (V) in the STU3 / CareConnect system', documentLabel('V', STU3_CONFIDENTIALITY)],
  ])('is withheld as one labelled in meta.security: %s', async (_how, label) => {
    const served = await serveRecord(
      () => [dcrPlan('plan-1', label), ...notWithheld()],
      () => [],
    );
    const record = await open(served);
    expect(JSON.stringify(record)).not.toContain('plan-1');
    // Labels that are not restrictive, or not confidentiality labels at all, withhold nothing (as before).
    expect(documentItems(record).map((i) => i.resource.id)).toEqual(['plan-n', 'plan-other']);
    // Counted, with the reason; the sections it would be listed in say so, never "None recorded".
    expect(record.withheld).toMatchObject({ count: 1, reasons: [LABEL_REASON] });
    expectWithheldSection(record, 'advanceCare');
    expectWithheldSection(record, 'documents');
    // Sections that held nothing withheld are complete.
    expect(record.completeness.allergies.state).toBe('complete');
    // Nor is it in the copy kept offline, or shown from it.
    expect(JSON.stringify(await cache.loadSnapshot(NHS))).not.toContain('plan-1');
    const offline = (await served.reader().openOffline(request()))!.record;
    expect(documentItems(offline).map((i) => i.resource.id)).toEqual(['plan-n', 'plan-other']);
    expect(offline.withheld.count).toBe(1);
    expectWithheldSection(offline, 'documents');
  });
});

describe('a labelled document a refresh sends again', () => {
  it('is counted once while it stays labelled, and not at all once shown', async () => {
    let label: Json = metaLabel('R');
    const served = await serveRecord(
      () => [dcrPlan('plan-1', label), ...notWithheld()],
      () => [],
      // Changed at DCR since the last read (a new version), so the refresh's search sends it again.
      () => [dcrPlan('plan-1', { ...label, description: 'Reviewed' })],
    );
    expect((await open(served)).withheld.count).toBe(1);
    const again = await open(served);
    expect(again.withheld).toMatchObject({ count: 1, reasons: [LABEL_REASON] });
    // What is kept per source to know this holds no id of it.
    expect(JSON.stringify(await cache.loadSnapshot(NHS))).not.toContain('plan-1');
    expect((await served.reader().openOffline(request()))!.record.withheld.count).toBe(1);
    // Its label taken off at DCR: shown, and no longer said to be withheld.
    label = {};
    const shown = await open(served);
    expect(documentItems(shown).map((i) => i.resource.id)).toContain('plan-1');
    expect(shown.withheld).toEqual({ count: 0, reasons: [] });
    expect(shown.completeness.documents.state).toBe('complete');
    expect(shown.completeness.advanceCare.state).toBe('complete');
    const offline = (await served.reader().openOffline(request()))!.record;
    expect(offline.withheld.count).toBe(0);
  });

  it('is withheld, and gone from the saved copy, once labelled since the last open', async () => {
    const served = await serveRecord(
      () => [dcrPlan('plan-1'), ...notWithheld()],
      () => [],
      () => [dcrPlan('plan-1', { ...metaLabel('R'), description: 'Reviewed' })],
    );
    const first = await open(served);
    expect(documentItems(first).map((i) => i.resource.id)).toContain('plan-1');
    expect(first.withheld.count).toBe(0);
    const labelled = await open(served);
    expect(JSON.stringify(labelled)).not.toContain('plan-1');
    expect(labelled.withheld).toMatchObject({ count: 1, reasons: [LABEL_REASON] });
    expectWithheldSection(labelled, 'documents');
    // Nothing of it is kept: the saved copy remembers only that something was withheld (a hash, no id).
    expect(JSON.stringify(await cache.loadSnapshot(NHS))).not.toContain('plan-1');
    const offline = (await served.reader().openOffline(request()))!.record;
    expect(JSON.stringify(offline)).not.toContain('plan-1');
    expect(offline.withheld.count).toBe(1);
  });

  it('withholds an entry that references a withheld one by a versioned address', async () => {
    const related = {
      context: { related: [{ reference: 'DocumentReference/plan-1/_history/3' }] },
      date: '2023-01-09',
    };
    const served = await serveRecord(
      () => [dcrPlan('plan-1', metaLabel('R')), dcrPlan('plan-ref', related), ...notWithheld()],
      () => [],
    );
    const record = await open(served);
    expect(documentItems(record).map((i) => i.resource.id)).toEqual(['plan-n', 'plan-other']);
    expect(record.withheld).toMatchObject({ count: 2, reasons: [LABEL_REASON] });
  });

  it('keeps withholding an entry that references one withheld before, when a refresh sends only it', async () => {
    const related = { context: { related: [{ reference: 'DocumentReference/plan-1' }] }, date: '2023-01-09' };
    const served = await serveRecord(
      () => [dcrPlan('plan-1', metaLabel('R')), dcrPlan('plan-ref', related), ...notWithheld()],
      () => [],
      // The referencing letter changed at DCR; what it references did not, so the refresh does not send it.
      () => [dcrPlan('plan-ref', { ...related, description: 'Amended' })],
    );
    const first = await open(served);
    expect(documentItems(first).map((i) => i.resource.id)).toEqual(['plan-n', 'plan-other']);
    // Counted each, for the label's reason (the letter is withheld for what it references).
    expect(first.withheld).toMatchObject({ count: 2, reasons: [LABEL_REASON] });
    const again = await open(served);
    expect(documentItems(again).map((i) => i.resource.id)).toEqual(['plan-n', 'plan-other']);
    expect(JSON.stringify(again)).not.toMatch(/plan-ref|plan-1/);
    expect(again.withheld).toMatchObject({ count: 2, reasons: [LABEL_REASON] });
    const offline = (await served.reader().openOffline(request()))!.record;
    expect(JSON.stringify(offline)).not.toMatch(/plan-ref|plan-1/);
    expect(offline.withheld.count).toBe(2);
  });
});

describe('a record-locator pointer labelled V in securityLabel (the NRL samples)', () => {
  it.each(SAMPLES)('%s is withheld, not read, cannot be opened and is not kept offline', async (sample) => {
    const served = await serveRecord(
      () => [],
      (origin) => {
        const doc = nrl(sample);
        // Held at a source the viewer is configured for, so it would be read with the record, and kept.
        return [{ ...doc, content: pointingAt(doc, `${origin}/dcr/fhir/Binary/crisis-plan`) }];
      },
    );
    const id = String(nrl(sample).id);
    const record = await open(served);
    expect(record.pointers).toEqual([]);
    expect(JSON.stringify(record)).not.toContain(id);
    expect(JSON.stringify(record)).not.toContain('crisis');
    expect(record.withheld).toMatchObject({ count: 1, reasons: [LABEL_REASON] });
    expectWithheldSection(record, 'advanceCare');
    expectWithheldSection(record, 'documents');
    // Not read with the record, nor kept for offline use.
    expect(served.documentReads()).toBe(0);
    expect((await cache.documentAddresses(NHS)).addresses).toEqual([]);
    // Not openable by its id.
    await expect(readDocument(record, id, { sources: served.sources, tokens: noTokens })).rejects.toThrow(
      /no document to show/,
    );
    expect(served.documentReads()).toBe(0);
    // The saved copy holds nothing of it, and an offline open shows it withheld, counted, not absent.
    expect(JSON.stringify(await cache.loadSnapshot(NHS))).not.toContain(id);
    const offline = (await served.reader().openOffline(request()))!.record;
    expect(offline.pointers).toEqual([]);
    expect(offline.withheld).toMatchObject({ count: 1, reasons: [LABEL_REASON] });
    expectWithheldSection(offline, 'advanceCare');
    await expect(
      readDocument(offline, id, { cache, sources: served.sources, tokens: noTokens }),
    ).rejects.toThrow(/no document to show/);
  });

  it('is withheld when labelled V in the STU3 / CareConnect system, as GP Connect labels it', async () => {
    const served = await serveRecord(
      () => [],
      (origin) => {
        const doc = nrl(SAMPLES[0]!, documentLabel('V', STU3_CONFIDENTIALITY));
        return [{ ...doc, content: pointingAt(doc, `${origin}/dcr/fhir/Binary/crisis-plan`) }];
      },
    );
    const record = await open(served);
    expect(record.pointers).toEqual([]);
    expect(JSON.stringify(record)).not.toContain(String(nrl(SAMPLES[0]!).id));
    expect(record.withheld).toMatchObject({ count: 1, reasons: [LABEL_REASON] });
    expectWithheldSection(record, 'advanceCare');
    // Not read with the record, nor kept for offline use.
    expect(served.documentReads()).toBe(0);
    expect((await cache.documentAddresses(NHS)).addresses).toEqual([]);
  });

  it('stays withheld under break-glass and for every role, like a resource labelled in meta.security', async () => {
    const served = await serveRecord(
      () => [dcrPlan('labelled-entry', { ...metaLabel('V'), content: [] })],
      () => [nrl(SAMPLES[2]!)],
    );
    for (const extra of [
      { breakGlass: true },
      { breakGlass: true, breakGlassOverridesDissent: true },
      { access: 'urgent-care-and-documents' as const },
      { access: 'urgent-care-and-documents' as const, breakGlass: true },
    ]) {
      const record = await open(served, extra);
      expect(record.pointers, JSON.stringify(extra)).toEqual([]);
      expect(documentItems(record), JSON.stringify(extra)).toEqual([]);
      // The labelled entry and the pointer: two documents, each counted.
      expect(record.withheld.count, JSON.stringify(extra)).toBe(2);
      expectWithheldSection(record, 'advanceCare');
      expect(record.governance?.breakGlass).toBe(!!extra.breakGlass);
    }
  });
});

describe('one document, as a locator pointer and as DCR’s entry', () => {
  it('labelled in DCR’s meta.security: the unlabelled pointer to it is withheld too, and it is counted once', async () => {
    const unlabelled = (file: string) => {
      const { securityLabel: _label, ...doc } = nrl(file);
      return doc;
    };
    const served = await serveRecord(
      () => [dcrPlan('plan-1', metaLabel('R'))],
      () => [unlabelled(SAMPLES[2]!)],
    );
    const record = await open(served);
    expect(record.pointers).toEqual([]);
    expect(documentItems(record)).toEqual([]);
    expect(record.withheld.count).toBe(1);
  });

  it('labelled in DCR’s securityLabel and the pointer’s: withheld, counted once', async () => {
    const served = await serveRecord(
      () => [dcrPlan('plan-1', documentLabel('V'))],
      () => [nrl(SAMPLES[2]!)],
    );
    const record = await open(served);
    expect(record.pointers).toEqual([]);
    expect(documentItems(record)).toEqual([]);
    expect(record.withheld.count).toBe(1);
  });

  it('labelled by the pointer alone: DCR’s copy of the document is withheld too, counted once', async () => {
    const served = await serveRecord(
      // Matched by its address relative to DCR (the pointer gives it in full) and by the SSP address.
      () => [
        dcrPlan('plan-relative', { content: [{ attachment: { url: 'Binary/crisis-plan' } }] }),
        dcrPlan('plan-ssp', { date: '2021-01-01' }),
      ],
      (origin) => {
        const doc = nrl(SAMPLES[2]!);
        return [
          doc,
          { ...doc, id: 'second-pointer', content: pointingAt(doc, `${origin}/dcr/fhir/Binary/crisis-plan`) },
        ];
      },
    );
    const record = await open(served);
    expect(record.pointers).toEqual([]);
    expect(documentItems(record)).toEqual([]);
    // Two documents (the proxied PDF and DCR's own), each listed by the locator too.
    expect(record.withheld.count).toBe(2);
    expect(record.withheld.reasons).toEqual([LABEL_REASON]);
  });

  it('is still counted once after a refresh in which DCR does not send its entry again', async () => {
    const served = await serveRecord(
      () => [dcrPlan('plan-1', documentLabel('V'))],
      () => [nrl(SAMPLES[2]!)],
    );
    expect((await open(served)).withheld.count).toBe(1);
    const refreshed = await open(served);
    // An incremental refresh: DCR was asked only for what changed, the locator for every pointer.
    expect(served.server.requests.some((r) => r.url.searchParams.has('_lastUpdated'))).toBe(true);
    expect(refreshed.pointers).toEqual([]);
    expect(documentItems(refreshed)).toEqual([]);
    expect(refreshed.withheld.count).toBe(1);
    expectWithheldSection(refreshed, 'documents');
  });

  it('when the patient declines sharing, it is counted once with everything else withheld', async () => {
    const served = await serveRecord(
      () => [dcrPlan('plan-1')],
      () => [nrl(SAMPLES[2]!, { securityLabel: [] })],
    );
    const record = await open(served, { dissent: true });
    expect(record.items).toEqual([]);
    expect(record.pointers).toEqual([]);
    // The allergy and the plan: the locator's pointer to the plan is the plan.
    expect(record.withheld.count).toBe(2);
  });
});

describe('a saved copy kept by an earlier version (pointers saved without their labels)', () => {
  it('shows none of its pointers offline: withheld, counted and explained until the record is opened online', async () => {
    const served = await serveRecord(
      () => [],
      (origin) => [
        nrl(SAMPLES[1]!, {
          securityLabel: [],
          content: pointingAt(nrl(SAMPLES[1]!), `${origin}/dcr/fhir/Binary/crisis-plan`),
        }),
      ],
    );
    const saved = await open(served);
    // As an earlier version left it: the pointer kept (it kept pointers without their labels), with the document
    // read with it and a copy kept for offline use.
    expect(saved.pointers[0]!.retrieval).toBe('retrieved');
    await cache.saveDocument(NHS, saved.pointers[0]!.url!, {
      contentType: 'application/pdf',
      title: 'Mental health crisis plan',
      bytes: PDF,
    });
    cache.close();
    const db = new Database(cacheDatabasePath(env.dataDir));
    db.pragma(`key = "raw:${await env.vault.get(cacheKeyName(env.dataDir))}"`);
    db.pragma('user_version = 7');
    db.close();

    cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
    const offline = (await served.reader().openOffline(request()))!.record;
    expect(offline.pointers).toEqual([]);
    expect(offline.withheld.count).toBe(1);
    expect(offline.withheld.reasons).toEqual([
      'Some record locator entries saved on this computer by an earlier version of the viewer are not shown until the record is next opened online.',
    ]);
    expect(offline.completeness.advanceCare.state).toBe('withheld');
    expect((await cache.documentAddresses(NHS)).addresses).toEqual([]);
    // Online, the locator is read again in full, and the pointer shown (it has no restrictive label).
    const online = await open(served);
    expect(online.pointers.map((p) => p.id)).toEqual([String(nrl(SAMPLES[1]!).id)]);
    expect(online.withheld.count).toBe(0);
    expect(online.completeness.advanceCare.state).toBe('complete');
  });
});

describe('a record-locator pointer with a sensitive code outside its type', () => {
  /** An NRL sample without its label, so that only its codes can withhold it. */
  const unlabelled = (changes: Json = {}) => {
    const { securityLabel: _label, ...doc } = nrl(SAMPLES[0]!, changes);
    return doc;
  };
  /** DCR's own letter coded the same way (another document: it is not the pointer's). */
  const dcrLetter = (changes: Json) =>
    dcrPlan('dcr-coded', {
      ...changes,
      content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/other' } }],
    });
  const sampleContext = nrl(SAMPLES[0]!).context as Json;

  it('in its practice setting (the NRL samples: Adult mental health service) is withheld where the code list holds it, as DCR’s DocumentReference is, live and offline', async () => {
    const served = await serveRecord(
      () => [dcrLetter({ context: { practiceSetting: sampleContext.practiceSetting } })],
      () => [unlabelled()],
    );
    const id = String(nrl(SAMPLES[0]!).id);
    // The built-in list does not hold mental health services: a crisis plan is shown.
    const shown = await open(served);
    expect(shown.pointers.map((p) => p.id)).toEqual([id]);
    expect(documentItems(shown).map((i) => i.resource.id)).toEqual(['dcr-coded']);
    // A saved copy governed again with IT's list (policy changed since) withholds it: its codes were kept.
    const offline = (await served.reader().openOffline(request({ sensitive: MENTAL_HEALTH_SERVICES })))!
      .record;
    expect(offline.pointers).toEqual([]);
    expect(documentItems(offline)).toEqual([]);
    expect(offline.withheld).toMatchObject({ count: 2, reasons: [CODE_REASON] });
    // Live with that list: the pointer as DCR's letter, counted, with the reason, in the sections it is shown in.
    const record = await open(served, { sensitive: MENTAL_HEALTH_SERVICES });
    expect(record.pointers).toEqual([]);
    expect(JSON.stringify(record)).not.toContain(id);
    expect(documentItems(record)).toEqual([]);
    expect(record.withheld).toMatchObject({ count: 2, reasons: [CODE_REASON] });
    expect(record.completeness.advanceCare).toMatchObject({ state: 'withheld', reason: CODE_REASON });
    expect(JSON.stringify(await cache.loadSnapshot(NHS))).not.toContain(id);
  });

  it('coded sensitive in its category, held at a source the viewer reads: its document is not read either', async () => {
    const served = await serveRecord(
      () => [],
      (origin) => {
        const doc = unlabelled({ category: [{ coding: [GUM_REFERRAL] }] });
        return [{ ...doc, content: pointingAt(doc, `${origin}/dcr/fhir/Binary/crisis-plan`) }];
      },
    );
    const record = await open(served);
    expect(record.pointers).toEqual([]);
    expect(record.withheld).toMatchObject({ count: 1, reasons: [CODE_REASON] });
    // Its holder is never asked for it, so no read by this user is recorded there.
    expect(served.documentReads()).toBe(0);
  });

  it.each([
    ['its category', { category: [{ coding: [GUM_REFERRAL] }] }],
    ['a second coding of its type', { type: { coding: [CRISIS, GUM_REFERRAL] } }],
    ['its facility type', { context: { ...sampleContext, facilityType: { coding: [GUM_REFERRAL] } } }],
  ])('in %s is withheld with the built-in list, as DCR’s DocumentReference is', async (_where, coded) => {
    const served = await serveRecord(
      () => [dcrLetter(coded)],
      () => [unlabelled(coded)],
    );
    const record = await open(served);
    expect(record.pointers).toEqual([]);
    expect(JSON.stringify(record)).not.toContain(String(nrl(SAMPLES[0]!).id));
    expect(documentItems(record)).toEqual([]);
    expect(record.withheld).toMatchObject({ count: 2, reasons: [CODE_REASON] });
    expect(record.completeness.advanceCare).toMatchObject({ state: 'withheld', reason: CODE_REASON });
  });

  it('saved by an earlier version (its type alone kept) is not shown offline until the record is opened online', async () => {
    const served = await serveRecord(
      () => [],
      () => [unlabelled()],
    );
    expect((await open(served)).pointers).toHaveLength(1);
    cache.close();
    const db = new Database(cacheDatabasePath(env.dataDir));
    db.pragma(`key = "raw:${await env.vault.get(cacheKeyName(env.dataDir))}"`);
    db.pragma('user_version = 8');
    db.close();

    cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
    const offline = (await served.reader().openOffline(request({ sensitive: MENTAL_HEALTH_SERVICES })))!
      .record;
    expect(offline.pointers).toEqual([]);
    expect(offline.withheld).toMatchObject({ count: 1, reasons: [EARLIER_VERSION_REASON] });
    expect(offline.completeness.advanceCare.state).toBe('withheld');
    // Online, the locator is read again in full, with every coding: withheld for its practice setting.
    const online = await open(served, { sensitive: MENTAL_HEALTH_SERVICES });
    expect(online.pointers).toEqual([]);
    expect(online.withheld).toMatchObject({ count: 1, reasons: [CODE_REASON] });
  });
});
