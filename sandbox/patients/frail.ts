// Frail, end of life: ReSPECT form, DNACPR, safeguarding, scene-safety and reasonable-adjustment alerts,
// next of kin, care team, known to social care, and locator pointers to her end-of-life documents.
import type { CarePlan, CareTeam, Consent, EpisodeOfCare, RelatedPerson } from '../../common/fhir';
import { RecordBuilder, gpOrganization, meta, text } from './build';
import { CODES, DMD, PROFILE } from './codes';
import { BASE_PLACEHOLDER, binary, simpleHtml, tinyPdf } from './documents';
import { makeIdentity } from './identity';
import { locatorPointer } from './pointer';
import type { SandboxPatient } from './types';

const SAFETY = { code: 'safety', display: 'Safety' };
const CLINICAL = { code: 'clinical', display: 'Clinical' };
const ADMIN = { code: 'admin', display: 'Administrative' };

export function frailPatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'frail',
      given: ['Margaret', 'Ann'],
      family: 'Eldridge',
      prefix: 'Mrs',
      gender: 'female',
      birthDate: '1936-11-02',
      gpOds: 'J81021',
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-fr', who.ids.dcr);
  const chie = new RecordBuilder('chie-fr', who.ids.chie);
  dcr.add(who.patient('dcr'));
  chie.add(who.patient('chie'));
  dcr.add(gpOrganization(who.gp));
  chie.add(gpOrganization(who.gp));

  // Advance care decisions.
  const respectPdf = binary(
    'frail-respect-pdf',
    'application/pdf',
    tinyPdf('ReSPECT form - Margaret Eldridge', [
      `NHS number ${who.nhs}`,
      'Preferences: to remain at home; does not wish to be admitted unless for comfort.',
      'Clinical recommendation: prioritise comfort. CPR is NOT recommended.',
      'Completed 14 May 2025 by Dr A Whitfield, Wareham Surgery.',
    ]),
    who.ids.dcr,
  );
  dcr.add(respectPdf);
  dcr.document({
    type: CODES.respect,
    date: '2025-05-14',
    description: 'ReSPECT form',
    url: `${BASE_PLACEHOLDER.dcr}/Binary/${respectPdf.id}`,
    contentType: 'application/pdf',
    author: 'Wareham Surgery',
  });
  dcr.flag({
    code: CODES.dnacpr,
    start: '2025-05-14',
    category: CLINICAL,
    text: 'DNACPR: do not attempt cardiopulmonary resuscitation (ReSPECT form 14/05/2025)',
  });
  dcr.add<Consent>({
    resourceType: 'Consent',
    id: dcr.nextId('consent'),
    meta: meta({ profile: PROFILE.consent, date: '2025-05-14' }),
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr' }] },
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes', code: 'dnr' }] },
    ],
    patient: dcr.patientRef,
    dateTime: '2025-05-14',
    provision: { type: 'deny', code: [{ coding: [CODES.cpr], text: CODES.cpr.display }] },
  });
  dcr.observation({ code: CODES.dnacpr, date: '2025-05-14', category: 'survey', valueCode: CODES.dnacpr });

  // Alerts.
  dcr.flag({
    code: CODES.safeguardingAdult,
    start: '2024-11-20',
    category: SAFETY,
    text: 'Adult safeguarding concern: financial abuse by a visitor under investigation (Dorset Council ref SG-4471)',
  });
  dcr.flag({
    code: CODES.riskToStaff,
    start: '2025-01-09',
    category: SAFETY,
    text: 'Scene safety: large dog at the property, ask for it to be secured before entering',
  });
  dcr.flag({
    code: CODES.hardOfHearing,
    start: '2023-03-01',
    category: ADMIN,
    text: 'Reasonable adjustment: profoundly deaf in the right ear; face her, speak clearly, hearing aid on the left',
  });
  dcr.flag({
    code: CODES.knownToSocialCare,
    start: '2024-06-01',
    category: ADMIN,
    text: 'Known to Dorset Council adult social care (care package four visits a day)',
  });
  dcr.add<EpisodeOfCare>({
    resourceType: 'EpisodeOfCare',
    id: dcr.nextId('episode'),
    meta: meta({ profile: PROFILE.episodeOfCare, date: '2024-06-01' }),
    status: 'active',
    type: [text(CODES.knownToSocialCare)],
    patient: dcr.patientRef,
    managingOrganization: { display: 'Dorset Council Adult Social Care' },
    period: { start: '2024-06-01' },
  });

  // Allergies, problems, medicines.
  dcr.allergy({ code: CODES.latexAllergy, recorded: '2010-02-17', reaction: CODES.rash });
  for (const [code, onset] of [
    [CODES.dementia, '2021-08-03'],
    [CODES.heartFailure, '2019-12-12'],
    [CODES.atrialFibrillation, '2019-12-12'],
    [CODES.ckd3, '2022-04-29'],
    [CODES.fallsRisk, '2024-10-15'],
  ] as const) {
    dcr.condition({ code, onset });
  }
  for (const [code, dosage] of [
    [DMD.apixaban5, 'One tablet twice a day'],
    [DMD.furosemide40, 'One tablet in the morning'],
    [DMD.donepezil5, 'One tablet at night'],
    [DMD.paracetamol500, 'Two tablets up to four times a day when required'],
  ] as const) {
    dcr.medicationStatement({ code, start: '2024-01-10', dosage });
    dcr.medicationRequest({ code, authored: '2024-01-10', dosage, repeat: true, lastIssued: '2025-09-15' });
  }
  dcr.medicationStatement({
    code: DMD.morphineOral,
    start: '2025-05-14',
    dosage: 'Anticipatory: 2.5ml every 4 hours when required for pain or breathlessness',
  });
  dcr.medicationStatement({
    code: DMD.midazolamInjection,
    start: '2025-05-14',
    dosage: 'Anticipatory (just in case): 2.5mg subcutaneously when required for agitation',
  });
  dcr.observation({ code: CODES.news2, date: '2025-09-20', value: 2, unit: '{score}', category: 'survey' });
  dcr.observation({ code: CODES.bodyWeight, date: '2025-09-20', value: 48.2, unit: 'kg' });

  // Contacts and care team.
  dcr.add<RelatedPerson>({
    resourceType: 'RelatedPerson',
    id: dcr.nextId('related'),
    meta: meta({ profile: PROFILE.relatedPerson, date: '2024-06-01' }),
    active: true,
    patient: dcr.patientRef,
    relationship: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N', display: 'Next-of-Kin' },
        ],
      },
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
            code: 'DAU',
            display: 'natural daughter',
          },
        ],
      },
    ],
    name: [{ family: 'Cheal', given: ['Helen'] }],
    telecom: [{ system: 'phone', value: '07700 900412', use: 'mobile' }],
  });
  dcr.add<CareTeam>({
    resourceType: 'CareTeam',
    id: dcr.nextId('careteam'),
    meta: meta({ profile: PROFILE.careTeam, date: '2025-05-14' }),
    status: 'active',
    name: 'Wareham community care team',
    subject: dcr.patientRef,
    participant: [
      { role: [{ text: 'GP' }], member: { display: 'Dr Anna Whitfield, Wareham Surgery' } },
      {
        role: [{ text: 'Community matron' }],
        member: { display: 'Jo Samways, Purbeck community nursing, 01929 557 100' },
      },
      { role: [{ text: 'Palliative care' }], member: { display: 'Weldmar Hospicecare, 01305 215 300' } },
      { role: [{ text: 'Social worker' }], member: { display: 'Dorset Council adult social care' } },
    ],
  });

  // CHIE: an older admission in Southampton with the end-of-life care plan.
  const eolHtml = binary(
    'frail-eol-plan-html',
    'text/html',
    simpleHtml('End of life care plan - Margaret Eldridge', [
      `NHS number ${who.nhs}.`,
      'Preferred place of care and death: home.',
      'Anticipatory medicines are in the house (morphine, midazolam).',
      'Contact Weldmar Hospicecare 24-hour advice line before conveying to hospital.',
    ]),
    who.ids.chie,
  );
  chie.add(eolHtml);
  chie.add<CarePlan>({
    resourceType: 'CarePlan',
    id: chie.nextId('careplan'),
    meta: meta({ profile: PROFILE.carePlan, date: '2025-05-20' }),
    status: 'active',
    intent: 'plan',
    category: [text(CODES.eolCarePlan)],
    title: 'End of life care plan',
    subject: chie.patientRef,
    period: { start: '2025-05-20' },
    description: 'Preferred place of death: home. Anticipatory medicines prescribed.',
  });
  chie.encounter({
    code: CODES.inpatientStay,
    start: '2025-04-28',
    end: '2025-05-09',
    cls: 'IMP',
    serviceProvider: 'University Hospital Southampton NHS Foundation Trust',
  });
  chie.document({
    type: CODES.dischargeSummary,
    date: '2025-05-09',
    description: 'Discharge summary: heart failure exacerbation',
    url: `${BASE_PLACEHOLDER.chie}/Binary/${eolHtml.id}`,
    contentType: 'text/html',
    author: 'University Hospital Southampton',
  });

  const locator = [
    locatorPointer({
      id: 'ptr-frail-respect',
      nhs: who.nhs,
      type: CODES.respect,
      custodianOds: who.gpOds,
      custodianName: who.gp.name,
      url: `${BASE_PLACEHOLDER.dcr}/Binary/${respectPdf.id}`,
      contentType: 'application/pdf',
      date: '2025-05-14',
      description: 'ReSPECT form',
    }),
    locatorPointer({
      id: 'ptr-frail-eol-plan',
      nhs: who.nhs,
      type: CODES.eolCarePlan,
      custodianOds: 'RHM',
      custodianName: 'University Hospital Southampton NHS Foundation Trust',
      url: `${BASE_PLACEHOLDER.chie}/Binary/${eolHtml.id}`,
      contentType: 'text/html',
      date: '2025-05-20',
      description: 'End of life care plan',
    }),
    locatorPointer({
      id: 'ptr-frail-eolc-summary',
      nhs: who.nhs,
      type: CODES.eolCoordinationSummary,
      custodianOds: 'RDY',
      custodianName: 'Dorset HealthCare University NHS Foundation Trust',
      url: 'https://ssp.example.nhs.uk/eolc/coordination-summary/ptr-frail-eolc-summary.pdf',
      contentType: 'application/pdf',
      date: '2025-06-02',
      description: 'End of life care coordination summary',
    }),
  ];

  return {
    key: 'frail',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates:
      'Frail, end of life: ReSPECT form (PDF), DNACPR, safeguarding, scene-safety and reasonable-adjustment alerts, next of kin, care team, social care, locator pointers (one held elsewhere)',
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator,
    nhsVerification: '01',
    gpOds: who.gpOds,
  };
}
