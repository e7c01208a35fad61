import { describe, expect, it } from 'vitest';
import { conceptDisplay, resourceDisplay, resourceStatus } from '../../main/services/record/fhir-read';
import { classifySection } from '../../main/services/record/sections';
import { nhsNumberOf, patientSummary, verificationOf } from '../../main/services/record/patient-identity';
import { demographicDifferences, demographicsOf } from '../../main/services/record/identity-agreement';
import { toRecordPointer, holderOf } from '../../main/services/record/pointers';

describe('display text falls back text → coding.display → code, never empty', () => {
  it('prefers text, then the first coding display, then a code', () => {
    expect(
      conceptDisplay({ text: 'Penicillin allergy', coding: [{ display: 'Allergy to penicillin' }] }),
    ).toBe('Penicillin allergy');
    expect(conceptDisplay({ coding: [{ code: '91936005' }, { display: 'Allergy to penicillin' }] })).toBe(
      'Allergy to penicillin',
    );
    expect(conceptDisplay({ coding: [{ system: 'http://snomed.info/sct', code: '91936005' }] })).toBe(
      '91936005',
    );
  });

  it('an entry with no code at all still shows something a clinician can read', () => {
    expect(resourceDisplay({ resourceType: 'Condition', id: 'c1' })).toBe('Condition c1');
    expect(resourceDisplay({ resourceType: 'Condition', code: { text: '   ' }, note: [] })).toBe('Condition');
    expect(resourceDisplay({ resourceType: 'Basic', code: 'not-a-concept' })).toBe('not-a-concept');
  });

  it('resolves a medicationReference to the Medication name held by the same source', () => {
    const names = new Map([['Medication/m1', 'Amoxicillin 500mg capsules']]);
    expect(
      resourceDisplay(
        { resourceType: 'MedicationRequest', medicationReference: { reference: 'Medication/m1' } },
        names,
      ),
    ).toBe('Amoxicillin 500mg capsules');
  });

  it('entered-in-error outranks the clinical status', () => {
    expect(
      resourceStatus({
        resourceType: 'AllergyIntolerance',
        clinicalStatus: { coding: [{ code: 'active' }] },
        verificationStatus: { coding: [{ code: 'entered-in-error' }] },
      }),
    ).toBe('entered in error');
    expect(resourceStatus({ resourceType: 'MedicationStatement', status: 'entered-in-error' })).toBe(
      'entered in error',
    );
  });
});

describe('section classification in urgent-care order', () => {
  const snomed = (code: string, display?: string) => ({
    coding: [{ system: 'http://snomed.info/sct', code, display }],
  });
  it('puts DNACPR flags, ReSPECT documents, EoL plans and consents under advance care', () => {
    expect(classifySection({ resourceType: 'Flag', code: snomed('450476008') })).toBe('advanceCare');
    expect(classifySection({ resourceType: 'DocumentReference', type: snomed('1382601000000107') })).toBe(
      'advanceCare',
    );
    expect(classifySection({ resourceType: 'CarePlan', category: [snomed('736373009')] })).toBe(
      'advanceCare',
    );
    expect(classifySection({ resourceType: 'Consent' })).toBe('advanceCare');
    // A server that sends one coding as an object rather than an array is still read.
    expect(
      classifySection({
        resourceType: 'Flag',
        code: { coding: { system: 'http://snomed.info/sct', code: '450476008' } },
      }),
    ).toBe('advanceCare');
    expect(classifySection({ resourceType: 'Flag', code: { text: 'DNACPR in place' } })).toBe('advanceCare');
  });
  it('classifies the rest by type and keeps unknown types', () => {
    expect(classifySection({ resourceType: 'Flag', code: { text: 'Risk to staff' } })).toBe('alerts');
    expect(classifySection({ resourceType: 'MedicationRequest' })).toBe('medications');
    expect(classifySection({ resourceType: 'EpisodeOfCare' })).toBe('contacts');
    expect(classifySection({ resourceType: 'DocumentReference', type: { text: 'Discharge letter' } })).toBe(
      'documents',
    );
    expect(classifySection({ resourceType: 'SomethingNew' })).toBe('other');
  });
});

