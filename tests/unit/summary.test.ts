import { describe, expect, it } from 'vitest';
import { uniformCompleteness, type RecordItem } from '../../common/record';
import {
  ageFrom,
  bannerFlags,
  ageOfRecord,
  buildSummary,
  contactEntries,
  explainScope,
  formatDate,
  formatDateTime,
  hospitalActivity,
  notices,
  prettyUnit,
  RecordSearch,
  resultRow,
  sourceList,
} from '../../common/summary';
import { frailRecord, item } from './summary-fixture';

const NOW = new Date('2024-06-10T12:00:00Z');

describe('patient banner model', () => {
  it('formats the NHS number 3 3 4, the date of birth the NHS way and the age in years', () => {
    const { banner } = buildSummary(frailRecord(), NOW);
    expect(banner.nhsNumber).toBe('999 000 0018');
    expect(banner.birthDate).toBe('20 July 1936');
    expect(banner.age).toBe('87 years');
    expect(banner.sex).toBe('Female');
    expect(banner.verified).toBe(true);
    expect(banner.warnings).toEqual([]);
  });

  it('warns in the banner when the NHS number is not verified', () => {
    const record = frailRecord();
    record.patient.verification = 'not-traced';
    const { banner } = buildSummary(record, NOW);
    expect(banner.verificationLabel).toBe('Not traced');
    expect(banner.warnings[0]?.message).toMatch(/Not traced.*Confirm the patient's identity/);
  });

  it('gives babies their age in weeks or months', () => {
    expect(ageFrom('2024-05-20', NOW)).toBe('3 weeks');
    expect(ageFrom('2023-01-15', NOW)).toBe('16 months');
    expect(ageFrom('2020-06-11', NOW)).toBe('3 years');
    expect(ageFrom('2020-06-10', NOW)).toBe('4 years');
    expect(ageFrom('not a date', NOW)).toBeUndefined();
    expect(ageFrom('2030-01-01', NOW)).toBeUndefined();
  });
});

describe('dates', () => {
  it('degrades partial and malformed dates rather than inventing a day', () => {
    expect(formatDate('1941')).toBe('1941');
    expect(formatDate('1941-03')).toBe('March 1941');
    expect(formatDate('garbage')).toBe('garbage');
    expect(formatDate('1941-13-01')).toBe('1941-13-01');
    expect(formatDateTime('2024-03-12T14:05:00Z')).toBe('12 Mar 2024, 14:05');
  });

  it('says how old an offline copy is', () => {
    expect(ageOfRecord('2024-06-10T09:00:00Z', NOW)).toBe('3 hours old');
    expect(ageOfRecord('2024-06-07T12:00:00Z', NOW)).toBe('3 days old');
    expect(ageOfRecord('nonsense', NOW)).toBe('of unknown age');
  });
});

describe('urgent-care summary', () => {
  it('puts ReSPECT before DNACPR before end-of-life pointers, with where each document is held', () => {
    const { advanceCare } = buildSummary(frailRecord(), NOW);
    expect(advanceCare.map((e) => e.kind)).toEqual(['ReSPECT', 'DNACPR', 'End of life care plan']);
    expect(advanceCare[2]?.heldAt).toBe('Forest Holme Hospice');
    expect(advanceCare[1]?.sources).toEqual(['Dorset Care Record', 'CHIE']);
  });

  it('reads resuscitation status as one card: one line per decision, refusals and withdrawals labelled', () => {
    const sct = (code: string, display: string) => ({
      coding: [{ system: 'http://snomed.info/sct', code, display }],
    });
    const dnacpr = (date: string, sources: ('dcr' | 'chie')[], status = 'active') =>
      item(
        'advanceCare',
        { resourceType: 'Flag', status, code: sct('450476008', 'DNACPR'), subject: {} } as never,
        {
          display: 'DNACPR',
          date,
          status,
          sources,
        },
      );
    const record = frailRecord();
    record.pointers = [];
    record.items = [
      dnacpr('2025-05-14', ['dcr']),
      dnacpr('2025-05-14', ['chie']),
      dnacpr('2024-01-02', ['dcr'], 'entered in error'),
      item(
        'advanceCare',
        {
          resourceType: 'Consent',
          status: 'active',
          scope: {},
          category: [{ coding: [{ code: 'dnr' }] }],
          provision: { type: 'deny', code: [sct('89666000', 'Cardiopulmonary resuscitation')] },
        } as never,
        { display: 'Refuses cardiopulmonary resuscitation', date: '2025-05-14' },
      ),
    ];
    const card = buildSummary(record, NOW).resuscitation;
    expect(card.decision).toMatchObject({
      label: 'Not for CPR (DNACPR)',
      date: '2025-05-14',
      sources: ['Dorset Care Record', 'CHIE'],
    });
    expect(card.earlier.map((l) => [l.label, l.current])).toEqual([
      ['Patient declines CPR', true],
      ['Not for CPR (DNACPR)', false],
    ]);
    // A patient's refusal agrees with a DNACPR decision.
    expect(card.conflict).toBeUndefined();

    record.items.push(
      item(
        'advanceCare',
        {
          resourceType: 'Observation',
          status: 'final',
          code: sct('304252001', 'For resuscitation'),
        } as never,
        {
          display: 'For resuscitation',
          date: '2023-05-04',
        },
      ),
    );
    expect(buildSummary(record, NOW).resuscitation.conflict).toMatch(
      /Dorset Care Record and CHIE record Not for CPR \(DNACPR\) \(14 May 2025\);.*records For CPR \(4 May 2023\)/,
    );
  });

  it('banner flags say "not complete" rather than "none" while a source is missing', () => {
    const record = frailRecord();
    const model = buildSummary(record, NOW);
    const loading = uniformCompleteness({ state: 'incomplete', gaps: [] });
    const empty = { ...model, resuscitation: { ...model.resuscitation, decision: undefined }, alerts: [] };
    const none = { ...empty, allergies: { allergies: [], noKnownAllergies: [], conflicts: [] } };
    expect(bannerFlags(none, loading).map((f) => [f.text, f.tone])).toEqual([
      ['CPR status: record not complete', 'unknown'],
      ['Allergies: record not complete', 'unknown'],
    ]);
    const withheld = uniformCompleteness({ state: 'withheld', gaps: [] });
    expect(bannerFlags(none, withheld).map((f) => f.text)).toEqual([
      'CPR status: not available to you',
      'Allergies: not available to you',
    ]);
    const complete = uniformCompleteness({ state: 'complete', gaps: [] });
    expect(bannerFlags(none, complete).map((f) => f.text)).toEqual([
      'No CPR decision recorded',
      'Allergies: none recorded',
    ]);
    expect(bannerFlags(model, complete).map((f) => f.text)).toEqual([
      expect.stringMatching(/DNACPR/),
      '1 allergy: Penicillin',
      'Scene safety, Safeguarding',
    ]);
  });

  it('banner flags that show a decision, allergies or alerts say so when their section is not complete', () => {
    const record = frailRecord();
    const model = buildSummary(record, NOW);
    const chieDown = uniformCompleteness({ state: 'incomplete', gaps: [] });
    expect(bannerFlags(model, chieDown).map((f) => [f.text, f.tone])).toEqual([
      [expect.stringMatching(/DNACPR.* \(record not complete\)$/), 'alert'],
      ['1 allergy: Penicillin (record not complete)', 'alert'],
      ['Scene safety, Safeguarding (record not complete)', 'alert'],
    ]);
    // A confident "For CPR" while a source that may hold a newer DNACPR is missing would be dangerous.
    const forCpr = {
      ...model,
      resuscitation: {
        ...model.resuscitation,
        decision: { ...model.resuscitation.decision!, status: 'for-cpr' as const, label: 'For CPR' },
      },
    };
    expect(bannerFlags(forCpr, chieDown)[0]).toMatchObject({
      text: 'For CPR (record not complete)',
      tone: 'unknown',
    });
    // A source still reading its record (where a decision worded as one may be) is said as such, as cautiously.
    const reading = uniformCompleteness({ state: 'loading', gaps: [] });
    expect(bannerFlags(forCpr, reading)[0]).toMatchObject({
      text: 'For CPR (still loading)',
      tone: 'unknown',
    });
    const undecided = { ...model, resuscitation: { ...model.resuscitation, decision: undefined } };
    expect(bannerFlags(undecided, reading)[0]).toMatchObject({
      text: 'CPR status: still loading',
      tone: 'unknown',
    });
    const complete = uniformCompleteness({ state: 'complete', gaps: [] });
    expect(bannerFlags(forCpr, complete)[0]).toMatchObject({ text: 'For CPR', tone: 'info' });
  });

  it('orders alerts scene safety first and recognises safeguarding', () => {
    const { alerts } = buildSummary(frailRecord(), NOW);
    expect(alerts.map((a) => [a.kind, a.text])).toEqual([
      ['Scene safety', 'Aggressive dog at property'],
      ['Safeguarding', 'Adult safeguarding concern'],
    ]);
  });

  it('keeps "no known allergies" apart and flags it when another source records an allergy', () => {
    const { allergies } = buildSummary(frailRecord(), NOW);
    expect(allergies.allergies.map((a) => [a.substance, a.reaction, a.severity])).toEqual([
      ['Penicillin', 'Anaphylaxis', 'severe'],
    ]);
    expect(allergies.noKnownAllergies).toHaveLength(1);
    expect(allergies.conflicts[0]).toMatch(/CHIE records "no known allergies"/);
  });

  it('uses the engine conflict message when there is one', () => {
    const record = frailRecord();
    record.conflicts.push({ kind: 'allergy-vs-no-known-allergies', message: 'Engine says so', itemKeys: [] });
    expect(buildSummary(record, NOW).allergies.conflicts).toEqual(['Engine says so']);
  });

  it('splits current from past medication, repeat from acute, with last issued and sources', () => {
    const { medications } = buildSummary(frailRecord(), NOW);
    expect(medications.current.map((m) => [m.name, m.kind, m.lastIssued])).toEqual([
      ['Trimethoprim 200mg tablets', 'acute', '2024-06-01'],
      ['Ramipril 5mg capsules', 'repeat', '2024-05-01'],
    ]);
    expect(medications.current[1]?.dosage).toBe('One tablet each morning');
    expect(medications.current[1]?.sources).toEqual(['Dorset Care Record', 'CHIE']);
    expect(medications.past.map((m) => m.name)).toEqual(['Amoxicillin 500mg capsules']);
  });

  /** An active MedicationStatement for this medicine from this date (what `extra` changes aside). */
  const statement = (
    medicine: Pick<RecordItem, 'code' | 'display'>,
    start: string,
    extra: object = {},
    sources: ('dcr' | 'chie')[] = ['dcr'],
  ) =>
    item(
      'medications',
      {
        resourceType: 'MedicationStatement',
        status: 'active',
        subject: {},
        effectivePeriod: { start },
        ...extra,
      } as never,
      { ...medicine, date: start, sources },
    );

  it('lists each medicine once across its statement and prescriptions, last issued from the newest issue', () => {
    const furosemide = {
      code: { system: 'http://snomed.info/sct', code: '317972000' },
      display: 'Furosemide 40mg',
    };
    const record = frailRecord();
    record.items = [
      statement(furosemide, '2024-01-10', { dosage: [{ text: 'One tablet in the morning' }] }),
      item(
        'medications',
        {
          resourceType: 'MedicationRequest',
          status: 'active',
          intent: 'order',
          subject: {},
          courseOfTherapyType: { coding: [{ code: 'continuous' }] },
          authoredOn: '2024-01-10',
          dispenseRequest: {
            validityPeriod: { start: '2025-09-15' },
            quantity: { value: 56, unit: 'tablet' },
          },
        },
        { ...furosemide, date: '2024-01-10' },
      ),
      item(
        'medications',
        {
          resourceType: 'MedicationRequest',
          status: 'completed',
          intent: 'order',
          subject: {},
          authoredOn: '2025-08-15',
          dispenseRequest: { quantity: { value: 56, unit: 'tablet' } },
        },
        { ...furosemide, date: '2025-08-15' },
      ),
    ];
    const { medications } = buildSummary(record, NOW);
    expect(medications.past).toEqual([]);
    expect(medications.current).toHaveLength(1);
    const [row] = medications.current;
    expect(row).toMatchObject({
      name: 'Furosemide 40mg',
      kind: 'repeat',
      lastIssued: '2025-09-15',
      started: '2024-01-10',
      dosage: 'One tablet in the morning',
    });
    expect(row!.issues.map((i) => [i.date, i.quantity])).toEqual([
      ['2025-09-15', '56 tablet'],
      ['2025-08-15', '56 tablet'],
    ]);
    expect(row!.conflict).toBeUndefined();
  });

  it('keeps a medicine active in one source and stopped in another current, with the stop date and reason', () => {
    const metformin = {
      code: { system: 'http://snomed.info/sct', code: '325278007' },
      display: 'Metformin 500mg',
    };
    const record = frailRecord();
    record.items = [
      statement(metformin, '2016-10-01', {}, ['dcr']),
      statement(
        metformin,
        '2016-10-01',
        {
          status: 'stopped',
          effectivePeriod: { start: '2016-10-01', end: '2025-08-12' },
          statusReason: [{ text: 'Stopped on discharge: eGFR 28' }],
        },
        ['chie'],
      ),
    ];
    const { medications } = buildSummary(record, NOW);
    expect(medications.past).toEqual([]);
    expect(medications.current.map((m) => [m.name, m.conflict, m.lastIssued])).toEqual([
      ['Metformin 500mg', 'Stopped in CHIE on 12 August 2025: Stopped on discharge: eGFR 28', undefined],
    ]);
    expect(medications.current[0]!.sources).toEqual(['Dorset Care Record', 'CHIE']);
  });

  it('shows only active problems as active', () => {
    const { problems } = buildSummary(frailRecord(), NOW);
    expect(problems.active.map((p) => p.display)).toEqual(['Heart failure']);
    expect(problems.past.map((p) => p.display)).toEqual(['Fractured wrist']);
  });

  it('finds next of kin and that the patient is known to social care', () => {
    const { contacts } = buildSummary(frailRecord(), NOW);
    expect(contacts.entries.map((c) => c.role)).toEqual(['Next of kin', 'Social care']);
    // The relationship once, without repeating "next of kin"; the number as a dialable link.
    expect(contacts.entries[0]).toMatchObject({
      name: 'Susan Example',
      relationship: 'Daughter',
      phones: [{ value: '01202 000000', dial: '01202000000' }],
    });
    expect(contacts.knownToSocialCare).toEqual(['CHIE']);
  });

  it('shows each number once: one written into a name is taken out of it, one given twice is listed once', () => {
    const team = item(
      'contacts',
      {
        resourceType: 'CareTeam',
        name: 'Purbeck community nursing',
        telecom: [
          { system: 'phone', value: '01929 557 100' },
          { system: 'phone', value: '+44 1929 557100' },
        ],
        participant: [
          {
            role: [{ text: 'Community matron' }],
            member: {
              display: 'Jo Samways, Purbeck community nursing, 01929 557 100',
              telecom: [{ system: 'phone', value: '01929557100' }],
            },
          },
        ],
      } as never,
      { display: 'Purbeck community nursing' },
    );
    const [entry] = contactEntries([team]).entries;
    expect(entry!.phones.map((p) => p.dial)).toEqual(['01929557100']);
    expect(entry!.members).toEqual([
      {
        name: 'Jo Samways, Purbeck community nursing',
        role: 'Community matron',
        phones: [{ value: '01929557100', dial: '01929557100' }],
      },
    ]);
  });
});

describe('search within the record', () => {
  it('finds entries holding every word, any case or accent, by name or code, newest first', () => {
    const entry = (display: string, date: string, code?: string) =>
      item('problems', { resourceType: 'Condition', subject: {} } as never, {
        display,
        date,
        ...(code ? { code: { system: 'http://snomed.info/sct', code } } : {}),
      });
    const search = new RecordSearch([
      entry('Type 2 diabetes mellitus', '2016-09-21', '44054006'),
      entry('Diabetic retinopathy screening', '2024-02-01'),
      entry('Ménière disease', '2020-01-01'),
      entry('Heart failure', '2019-12-12'),
    ]);
    expect(search.find('DIABET', 10).hits.map((h) => h.display)).toEqual([
      'Diabetic retinopathy screening',
      'Type 2 diabetes mellitus',
    ]);
    expect(search.find('mellitus type', 10).hits.map((h) => h.display)).toEqual(['Type 2 diabetes mellitus']);
    expect(search.find('44054006', 10).total).toBe(1);
    expect(search.find('meniere', 10).hits[0]?.display).toBe('Ménière disease');
    expect(search.find('diabet', 1)).toMatchObject({
      total: 2,
      hits: [{ display: 'Diabetic retinopathy screening' }],
    });
    expect(search.find('asthma', 10)).toEqual({ total: 0, hits: [] });
  });

  it('is indexed a slice at a time in the background, and a search meanwhile still finds every entry', async () => {
    const entries = Array.from({ length: 5_000 }, (_, i) =>
      item('results', { resourceType: 'Observation', subject: {} } as never, {
        display: i === 4_999 ? 'Haemoglobin A1c' : `Blood pressure ${i}`,
        date: '2024-01-01',
      }),
    );
    let turns = 0;
    await new RecordSearch(entries).prepareInSlices(async () => void turns++);
    expect(turns).toBe(3);
    // A search between the first two slices, before the last entry is indexed.
    const search = new RecordSearch(entries);
    let foundMidway: number | undefined;
    await search.prepareInSlices(async () => {
      foundMidway ??= search.find('haemoglobin', 10).total;
    });
    expect(foundMidway).toBe(1);
    expect(search.find('blood pressure', 10).total).toBe(4_999);
  });
});

describe('hospital activity', () => {
  const encounter = (cls: string, status: string, period: object, where: string) =>
    item('encounters', {
      resourceType: 'Encounter',
      status,
      class: { code: cls },
      period,
      serviceProvider: { display: where },
    } as never);

  it('says who is in hospital now, and lists admissions and ED attendances of the last 30 days', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const activity = hospitalActivity(
      [
        encounter('IMP', 'in-progress', { start: '2026-11-27' }, 'Queen Alexandra Hospital'),
        encounter(
          'EMER',
          'finished',
          { start: '2026-11-18', end: '2026-11-18' },
          'Royal Bournemouth Hospital',
        ),
        encounter('IMP', 'finished', { start: '2026-10-01', end: '2026-10-05' }, 'Poole Hospital'),
        encounter('AMB', 'finished', { start: '2026-11-29' }, 'Wareham Surgery'),
      ],
      now,
    );
    expect(activity.inHospital).toMatchObject({ where: 'Queen Alexandra Hospital', start: '2026-11-27' });
    expect(activity.inHospital?.lengthOfStayDays).toBe(3);
    expect(activity.recent.map((e) => [e.kind, e.where])).toEqual([
      ['Admission', 'Queen Alexandra Hospital'],
      ['ED attendance', 'Royal Bournemouth Hospital'],
    ]);
  });
});

