// A medicine's issue history: prescriptions and pharmacy dispensings from every source, newest first, each
// with what a clinician checks (when, how much, for how long, by whom, from where).
import { describe, expect, it } from 'vitest';
import type { RecordItem } from '../../common/record';
import { buildSummary } from '../../common/summary';
import { detectConflicts } from '../../main/services/record/conflicts';
import { RecordMerger } from '../../main/services/record/merge';
import { formatRecordSummary } from '../../main/services/record/text-summary';
import { frailRecord, item } from './summary-fixture';

const NOW = new Date('2025-10-01T12:00:00Z');
const amlodipine = {
  code: { system: 'http://snomed.info/sct', code: '319283006' },
  display: 'Amlodipine 5mg tablets',
};
const concept = { coding: [{ system: 'http://snomed.info/sct', code: '319283006' }] };

function prescription(issued: string, status = 'completed'): RecordItem {
  return item(
    'medications',
    {
      resourceType: 'MedicationRequest',
      status,
      intent: 'order',
      subject: {},
      courseOfTherapyType: { coding: [{ code: 'continuous' }] },
      medicationCodeableConcept: concept,
      authoredOn: '2023-06-01',
      requester: { display: 'Ringwood Health Centre' },
      dispenseRequest: {
        validityPeriod: { start: issued },
        quantity: { value: 28, unit: 'tablet' },
        expectedSupplyDuration: { value: 28, system: 'http://unitsofmeasure.org', code: 'd' },
      },
    } as never,
    { ...amlodipine, date: issued, status },
  );
}

function dispensing(handedOver: string, extra: Record<string, unknown> = {}): RecordItem {
  return item(
    'medications',
    {
      resourceType: 'MedicationDispense',
      status: 'completed',
      medicationCodeableConcept: concept,
      whenHandedOver: handedOver,
      quantity: { value: 28, unit: 'tablet' },
      daysSupply: { value: 28, unit: 'days' },
      performer: [{ actor: { display: 'Lymington Road Pharmacy' } }],
      ...extra,
    } as never,
    { ...amlodipine, date: handedOver, status: 'completed', sources: ['chie'] },
  );
}

function summaryOf(items: RecordItem[]) {
  const record = frailRecord();
  record.items = items;
  return buildSummary(record, NOW).medications;
}

describe('medicine issue history', () => {
  it('lists every prescription and dispensing of a repeat in one row, newest first, with quantity, supply and who issued it', () => {
    const monthly = Array.from({ length: 18 }, (_, m) =>
      new Date(Date.UTC(2025, 8, 26) - m * 28 * 86_400_000).toISOString().slice(0, 10),
    );
    const items = [
      prescription(monthly[0]!, 'active'),
      ...monthly.slice(1).map((d) => prescription(d)),
      ...['2025-09-28', '2025-08-31', '2025-08-03'].map((d) => dispensing(d)),
    ];
    const { current, past } = summaryOf(items);
    expect(past).toEqual([]);
    expect(current).toHaveLength(1);
    const [row] = current;
    expect(row!.issues).toHaveLength(21);
    // Last issued: the newest of all, here the pharmacy's dispensing two days after the prescription.
    expect(row!.lastIssued).toBe('2025-09-28');
    expect(row!.issues[0]).toEqual({
      date: '2025-09-28',
      what: 'dispensed',
      quantity: '28 tablet',
      supply: '28 days',
      by: 'Lymington Road Pharmacy',
      source: 'CHIE',
    });
    expect(row!.issues[1]).toEqual({
      date: '2025-09-26',
      what: 'prescribed',
      quantity: '28 tablet',
      supply: '28 days',
      by: 'Ringwood Health Centre',
      source: 'Dorset Care Record',
    });
    const dates = row!.issues.map((i) => i.date);
    expect(dates).toEqual([...dates].sort().reverse());
    // Issues done are not decisions to stop: no "sources disagree" on a repeat that is simply being issued.
    expect(row!.conflict).toBeUndefined();
    expect(row!.stopped).toEqual([]);
  });

  it('never makes a dispensing a medicine of its own, and shows a medicine only dispensed as past', () => {
    const { current, past } = summaryOf([dispensing('2025-09-01')]);
    expect(current).toEqual([]);
    expect(past.map((r) => [r.name, r.lastIssued, r.issues.length])).toEqual([
      ['Amlodipine 5mg tablets', '2025-09-01', 1],
    ]);
  });

  it('reads malformed dispensings without failing and without inventing details', () => {
    const { past } = summaryOf([
      dispensing('2025-09-01', {
        performer: { actor: { display: 42 } },
        quantity: { unit: 'tablet' },
        daysSupply: 'twenty-eight',
      }),
      dispensing('2025-07-01', {
        quantity: { value: { nested: true }, unit: ['tablet'] },
        daysSupply: { value: 28, code: 'constructor' },
      }),
      dispensing('2025-08-01', { whenHandedOver: undefined, performer: 'Pharmacy' }),
    ]);
    expect(past[0]!.issues).toEqual([
      { date: '2025-09-01', what: 'dispensed', by: '42', source: 'CHIE' },
      { date: '2025-07-01', what: 'dispensed', supply: '28', by: 'Lymington Road Pharmacy', source: 'CHIE' },
    ]);
  });
});

