// A long correspondence and a long repeat: a 30-page assessment report (more pages than the viewer shows at
// once), a discharge summary in three parts (inline letter, linked PDF, a photograph the viewer cannot show),
// letters of three types, and a repeat medicine issued monthly for two years: 18 prescriptions in DCR and
// 6 pharmacy dispensings in CHIE.
import type { DocumentReference } from '../../common/fhir';
import { RecordBuilder, daysAgo, gpOrganization, instant, meta, text } from './build';
import { CODES, DMD, PROFILE } from './codes';
import { BASE_PLACEHOLDER, binary, simpleHtml, textPdf } from './documents';
import { makeIdentity } from './identity';
import type { SandboxPatient } from './types';

export const LONG_REPORT_PAGES = 30;
/** Prescription issues (DCR) and dispensings (CHIE) of the amlodipine repeat. */
export const AMLODIPINE_ISSUES = { prescribed: 18, dispensed: 6 } as const;

export function longHistoryPatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'long-history',
      given: ['Derek', 'John'],
      family: 'Hibberd',
      prefix: 'Mr',
      gender: 'male',
      birthDate: '1946-07-19',
      gpOds: 'J82642',
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-lh', who.ids.dcr);
  const chie = new RecordBuilder('chie-lh', who.ids.chie);
  dcr.add(who.patient('dcr'));
  chie.add(who.patient('chie'));
  dcr.add(gpOrganization(who.gp));
  chie.add(gpOrganization(who.gp));

  dcr.condition({ code: CODES.hypertension, onset: '2012-03-14' });
  dcr.condition({ code: CODES.diabetesType2, onset: '2016-09-02' });

  // Amlodipine: the active repeat (its newest issue), 17 older monthly issues, 6 dispensings in CHIE.
  const amlodipine = { code: DMD.amlodipine5, dosage: 'One tablet once a day' };
  const monthly = { quantity: { value: 28, unit: 'tablet' }, supplyDays: 28, requester: who.gp.name };
  dcr.medicationRequest({
    ...amlodipine,
    ...monthly,
    authored: daysAgo(800),
    repeat: true,
    lastIssued: daysAgo(4),
  });
  for (let month = 1; month < AMLODIPINE_ISSUES.prescribed; month++) {
    const issued = daysAgo(4 + month * 28);
    dcr.medicationRequest({
      ...amlodipine,
      ...monthly,
      authored: issued,
      repeat: true,
      status: 'completed',
      lastIssued: issued,
    });
  }
  for (let month = 0; month < AMLODIPINE_ISSUES.dispensed; month++) {
    chie.medicationDispense({
      ...amlodipine,
      handedOver: daysAgo(2 + month * 28),
      quantity: { value: 28, unit: 'tablet' },
      supplyDays: 28,
      pharmacy: 'Lymington Road Pharmacy, Ringwood',
    });
  }
  // One acute course: a single issue, no history to expand.
  dcr.medicationRequest({
    code: DMD.amoxicillin500,
    dosage: 'One capsule three times a day for 5 days',
    authored: daysAgo(10),
    repeat: false,
    lastIssued: daysAgo(10),
    quantity: { value: 15, unit: 'capsule' },
    requester: who.gp.name,
  });

  // The 30-page assessment report, linked (fetched from DCR on request).
  const report = binary(
    'long-history-memory-report-pdf',
    'application/pdf',
    textPdf(
      Array.from({ length: LONG_REPORT_PAGES }, (_, i) => ({
        title: `Memory assessment report - Derek Hibberd - page ${i + 1} of ${LONG_REPORT_PAGES}`,
        lines: [`NHS number ${who.nhs}`, `Section ${i + 1}: findings and recommendations continue.`],
      })),
    ),
    who.ids.dcr,
  );
  dcr.add(report);
  dcr.document({
    type: CODES.consultationReport,
    date: daysAgo(60),
    description: 'Memory assessment report',
    url: `${BASE_PLACEHOLDER.dcr}/Binary/${report.id}`,
    contentType: 'application/pdf',
    author: 'Dorset HealthCare memory assessment service',
  });

  // A discharge summary in three parts: the letter inline, a printable PDF and a wound photograph linked.
  const letter = simpleHtml('Discharge summary - Derek Hibberd', [
    'Admitted with community-acquired pneumonia; treated with intravenous then oral antibiotics.',
    'Amlodipine continued. Please review blood pressure in two weeks.',
  ]);
  const printable = binary(
    'long-history-discharge-pdf',
    'application/pdf',
    textPdf([{ title: 'Discharge summary (printable)', lines: ['Community-acquired pneumonia.'] }]),
    who.ids.chie,
  );
  const photo = binary(
    'long-history-wound-photo',
    'image/jpeg',
    Buffer.from('not a real photograph'),
    who.ids.chie,
  );
  chie.add(printable);
  chie.add(photo);
  chie.add<DocumentReference>({
    resourceType: 'DocumentReference',
    id: chie.nextId('doc'),
    meta: meta({ profile: PROFILE.documentReference, date: daysAgo(120) }),
    status: 'current',
    type: text(CODES.dischargeSummary),
    subject: chie.patientRef,
    date: instant(daysAgo(120)),
    description: 'Discharge summary: pneumonia',
    author: [{ display: 'University Hospital Southampton' }],
    content: [
      {
        attachment: {
          contentType: 'text/html',
          data: letter.toString('base64'),
          size: letter.length,
          title: 'Discharge letter',
        },
      },
      {
        attachment: {
          contentType: 'application/pdf',
          url: `${BASE_PLACEHOLDER.chie}/Binary/${printable.id}`,
          size: Buffer.from(printable.data!, 'base64').length,
          title: 'Printable copy',
        },
      },
      {
        attachment: {
          contentType: 'image/jpeg',
          url: `${BASE_PLACEHOLDER.chie}/Binary/${photo.id}`,
          title: 'Wound photograph',
        },
      },
    ],
  });

  // Clinic letters: the type the filter narrows to.
  for (const [clinic, days, paragraphs] of [
    ['Diabetes clinic letter', 200, ['HbA1c 52 mmol/mol: diet and exercise, no change to medicines.']],
    ['Cardiology clinic letter', 400, ['Echo: mild left ventricular hypertrophy. Continue amlodipine.']],
  ] as const) {
    const html = binary(
      `long-history-${days}-letter`,
      'text/html',
      simpleHtml(clinic, [...paragraphs]),
      who.ids.dcr,
    );
    dcr.add(html);
    dcr.document({
      type: CODES.clinicLetter,
      date: daysAgo(days),
      description: clinic,
      url: `${BASE_PLACEHOLDER.dcr}/Binary/${html.id}`,
      contentType: 'text/html',
      author: 'University Hospitals Dorset',
    });
  }

  return {
    key: 'long-history',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates:
      'Long history: a 30-page PDF report, a discharge summary in three parts, letters of three types, a repeat medicine with 24 issues (18 prescriptions in DCR, 6 dispensings in CHIE)',
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator: [],
    nhsVerification: '01',
    gpOds: who.gpOds,
  };
}
