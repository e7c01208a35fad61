// Patient search: the people a name-and-date-of-birth search lists from what directories send (however
// broken), and the date of birth the form takes.
import { describe, expect, it } from 'vitest';
import { dateOfBirthFrom, isCalendarDate } from '../../common/patient-search';
import { answersQuery, matchPeople } from '../../main/services/record/patient-matches';

const QUERY = { family: 'Legg', birthDate: '1951-04-17' };
const DCR = { id: 'dcr', name: 'Dorset Care Record' };
const CHIE = { id: 'chie', name: 'CHIE' };

function patient(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9994625845' }],
    name: [{ use: 'official', family: 'Legg', given: ['David'] }],
    gender: 'male',
    birthDate: '1951-04-17',
    address: [{ line: ['1 High St'], postalCode: 'BH24 7UW' }],
    ...overrides,
  };
}

describe('matchPeople', () => {
  it('joins the same NHS number from two directories into one person held by both', () => {
    const { matches, counted } = matchPeople(
      [
        { directory: DCR, patients: [patient()] },
        { directory: CHIE, patients: [patient({ id: 'c1' })] },
      ],
      QUERY,
    );
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({
      nhsNumber: '9994625845',
      heldBy: ['Dorset Care Record', 'CHIE'],
      disagreements: [],
    });
    expect(counted.get('chie')).toEqual({ matched: 1, ignored: [] });
  });

  it('says the patient died when any directory says so, not only the first to list them', () => {
    const { matches } = matchPeople(
      [
        { directory: DCR, patients: [patient()] },
        { directory: CHIE, patients: [patient({ id: 'c1', deceasedDateTime: '2026-10-03T10:00:00Z' })] },
      ],
      QUERY,
    );
    expect(matches).toHaveLength(1);
    expect(matches[0]!.deceased).toBeTruthy();
  });

  it('says when a directory holds the NHS number for someone of another sex', () => {
    const { matches } = matchPeople(
      [
        { directory: DCR, patients: [patient()] },
        { directory: CHIE, patients: [patient({ gender: 'female' })] },
      ],
      QUERY,
    );
    expect(matches[0]!.heldBy).toEqual(['Dorset Care Record']);
    expect(matches[0]!.disagreements).toEqual(['CHIE holds sex female where Dorset Care Record has male']);
  });

  it('leaves out, and counts, patients a server sent that do not answer the question', () => {
    const { matches, counted } = matchPeople(
      [
        {
          directory: DCR,
          patients: [
            patient(),
            patient({ birthDate: '1951-04-18', identifier: [] }),
            patient({ name: [{ family: 'Pegg' }], identifier: [] }),
          ],
        },
      ],
      QUERY,
    );
    expect(matches.map((m) => m.nhsNumber)).toEqual(['9994625845']);
    expect(counted.get('dcr')!.ignored).toEqual([
      'Dorset Care Record sent 2 patients who do not match the name and date of birth asked for; not listed',
    ]);
  });

  it('tolerates Patients in any shape, listing those without a valid NHS number with why', () => {
    const hostile = [
      patient({ name: 'Legg', identifier: {}, address: 42 }),
      patient({ name: [null, { family: 'Legg', given: 'notalist' }], identifier: [{ value: 12 }] }),
      patient({ identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9994625846' }] }),
      patient({ name: [{ family: `Legg${'x'.repeat(1000)}` }], identifier: undefined, gender: 7 }),
      { resourceType: 'Observation', id: 'o1' },
    ];
    const { matches, counted } = matchPeople([{ directory: DCR, patients: hostile }], QUERY);
    expect(matches).toHaveLength(3);
    expect(matches.every((m) => m.nhsNumber === undefined)).toBe(true);
    const noNumber =
      'Dorset Care Record holds no NHS number for this person, so their record cannot be opened here';
    expect(matches.map((m) => m.cannotOpen).sort()).toEqual([
      noNumber,
      noNumber,
      'The NHS number Dorset Care Record holds for this person fails the check digit, so their record cannot be opened here',
    ]);
    // A name that is not a HumanName cannot be checked against the question: counted, not listed.
    expect(counted.get('dcr')).toEqual({
      matched: 3,
      ignored: [
        'Dorset Care Record sent 1 patient who does not match the name and date of birth asked for; not listed',
      ],
    });
    expect(Math.max(...matches.map((m) => m.name.length))).toBeLessThanOrEqual(201);
  });

  it('lists people in name order, each directory’s duplicates once', () => {
    const other = patient({
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9992950579' }],
      name: [{ family: 'Legg', given: ['Anne'] }],
    });
    const { matches } = matchPeople([{ directory: DCR, patients: [patient(), other, patient()] }], QUERY);
    expect(matches.map((m) => m.name)).toEqual(['LEGG, Anne', 'LEGG, David']);
    expect(matches[1]!.heldBy).toEqual(['Dorset Care Record']);
  });
});

describe('answersQuery', () => {
  it('matches any name from its start, ignoring case and accents, and the postcode from its start', () => {
    expect(answersQuery(patient(), { family: 'lÉg', birthDate: '1951-04-17' })).toBe(true);
    expect(answersQuery(patient(), { family: 'egg', birthDate: '1951-04-17' })).toBe(false);
    const maiden = patient({ name: [{ family: 'Smith' }, { use: 'maiden', family: 'Legg' }] });
    expect(answersQuery(maiden, QUERY)).toBe(true);
    expect(answersQuery(patient(), { ...QUERY, given: 'dav', postcode: 'bh247' })).toBe(true);
    expect(answersQuery(patient(), { ...QUERY, postcode: 'BH25' })).toBe(false);
  });
});

describe('date of birth from the form', () => {
  const today = '2026-11-30';
  it('takes day, month and year and says what is wrong in NHS words', () => {
    expect(dateOfBirthFrom({ day: '2', month: '11', year: '1936' }, today)).toEqual({
      birthDate: '1936-11-02',
    });
    expect(dateOfBirthFrom({ day: '', month: '', year: '' }, today)).toEqual({
      problem: 'Enter their date of birth',
    });
    expect(dateOfBirthFrom({ day: '', month: '11', year: '' }, today)).toEqual({
      problem: 'Date of birth must include a day and year',
    });
    expect(dateOfBirthFrom({ day: '30', month: '2', year: '1990' }, today)).toEqual({
      problem: 'Date of birth must be a real date, like 2 11 1936',
    });
    expect(dateOfBirthFrom({ day: '1', month: '12', year: '2026' }, today)).toEqual({
      problem: 'Date of birth must be today or in the past',
    });
  });

  it('knows a calendar date', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('1951-4-17')).toBe(false);
  });
});