describe('patient identity', () => {
  const verified = (code: string, system = 'https://fhir.nhs.uk/Id/nhs-number', value = '9434765919') => ({
    resourceType: 'Patient',
    identifier: [
      {
        system,
        value,
        extension: [
          {
            url: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1',
            valueCodeableConcept: { coding: [{ code, display: 'Number present and verified' }] },
          },
        ],
      },
    ],
    name: [{ family: 'Smith', given: ['Jane', 'Ann'], prefix: ['Mrs'] }],
    _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime' }] },
    birthDate: '1950-02-03',
    generalPractitioner: [{ display: 'Ringwood Medical Centre' }],
    address: [
      { use: 'home', line: ['1 Old Road'], city: 'Poole', period: { end: '2010-01-01' } },
      { use: 'home', line: ['2 High Street'], city: 'Ringwood', postalCode: 'BH24 1AA' },
    ],
  });

  it('reads CareConnect STU3 verification and builds the banner', () => {
    const p = verified('01');
    expect(nhsNumberOf(p)).toBe('9434765919');
    expect(verificationOf(p).verification).toBe('verified');
    expect(patientSummary(p)).toMatchObject({
      name: 'SMITH, Jane Ann (Mrs)',
      nhsNumber: '9434765919',
      birthDate: '1950-02-03',
      address: '2 High Street, Ringwood, BH24 1AA',
      registeredGp: 'Ringwood Medical Centre',
    });
    expect(verificationOf(verified('04')).verification).toBe('not-traced');
    expect(
      verificationOf(verified('01', 'https://fhir.nhs.uk/Id/nhs-number', '1234567890')).verification,
    ).toBe('invalid');
  });

  it('names each way a regional copy disagrees with the reference: surname, date of birth, sex', () => {
    const regional = demographicsOf({ ...verified('01'), gender: 'female' });
    const differences = demographicDifferences(
      { family: 'Smyth', birthDate: '1950-02-04', sex: 'male' },
      regional,
      'the clinical system',
    );
    expect(differences).toEqual([
      'surname Smith where the clinical system has Smyth',
      'date of birth 3 February 1950 where the clinical system has 4 February 1950',
      'sex female where the clinical system has male',
    ]);
    // Case, accents and punctuation are not differences; an unknown sex is not either.
    expect(
      demographicDifferences({ family: 'SMÍTH', birthDate: '1950-02-03', sex: 'unknown' }, regional, 'x'),
    ).toEqual([]);
  });

  it('reads the date of death (or just the fact of it)', () => {
    expect(
      patientSummary({ ...verified('01'), deceasedDateTime: '2025-10-03T04:20:00+01:00' }).deceased,
    ).toEqual({
      date: '2025-10-03',
    });
    expect(patientSummary({ ...verified('01'), deceasedBoolean: true }).deceased).toEqual({});
    expect(patientSummary({ ...verified('01'), deceasedBoolean: false }).deceased).toBeUndefined();
  });
});

describe('locator pointers', () => {
  it('maps type, custodian and date, and names the holder of an unconfigured document', () => {
    const pointer = toRecordPointer(
      {
        resourceType: 'DocumentReference',
        id: 'p1',
        type: {
          coding: [
            { system: 'http://snomed.info/sct', code: '736253002', display: 'Mental health crisis plan' },
          ],
        },
        custodian: { identifier: { value: 'Y05868' } },
        content: [
          { attachment: { url: 'https://records.example.nhs.uk/doc.pdf', contentType: 'application/pdf' } },
        ],
        date: '2022-12-21',
      },
      'locator',
      0,
    );
    expect(pointer).toMatchObject({
      id: 'p1',
      custodian: 'Y05868',
      date: '2022-12-21',
      contentType: 'application/pdf',
    });
    expect(pointer.type.display).toBe('Mental health crisis plan');
    expect(holderOf(pointer)).toBe('records.example.nhs.uk / Y05868');
  });
});