describe('conflicts between sources', () => {
  const DCR = { id: 'dcr', name: 'DCR', server: 'http://dcr.example/fhir' };
  const CHIE = { id: 'chie', name: 'CHIE', server: 'http://chie.example/fhir' };
  const med = { medicationCodeableConcept: concept };

  it('does not call a dispensed or completed issue a stop of a medicine another source has active', () => {
    const merger = new RecordMerger();
    merger.add(DCR, [
      { resourceType: 'MedicationRequest', id: 'r1', status: 'active', authoredOn: '2025-01-01', ...med },
    ]);
    merger.add(CHIE, [
      {
        resourceType: 'MedicationDispense',
        id: 'd1',
        status: 'completed',
        whenHandedOver: '2025-09-01',
        ...med,
      },
      { resourceType: 'MedicationRequest', id: 'r2', status: 'completed', authoredOn: '2025-08-01', ...med },
    ]);
    expect(detectConflicts(merger.entries()).conflicts).toEqual([]);
  });

  it('still flags a stop next to an active prescription elsewhere', () => {
    const merger = new RecordMerger();
    merger.add(DCR, [
      { resourceType: 'MedicationRequest', id: 'r1', status: 'active', authoredOn: '2025-01-01', ...med },
    ]);
    merger.add(CHIE, [
      {
        resourceType: 'MedicationStatement',
        id: 's1',
        status: 'stopped',
        effectiveDateTime: '2025-08-01',
        ...med,
      },
    ]);
    expect(detectConflicts(merger.entries()).conflicts.map((c) => c.kind)).toEqual(['medication-status']);
  });
});

describe('the readable summary (wessex fetch)', () => {
  it('counts a current repeat’s past issues on its line instead of listing each, and says where they went', () => {
    const record = frailRecord();
    record.items = [
      prescription('2025-09-26', 'active'),
      ...['2025-08-29', '2025-08-01', '2025-07-04'].map((d) => prescription(d)),
      ...['2025-09-28', '2025-08-31'].map((d) => dispensing(d)),
    ];
    const text = formatRecordSummary(record);
    const section = text.slice(
      text.indexOf('Medications (6)'),
      text.indexOf('\n\n', text.indexOf('Medications')),
    );
    expect(section.split('\n').slice(1)).toEqual([
      '  • Amlodipine 5mg tablets  (prescription, 2025-09-26, active, 6 issues)  [Dorset Care Record]',
      "  (5 earlier issues and dispensings are counted on their medicine's line)",
    ]);
  });

  it('lists a medicine that is only dispensed, with nothing current to count it on', () => {
    const record = frailRecord();
    record.items = [dispensing('2025-09-28')];
    expect(formatRecordSummary(record)).toMatch(
      /Medications \(1\)\n {2}• Amlodipine 5mg tablets {2}\(dispensing, 2025-09-28, completed\)/,
    );
  });
});
