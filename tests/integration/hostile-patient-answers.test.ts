// Servers whose answers are about someone else or something else. A server that does not support a search
// parameter may ignore it instead of refusing (Microsoft's FHIR server, lenient Firely and IBM servers): asked
// for one patient's flags, it sends every patient's. A careless one puts other kinds of entry in a search's
// answer, or names a resource type after a built-in ("constructor"). Real loopback HTTP, the engine as the app
// runs it.
import { describe, expect, it } from 'vitest';
import type { WessexRecord } from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { assembleRecord } from '../../main/services/record';
import { allergy, fhirSource, NHS, IDENTITY, routes, searchBundle, serverPerTest } from './hostile-fhir';

const serve = serverPerTest();

const identity = IDENTITY;
const OTHER_NHS = '9000000009';

const flag = (id: string, subject: unknown, text: string) => ({
  resourceType: 'Flag',
  id,
  status: 'active',
  subject,
  code: { text },
});

async function read(
  fault: Parameters<typeof fhirSource>[1],
  locatorAnswer?: unknown,
): Promise<{ record: WessexRecord; shown: string }> {
  const server = await serve(
    routes(fhirSource('/dcr/fhir', fault), fhirSource('/chie/fhir'), (req) =>
      locatorAnswer !== undefined && req.url.pathname.startsWith('/locator/fhir/DocumentReference')
        ? { kind: 'json', body: locatorAnswer }
        : undefined,
    ),
  );
  const record = await assembleRecord({
    requestId: 'someone-else',
    identity,
    sources: [
      { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` },
      { id: 'chie', name: 'CHIE', fhirBase: `${server.origin}/chie/fhir` },
    ],
    ...(locatorAnswer !== undefined
      ? { locator: { id: 'locator', name: 'Record locator', fhirBase: `${server.origin}/locator/fhir` } }
      : {}),
    tokens: noTokens,
    options: { deadlineMs: 10_000 },
  });
  return { record, shown: JSON.stringify(record) };
}

describe('answers about another patient', () => {
  it('a server that ignores `patient=` shows none of the other patients’ entries, and says the answer is in doubt', async () => {
    const { record, shown } = await read((_req, path) => {
      if (path === 'Flag')
        return {
          kind: 'json',
          body: {
            ...searchBundle([
              flag('f-ours', { reference: 'Patient/p1' }, 'Lives alone'),
              flag('f-other', { reference: 'Patient/someone-else' }, 'Violent - police escort required'),
              flag(
                'f-other-nhs',
                { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: OTHER_NHS } },
                'Key safe code held by neighbour',
              ),
            ]),
          },
        };
      if (path === 'AllergyIntolerance')
        return {
          kind: 'json',
          body: searchBundle([
            allergy('a1'),
            { ...allergy('a-other'), patient: { reference: 'https://elsewhere.example/fhir/Patient/p2' } },
          ]),
        };
      return undefined;
    });
    expect(shown).not.toContain('police escort');
    expect(shown).not.toContain('Key safe');
    expect(record.items.filter((i) => i.section === 'alerts').map((i) => i.display)).toEqual(['Lives alone']);
    // CHIE's allergy and DCR's own: the other patient's was left out.
    expect(record.items.filter((i) => i.section === 'allergies').flatMap((i) => i.provenance)).toHaveLength(
      2,
    );
    const dcr = record.sources.find((s) => s.id === 'dcr')!;
    expect(dcr.state).not.toBe('complete');
    expect(dcr.warnings).toContain(
      'Dorset Care Record answered the Flag search with 2 entries about another patient: not shown, and its answer may be incomplete',
    );
    // Neither section may say "none recorded" or complete on this source's word.
    expect(record.completeness.alerts.state).not.toBe('complete');
    expect(record.completeness.allergies.state).not.toBe('complete');
    // The warning names no one.
    expect(dcr.warnings.join(' ')).not.toMatch(/someone-else|p2|9000000009/);
  });

  it('entries naming the patient’s own record (by id, full URL or history) are kept, the source complete', async () => {
    const { record } = await read((_req, path) =>
      path === 'Flag'
        ? {
            kind: 'json',
            body: searchBundle([
              flag('f1', { reference: 'Patient/p1' }, 'Lives alone'),
              flag('f2', { reference: 'http://127.0.0.1/dcr/fhir/Patient/p1/_history/3' }, 'Hard of hearing'),
              flag('f3', { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: NHS } }, 'Dog'),
            ]),
          }
        : undefined,
    );
    expect(record.items.filter((i) => i.section === 'alerts')).toHaveLength(3);
    expect(record.sources.find((s) => s.id === 'dcr')!.state).toBe('complete');
  });

  it('a record locator that ignores `subject:identifier` shows only this patient’s pointers', async () => {
    const pointer = (id: string, nhs: string, title: string) => ({
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      subject: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs } },
      type: { coding: [{ system: 'http://snomed.info/sct', code: '736366004', display: title }] },
      content: [
        { attachment: { contentType: 'application/pdf', url: 'https://elsewhere.example/doc', title } },
      ],
    });
    const { record, shown } = await read(
      undefined,
      searchBundle([pointer('d1', NHS, 'ReSPECT form'), pointer('d2', OTHER_NHS, 'Other person’s plan')]),
    );
    expect(record.pointers.map((p) => p.id)).toEqual(['d1']);
    expect(shown).not.toContain('Other person');
    const locator = record.sources.find((s) => s.id === 'locator')!;
    expect(locator.state).not.toBe('complete');
    expect(locator.warnings.join(' ')).toContain('1 pointer for another patient');
  });
});

describe('answers of another kind', () => {
  it('a Flag in the allergies search is not shown as a resuscitation decision or an alert', async () => {
    const { record, shown } = await read((_req, path) =>
      path === 'AllergyIntolerance'
        ? {
            kind: 'json',
            body: searchBundle([allergy('a1'), flag('f9', { reference: 'Patient/p1' }, 'Fake DNACPR flag')]),
          }
        : undefined,
    );
    expect(shown).not.toContain('Fake DNACPR');
    const dcr = record.sources.find((s) => s.id === 'dcr')!;
    expect(dcr.warnings).toContain(
      'Dorset Care Record answered the AllergyIntolerance search with 1 entry of another kind: not shown',
    );
    expect(record.completeness.allergies.state).toBe('complete');
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a resource typed "%s" in a $everything answer does not stop the record opening',
    async (type) => {
      const { record } = await read((_req, path) => {
        if (path === 'metadata')
          return {
            kind: 'json',
            body: {
              resourceType: 'CapabilityStatement',
              rest: [{ resource: [{ type: 'Patient', operation: [{ name: 'everything' }] }] }],
            },
          };
        if (path === 'Patient/p1/$everything')
          return { kind: 'json', body: searchBundle([{ resourceType: type, id: 'x1' }, allergy('a1')]) };
        return undefined;
      });
      expect(record.sources.map((s) => [s.id, s.state])).toEqual([
        ['dcr', 'complete'],
        ['chie', 'complete'],
      ]);
      expect(record.items.filter((i) => i.section === 'allergies').flatMap((i) => i.provenance)).toHaveLength(
        2,
      );
    },
  );
});
