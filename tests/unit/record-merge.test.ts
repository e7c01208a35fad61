import { describe, expect, it } from 'vitest';
import { RecordMerger } from '../../main/services/record/merge';
import { detectConflicts } from '../../main/services/record/conflicts';

const DCR = { id: 'dcr', name: 'DCR', server: 'http://dcr.example/fhir' };
const CHIE = { id: 'chie', name: 'CHIE', server: 'http://chie.example/fhir' };
const snomed = (code: string, display: string) => ({
  coding: [{ system: 'http://snomed.info/sct', code, display }],
});

describe('merge across sources', () => {
  it('de-duplicates by code + date + value and keeps every contributing source', () => {
    const merger = new RecordMerger();
    const bp = (id: string, lastUpdated: string) => ({
      resourceType: 'Observation',
      id,
      meta: { lastUpdated },
      code: snomed('271649006', 'Systolic blood pressure'),
      effectiveDateTime: '2024-05-01T10:00:00Z',
      valueQuantity: { value: 142, unit: 'mmHg', code: 'mm[Hg]' },
    });
    merger.add(DCR, [bp('d1', '2024-05-01T10:00:00Z')]);
    merger.add(CHIE, [
      bp('c1', '2024-06-01T10:00:00Z'),
      { ...bp('c2', '2024-06-01T10:00:00Z'), valueQuantity: { value: 150 } },
    ]);
    const entries = merger.entries();
    expect(entries).toHaveLength(2);
    const item = merger.toItem(entries[0]!);
    expect(item.provenance.map((p) => p.sourceName)).toEqual(['DCR', 'CHIE']);
    // The representative is the most recently updated copy.
    expect((item.resource as { id?: string }).id).toBe('c1');
    expect(item.display).toBe('Systolic blood pressure');
  });

  it('de-duplicates by shared business identifier even when the coding differs', () => {
    const merger = new RecordMerger();
    const identifier = [{ system: 'https://gp.example/allergy', value: 'A-1' }];
    merger.add(DCR, [
      { resourceType: 'AllergyIntolerance', id: 'a', identifier, code: { text: 'Penicillin' } },
    ]);
    merger.add(CHIE, [
      {
        resourceType: 'AllergyIntolerance',
        id: 'b',
        identifier,
        code: snomed('91936005', 'Allergy to penicillin'),
      },
    ]);
    expect(merger.entries()).toHaveLength(1);
  });

  it('never merges two entries of the same source and ignores a repeated copy of the same resource', () => {
    const merger = new RecordMerger();
    const cond = (id: string) => ({
      resourceType: 'Condition',
      id,
      code: snomed('38341003', 'Hypertension'),
    });
    merger.add(DCR, [cond('1'), cond('2'), cond('1')]);
    expect(merger.entries()).toHaveLength(2);
    expect(new Set(merger.entries().map((e) => e.key)).size).toBe(2);
  });

  it('pairs each copy with one entry when many share a key, even where a resource repeats its identifier', () => {
    const merger = new RecordMerger();
    const flag = (id: string, identifiers: string[]) => ({
      resourceType: 'Flag',
      id,
      identifier: identifiers.map((value) => ({ system: 'https://gp.example/flag', value })),
      code: { text: 'Risk to staff' },
      period: { start: '2024-01-02' },
    });
    // Three DCR flags share a fingerprint; the second also repeats its own identifier.
    merger.add(DCR, [flag('d1', ['F-1']), flag('d2', ['F-2', 'F-2']), flag('d3', ['F-3'])]);
    // CHIE holds the same three facts: two found by fingerprint alone, one by its identifier.
    merger.add(CHIE, [flag('c1', []), flag('c2', ['F-2']), flag('c3', [])]);
    const entries = merger.entries();
    expect(entries).toHaveLength(3);
    expect(entries.map((e) => e.copies.map((c) => (c.resource as { id: string }).id))).toEqual([
      ['d1', 'c1'],
      ['d2', 'c2'],
      ['d3', 'c3'],
    ]);
  });

  it('keeps unknown resource types raw and leaves supporting resources out of the entries', () => {
    const merger = new RecordMerger();
    merger.add(DCR, [
      { resourceType: 'Patient', id: 'p' },
      { resourceType: 'Organization', id: 'o' },
      { resourceType: 'ClinicalImpression', id: 'x', description: 'Frailty review' },
      'not a resource',
      null,
    ]);
    const items = merger.entries().map((e) => merger.toItem(e));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      section: 'other',
      resourceType: 'ClinicalImpression',
      display: 'Frailty review',
    });
  });

  it('merges 20,000 copies into 10,000 entries, each held by both sources', () => {
    const merger = new RecordMerger();
    const obs = (i: number) => ({
      resourceType: 'Observation',
      id: `o${i}`,
      code: snomed('8867-4', 'Heart rate'),
      effectiveDateTime: `2020-01-01T00:00:${i}`,
      valueQuantity: { value: i },
    });
    const many = Array.from({ length: 10_000 }, (_, i) => obs(i));
    merger.add(DCR, many);
    merger.add(CHIE, many);
    expect(merger.entries()).toHaveLength(10_000);
    expect(merger.entries().every((e) => e.copies.length === 2)).toBe(true);
  });
});

