// The screen receives each medicine with only the parts of its resource the summary reads: the rows it builds
// (names, dosage, repeat or acute, last issued, issue history, stops and conflicts, "active after death") are
// those the whole resources give, for every sandbox patient (UK Core, CareConnect, Synthea, the long record).
import { describe, expect, it } from 'vitest';
import type { RecordItem } from '../../common/record';
import { itemForScreen, recordedActiveAfterDeath, splitMedications } from '../../common/summary';
import { RecordMerger } from '../../main/services/record/merge';
import { generateSandboxPatients } from '../../sandbox/patients';
import { item } from './summary-fixture';

const { patients } = generateSandboxPatients({ includeLargePatient: true });

function medicationItems(key: string): RecordItem[] {
  const patient = patients.find((p) => p.key === key)!;
  const merger = new RecordMerger();
  merger.add({ id: 'dcr', name: 'Dorset Care Record', server: 'http://dcr' }, patient.dcr);
  merger.add({ id: 'chie', name: 'CHIE', server: 'http://chie' }, patient.chie);
  return merger
    .entries()
    .map((e) => merger.toItem(e))
    .filter((i) => i.section === 'medications');
}

/** The rows as the screen shows them: entries by key, since their resources are what differs. */
function shownRows(items: RecordItem[]) {
  const { current, past } = splitMedications(items);
  const keyed = (rows: typeof current) =>
    rows.map(({ item, items: entries, ...row }) => ({
      ...row,
      item: item.key,
      items: entries.map((e) => e.key),
      activeAfterDeath: entries.map(recordedActiveAfterDeath),
    }));
  return { current: keyed(current), past: keyed(past) };
}

describe('medicines as the screen receives them', () => {
  it.each(patients.map((p) => p.key))('%s: the same rows as from the whole resources', (key) => {
    const items = medicationItems(key);
    expect(shownRows(items.map(itemForScreen))).toEqual(shownRows(items));
  });

  it.each(['large', 'synthea-1', 'synthea-2'])(
    '%s: no coded medication, patient, timing or reference goes to the screen',
    (key) => {
      const items = medicationItems(key);
      const whole = JSON.stringify(items.map((i) => i.resource));
      const shown = JSON.stringify(items.map((i) => itemForScreen(i).resource));
      for (const field of ['medicationCodeableConcept', 'subject', 'timing', 'reference'])
        expect(shown).not.toContain(`"${field}"`);
      expect(shown.length).toBeLessThan(whole.length * 0.6);
    },
  );

  it('a broken dosage list from a source is read past, whole or cut, never thrown over', () => {
    const broken = item(
      'medications',
      {
        resourceType: 'MedicationStatement',
        status: 'active',
        dosage: [null, 5, { text: 'One tablet daily' }],
        courseOfTherapyType: 'repeat',
      } as never,
      { display: 'Amlodipine 5mg tablets' },
    );
    expect(splitMedications([broken]).current[0]!.dosage).toBe('One tablet daily');
    expect(shownRows([itemForScreen(broken)])).toEqual(shownRows([broken]));
  });

  it('a hostile source’s wrong types are read past, whole or cut: the rows hold only text', () => {
    const hostile = [
      {
        resourceType: 'MedicationStatement',
        status: 7,
        extension: { url: 'PrescriptionType' },
        category: { coding: 'repeat' },
        statusReason: 'stopped by GP',
        effectivePeriod: { start: { year: 2020 }, end: ['2021'] },
        dosage: 'once daily',
      },
      {
        resourceType: 'MedicationRequest',
        status: 'stopped',
        intent: 'order',
        extension: [
          null,
          { url: 42 },
          {
            url: 'https://fhir.nhs.uk/MedicationRepeatInformation',
            extension: [{ url: {}, valueDateTime: 1 }],
          },
        ],
        courseOfTherapyType: { coding: [{ code: 12 }] },
        statusReason: [{ text: { html: '<b>x</b>' }, coding: 'x' }, 5, { coding: [{ display: 'eGFR 28' }] }],
        authoredOn: 20200101,
        requester: 'Dr Who',
        dispenseRequest: { validityPeriod: { start: {}, end: 3 }, quantity: 'lots' },
      },
      {
        resourceType: 'MedicationDispense',
        status: 'completed',
        whenHandedOver: { at: 'noon' },
        whenPrepared: '2024-02-01',
        performer: 'a pharmacy',
        quantity: { value: { n: 1 } },
        daysSupply: [],
      },
    ].map((resource, i) => item('medications', resource as never, { display: `Medicine ${i}` }));
    for (const items of [hostile, hostile.map(itemForScreen)]) {
      const { current, past } = splitMedications(items);
      const texts = [...current, ...past].flatMap((row) => [
        row.name,
        row.dosage,
        row.conflict,
        row.started,
        row.lastIssued,
        ...row.issues.flatMap((i) => [i.date, i.quantity, i.supply, i.by, i.source]),
        ...row.stopped.flatMap((stop) => [stop.status, stop.date, stop.reason]),
      ]);
      for (const text of texts) if (text !== undefined) expect(typeof text).toBe('string');
      expect(texts).toContain('eGFR 28');
    }
  });
});
