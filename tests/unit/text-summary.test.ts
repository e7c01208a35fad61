import { describe, expect, it } from 'vitest';
import { formatRecordSummary } from '../../main/services/record/text-summary';
import { frailRecord, item } from './summary-fixture';

const medicine = (display: string, status: string, date: string) =>
  item('medications', { resourceType: 'MedicationRequest', status, intent: 'order', subject: {} } as never, {
    display,
    status,
    date,
  });

describe('the readable summary (wessex fetch)', () => {
  it('lists every current medicine first and cuts only stopped ones, saying so', () => {
    const record = frailRecord();
    // 30 stopped chemotherapy entries newer than the 3 active medicines: the active ones must not hide.
    const stopped = Array.from({ length: 30 }, (_, i) =>
      medicine(`Chemotherapy cycle ${i + 1}`, 'stopped', `2025-0${1 + (i % 9)}-1${i % 10}`),
    );
    const active = ['Apixaban 5mg', 'Furosemide 40mg', 'Donepezil 5mg'].map((d) =>
      medicine(d, 'active', '2019-01-01'),
    );
    record.items = [...stopped, ...active];
    const text = formatRecordSummary(record, { perSection: 25 });
    const from = text.indexOf('Medications (33)');
    const section = text.slice(from, text.indexOf('\n\n', from));
    const lines = section.split('\n').filter((l) => l.startsWith('  • '));
    expect(lines.slice(0, 3).map((l) => l.replace(/\s+\(.*$/, ''))).toEqual([
      '  • Apixaban 5mg',
      '  • Furosemide 40mg',
      '  • Donepezil 5mg',
    ]);
    expect(lines).toHaveLength(25);
    expect(section).toContain('… and 8 more (none of them current)');
  });

  it('says when the record was assembled in UK time with the zone, never as a UTC timestamp', () => {
    const summer = formatRecordSummary({ ...frailRecord(), assembledAt: '2026-07-01T23:30:00.000Z' });
    expect(summer).toContain('Assembled 2 Jul 2026, 00:30 BST:');
    expect(summer).not.toContain('2026-07-01T23:30');
    const winter = formatRecordSummary({ ...frailRecord(), assembledAt: '2026-12-01T08:10:00.000Z' });
    expect(winter).toContain('Assembled 1 Dec 2026, 08:10 GMT:');
  });
});