describe('results and trends', () => {
  it('flags abnormal results against the reference range and the interpretation', () => {
    const { results } = buildSummary(frailRecord(), NOW);
    const potassium = results.find((r) => r.name === 'Potassium');
    expect(potassium).toMatchObject({ value: '6.1 mmol/L', range: '3.5–5.3 mmol/L', flag: 'high' });
    const egfr = results.filter((r) => r.name === 'eGFR');
    expect(egfr.map((r) => [r.value, r.flag])).toEqual([
      ['52 mL/min/1.73m²', 'low'],
      ['48 mL/min/1.73m²', 'low'],
    ]);
    expect(egfr[0]?.range).toBe('≥ 60 mL/min/1.73m²');
  });

  it('writes units and numbers as clinicians do, and flags eGFR and SpO2 by their bands when the source does not', () => {
    expect(
      ['{score}', 'mL/min/{1.73_m2}', 'Cel', 'mm[Hg]', '10*9/L', 'umol/L', 'kg/m2', '{beats}/min', '%'].map(
        prettyUnit,
      ),
    ).toEqual([undefined, 'mL/min/1.73m²', '°C', 'mmHg', '×10⁹/L', 'µmol/L', 'kg/m²', '/min', '%']);
    const observation = (code: string, value: number, unit: string, extra: object = {}) =>
      resultRow(
        item('results', {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code }] },
          valueQuantity: { value, unit, code: unit },
          ...extra,
        } as never),
      );
    const bp = resultRow(
      item('results', {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
        component: [
          { code: { coding: [{ code: '8480-6' }] }, valueQuantity: { value: 156.65, unit: 'mm[Hg]' } },
          { code: { coding: [{ code: '8462-4' }] }, valueQuantity: { value: 112.36, unit: 'mm[Hg]' } },
        ],
      } as never),
    );
    expect(bp.value).toBe('157/112 mmHg');
    expect(observation('8310-5', 37.12, 'Cel').value).toBe('37.1 °C');
    expect(observation('39156-5', 27.436, 'kg/m2').value).toBe('27.4 kg/m²');
    const egfr = observation('33914-3', 28.4, 'mL/min/{1.73_m2}');
    expect([egfr.value, egfr.flag, egfr.derived]).toEqual([
      '28 mL/min/1.73m²',
      'critical',
      'CKD G4 (derived)',
    ]);
    const spo2 = observation('59408-5', 93, '%');
    expect([spo2.flag, spo2.derived]).toEqual(['low', 'NEWS2 2 (derived)']);
    expect(observation('59408-5', 97, '%').flag).toBeUndefined();
    // The source's own range wins; nothing is derived over it.
    const ranged = observation('59408-5', 93, '%', { referenceRange: [{ low: { value: 92 } }] });
    expect([ranged.flag, ranged.derived]).toEqual([undefined, undefined]);
  });

  it('groups repeated observations into trend series, blood pressure as two lines', () => {
    const { trends } = buildSummary(frailRecord(), NOW);
    expect(trends.map((t) => t.label)).toEqual(['Blood pressure', 'eGFR']);
    const bp = trends[0];
    expect(bp?.lines.map((l) => [l.label, l.points.map((p) => p.value)])).toEqual([
      ['Systolic', [150, 138, 128]],
      ['Diastolic', [95, 85, 80]],
    ]);
    expect(trends[1]?.low).toBe(60);
  });

  it('the full summary reads only the newest results: the same rows, in the same order, as the whole list', () => {
    const record = frailRecord();
    // Many results, with ties on the newest date (the rows' own order decides between them).
    for (let d = 0; d < 300; d++) {
      const date = `2024-0${1 + (d % 5)}-${String(1 + (d % 28)).padStart(2, '0')}`;
      record.items.push(
        item(
          'results',
          { resourceType: 'Observation', status: 'final', code: { text: `Test ${d % 7}` } },
          { display: `Test ${d % 7}`, date },
        ),
      );
    }
    const all = buildSummary(record, NOW).results;
    for (const n of [1, 3, 10, 500]) {
      const recent = buildSummary(record, NOW, { recentResults: n });
      expect(
        recent.results.map((r) => r.key),
        `newest ${n}`,
      ).toEqual(all.slice(0, n).map((r) => r.key));
      expect(recent.counts.results).toBe(all.length);
    }
  });

  it('survives observations with no value, no code and no date', () => {
    const record = frailRecord();
    record.items.push(
      item('results', { resourceType: 'Observation', status: 'final', code: {} }, { display: '?' }),
    );
    const { results, trends } = buildSummary(record, NOW);
    expect(results.find((r) => r.name === '?')?.value).toBe('No value recorded');
    expect(trends).toHaveLength(2);
  });
});

describe('honesty notices', () => {
  it('lists failed sources, offline age, withheld and ungranted scopes', () => {
    const record = frailRecord();
    record.offline = { asOf: '2024-06-10T10:00:00Z' };
    record.withheld = { count: 2, reasons: ['sensitive'] };
    record.ungrantedScopes = ['patient/Observation.rs'];
    const n = notices(record, NOW);
    expect(n.failedSources.map((s) => [s.name, s.stateLabel, s.message])).toEqual([
      ['CHIE', 'Failed', 'CHIE did not answer (server error 500).'],
    ]);
    expect(n.offline?.age).toBe('2 hours old');
    expect(n.withheld).toBe(true);
    expect(explainScope('patient/Observation.rs')).toBe('Observation (results and vitals)');
  });

  it('names every source holding an item', () => {
    const record = frailRecord();
    expect(sourceList(record.items[0]!)).toBe('Dorset Care Record and CHIE');
  });
});
