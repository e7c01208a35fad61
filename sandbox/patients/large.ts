// A large record (≥ 20,000 resources across DCR and CHIE) for benchmarks: years of telehealth vitals in the
// GP record, many admissions with NEWS2 observations in CHIE. Generated only when asked (includeLargePatient).
import { RecordBuilder, gpOrganization } from './build';
import { CODES, DMD } from './codes';
import { BASE_PLACEHOLDER, binary, simpleHtml } from './documents';
import { makeIdentity } from './identity';
import type { SandboxPatient } from './types';

const DAY = 86_400_000;
const START = Date.UTC(2019, 0, 1);

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function largePatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'large',
      given: ['John', 'Robert'],
      family: 'Fowles',
      prefix: 'Mr',
      gender: 'male',
      birthDate: '1944-05-19',
      gpOds: 'J81033',
    },
    taken,
  );
  const rng = who.rng;
  const dcr = new RecordBuilder('dcr-lg', who.ids.dcr);
  const chie = new RecordBuilder('chie-lg', who.ids.chie);
  dcr.add(who.patient('dcr'));
  chie.add(who.patient('chie'));
  dcr.add(gpOrganization(who.gp));

  for (const b of [dcr, chie]) {
    b.condition({ code: CODES.copd, onset: '2009-02-11', identifier: 'J81033-PRB-0001' });
    b.condition({ code: CODES.heartFailure, onset: '2015-06-30', identifier: 'J81033-PRB-0002' });
    b.condition({ code: CODES.diabetesType2, onset: '2011-10-04', identifier: 'J81033-PRB-0003' });
    b.allergy({
      code: CODES.penicillinAllergy,
      recorded: '1990-01-01',
      reaction: CODES.rash,
      identifier: 'J81033-ALG-0001',
    });
  }
  // A resuscitation decision, so the benchmarks can time "DNACPR and allergies on screen".
  dcr.flag({
    code: CODES.dnacpr,
    start: '2024-03-02',
    category: { code: 'clinical', display: 'Clinical' },
    text: 'DNACPR: do not attempt cardiopulmonary resuscitation (decision 02/03/2024)',
  });
  for (const [code, dosage] of [
    [DMD.furosemide40, 'One tablet in the morning'],
    [DMD.ramipril5, 'One capsule once a day'],
    [DMD.metformin500, 'One tablet twice a day'],
    [DMD.salbutamolInhaler, 'Two puffs when required'],
  ] as const) {
    dcr.medicationStatement({ code, start: '2016-01-01', dosage });
    for (let month = 0; month < 80; month++) {
      dcr.medicationRequest({
        code,
        authored: '2016-01-01',
        dosage,
        repeat: true,
        lastIssued: isoDate(START + month * 28 * DAY),
      });
    }
  }

  // DCR: daily telehealth readings (BP, heart rate, SpO2, weight) for six years; quarterly HbA1c, monthly eGFR.
  for (let d = 0; d < 2500; d++) {
    const at = isoInstant(START + d * DAY + 8 * 3_600_000);
    dcr.observation({
      code: CODES.bloodPressure,
      date: at,
      components: [
        { code: CODES.systolic, value: rng.around(138, 14), unit: 'mm[Hg]', ucum: 'mm[Hg]' },
        { code: CODES.diastolic, value: rng.around(82, 9), unit: 'mm[Hg]', ucum: 'mm[Hg]' },
      ],
    });
    dcr.observation({ code: CODES.heartRate, date: at, value: rng.around(76, 12), unit: '/min' });
    dcr.observation({ code: CODES.oxygenSaturation, date: at, value: rng.around(93, 3), unit: '%' });
    dcr.observation({ code: CODES.bodyWeight, date: at, value: rng.around(84, 3, 1), unit: 'kg' });
    if (d % 30 === 0) {
      dcr.observation({
        code: CODES.egfr,
        date: at,
        value: rng.around(52, 8),
        unit: 'mL/min/{1.73_m2}',
        category: 'laboratory',
      });
      dcr.encounter({ code: CODES.gpConsultation, start: at, cls: 'VR', serviceProvider: who.gp.name });
    }
    if (d % 91 === 0) {
      dcr.observation({
        code: CODES.hba1c,
        date: at,
        value: rng.around(56, 8),
        unit: 'mmol/mol',
        category: 'laboratory',
      });
    }
  }

  // CHIE: 85 admissions, NEWS2 and vitals every 8 hours.
  const letter = binary(
    'large-discharge-letter-html',
    'text/html',
    simpleHtml('Discharge summary', ['Admitted with an exacerbation of COPD. Discharged home.']),
    who.ids.chie,
  );
  chie.add(letter);
  for (let a = 0; a < 85; a++) {
    const admitted = START + a * 26 * DAY + rng.int(0, 10) * DAY;
    const stay = 10;
    chie.encounter({
      code: CODES.inpatientStay,
      start: isoDate(admitted),
      end: isoDate(admitted + stay * DAY),
      cls: 'IMP',
      serviceProvider: 'University Hospital Southampton NHS Foundation Trust',
    });
    for (let obs = 0; obs < stay * 3; obs++) {
      const at = isoInstant(admitted + obs * 8 * 3_600_000);
      chie.observation({
        code: CODES.news2,
        date: at,
        value: rng.int(0, 7),
        unit: '{score}',
        category: 'survey',
      });
      chie.observation({ code: CODES.heartRate, date: at, value: rng.around(88, 15), unit: '/min' });
      chie.observation({ code: CODES.oxygenSaturation, date: at, value: rng.around(91, 3), unit: '%' });
      chie.observation({
        code: CODES.bloodPressure,
        date: at,
        components: [
          { code: CODES.systolic, value: rng.around(128, 16), unit: 'mm[Hg]', ucum: 'mm[Hg]' },
          { code: CODES.diastolic, value: rng.around(74, 10), unit: 'mm[Hg]', ucum: 'mm[Hg]' },
        ],
      });
    }
    chie.document({
      type: CODES.dischargeSummary,
      date: isoDate(admitted + stay * DAY),
      description: `Discharge summary ${a + 1}`,
      url: `${BASE_PLACEHOLDER.chie}/Binary/${letter.id}`,
      contentType: 'text/html',
      author: 'University Hospital Southampton',
    });
  }

  return {
    key: 'large',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates: `Large record for benchmarks: ${dcr.resources.length + chie.resources.length} resources across DCR and CHIE`,
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator: [],
    nhsVerification: '01',
    gpOds: who.gpOds,
  };
}