describe('conflicts clinicians must see', () => {
  it('flags "no known allergies" in one source against an allergy in another', () => {
    const merger = new RecordMerger();
    merger.add(DCR, [
      { resourceType: 'AllergyIntolerance', id: 'n', code: snomed('716186003', 'No known allergy') },
    ]);
    merger.add(CHIE, [
      { resourceType: 'AllergyIntolerance', id: 'p', code: snomed('91936005', 'Allergy to penicillin') },
    ]);
    const { conflicts, byEntry } = detectConflicts(merger.entries());
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.kind).toBe('allergy-vs-no-known-allergies');
    expect(conflicts[0]!.message).toBe(
      'No known allergies according to DCR, but CHIE records: Allergy to penicillin',
    );
    expect(byEntry.size).toBe(2);
  });

  it('flags a medication active in one source and stopped in another', () => {
    const merger = new RecordMerger();
    const med = (id: string, status: string, date: string) => ({
      resourceType: 'MedicationStatement',
      id,
      status,
      effectiveDateTime: date,
      medicationCodeableConcept: snomed('323509004', 'Amoxicillin 500mg capsules'),
    });
    merger.add(DCR, [med('m1', 'active', '2024-01-01')]);
    merger.add(CHIE, [med('m2', 'stopped', '2024-02-01')]);
    const { conflicts } = detectConflicts(merger.entries());
    expect(conflicts.map((c) => c.message)).toEqual([
      'Amoxicillin 500mg capsules: active in DCR, stopped in CHIE',
    ]);
  });

  it('does not flag an old completed course next to a current one in the same source', () => {
    const merger = new RecordMerger();
    const med = (id: string, status: string, date: string) => ({
      resourceType: 'MedicationStatement',
      id,
      status,
      effectiveDateTime: date,
      medicationCodeableConcept: snomed('323509004', 'Amoxicillin 500mg capsules'),
    });
    merger.add(DCR, [med('m1', 'active', '2024-01-01'), med('m0', 'completed', '2023-01-01')]);
    merger.add(CHIE, [med('m2', 'active', '2024-01-01')]);
    expect(detectConflicts(merger.entries()).conflicts).toEqual([]);
  });

  it('flags differing DNACPR status between sources', () => {
    const merger = new RecordMerger();
    merger.add(DCR, [
      { resourceType: 'Flag', id: 'f', status: 'active', code: snomed('450476008', 'Not for attempted CPR') },
    ]);
    merger.add(CHIE, [
      { resourceType: 'Flag', id: 'g', status: 'active', code: snomed('304252001', 'For resuscitation') },
    ]);
    const { conflicts } = detectConflicts(merger.entries());
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.kind).toBe('resuscitation-status');
    expect(conflicts[0]!.message).toContain('DCR says not for CPR (DNACPR); CHIE says for CPR');
  });

  it('flags a DNACPR current in one source and withdrawn in another', () => {
    const merger = new RecordMerger();
    const flag = (id: string, status: string) => ({
      resourceType: 'Flag',
      id,
      status,
      period: { start: '2024-03-01' },
      code: snomed('450476008', 'Not for attempted CPR'),
    });
    merger.add(DCR, [flag('f', 'active')]);
    merger.add(CHIE, [flag('g', 'inactive')]);
    const { conflicts } = detectConflicts(merger.entries());
    expect(conflicts[0]!.message).toBe('Not for attempted CPR: current in DCR, inactive in CHIE');
  });
});
