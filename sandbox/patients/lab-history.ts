// Ten years of GP blood tests and five of home glucose readings: the results views a GP works from. DCR holds
// the practice's urea and electrolytes reports (DiagnosticReport, every three months: forty dates), HbA1c
// (no panel) and daily capillary glucose with hypo- and hyperglycaemic readings flagged; CHIE holds the
// hospital's full blood counts as a panel Observation (hasMember). Dates are relative to the sandbox's start.
import type { Coding, Observation } from '../../common/fhir';
import { RecordBuilder, gpOrganization } from './build';
import { CODES, LOINC } from './codes';
import { makeIdentity } from './identity';
import { Prng } from './prng';
import type { SandboxPatient } from './types';

const loinc = (code: string, display: string): Coding => ({ system: LOINC, code, display });

export const LAB = {
  ueReport: loinc('24362-6', 'Urea and electrolytes'),
  sodium: loinc('2951-2', 'Sodium'),
  potassium: loinc('2823-3', 'Potassium'),
  creatinine: loinc('2160-0', 'Creatinine'),
  fbcPanel: loinc('58410-2', 'Full blood count'),
  haemoglobin: loinc('718-7', 'Haemoglobin'),
  whiteCells: loinc('6690-2', 'White cell count'),
  platelets: loinc('777-3', 'Platelets'),
  glucose: loinc('14743-9', 'Capillary blood glucose'),
} as const;

export const U_AND_E_DATES = 40;
export const GLUCOSE_DAYS = 1825;

export function labHistoryPatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'lab-history',
      given: ['Priya'],
      family: 'Hallett',
      prefix: 'Mrs',
      gender: 'female',
      birthDate: '1958-04-22',
      gpOds: 'J81017',
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-lh', who.ids.dcr);
  const chie = new RecordBuilder('chie-lh', who.ids.chie);
  dcr.add(who.patient('dcr'));
  chie.add(who.patient('chie'));
  dcr.add(gpOrganization(who.gp));
  chie.add(gpOrganization(who.gp));
  const rng = new Prng('patient:lab-history');

  dcr.condition({ code: CODES.diabetesType2, onset: '2012-05-14' });
  dcr.condition({ code: CODES.ckd3, onset: '2019-02-01' });

  const lab = (
    b: RecordBuilder,
    code: Coding,
    date: string,
    value: number,
    unit: string,
    range: { low?: number; high?: number },
  ): Observation =>
    b.observation({
      code,
      date,
      value,
      unit,
      category: 'laboratory',
      range,
      ...(range.high !== undefined && value > range.high
        ? { interpretation: 'H' }
        : range.low !== undefined && value < range.low
          ? { interpretation: 'L' }
          : {}),
    });

  for (let n = 0; n < U_AND_E_DATES; n++) {
    const date = at(n * 91 + 5, '09:10');
    // Potassium has crept up (ramipril, CKD): the three newest reports are flagged high.
    const potassium = n < 3 ? 5.8 - n / 10 : rng.around(4.6, 0.6, 1);
    dcr.diagnosticReport({
      code: LAB.ueReport,
      date,
      results: [
        lab(dcr, LAB.sodium, date, rng.around(139, 3), 'mmol/L', { low: 133, high: 146 }),
        lab(dcr, LAB.potassium, date, potassium, 'mmol/L', { low: 3.5, high: 5.3 }),
        lab(dcr, LAB.creatinine, date, Math.round(96 + (U_AND_E_DATES - n) * 0.8), 'umol/L', {
          low: 45,
          high: 84,
        }),
      ],
    });
    if (n % 2 === 0) {
      dcr.observation({
        code: CODES.hba1c,
        date,
        value: rng.around(56, 8),
        unit: 'mmol/mol',
        category: 'laboratory',
      });
    }
  }

  for (let n = 0; n < 5; n++) {
    const date = at(n * 200 + 40, '14:30');
    chie.observation({
      code: LAB.fbcPanel,
      date,
      category: 'laboratory',
      hasMember: [
        lab(chie, LAB.haemoglobin, date, n === 0 ? 98 : rng.around(124, 6), 'g/L', { low: 115, high: 165 }),
        lab(chie, LAB.whiteCells, date, rng.around(7.1, 2, 1), '10*9/L', { low: 4, high: 11 }),
        lab(chie, LAB.platelets, date, rng.around(260, 50), '10*9/L', { low: 150, high: 400 }),
      ],
    });
  }

  // Home readings once a day: a hypo about every hundred days, a high reading about every five weeks.
  for (let d = 0; d < GLUCOSE_DAYS; d++) {
    const value =
      d % 101 === 50
        ? rng.around(3.2, 0.4, 1)
        : d % 37 === 20
          ? rng.around(15, 2, 1)
          : rng.around(7.2, 2.2, 1);
    lab(dcr, LAB.glucose, at(d, '07:45'), value, 'mmol/L', { low: 4, high: 11 });
  }

  return {
    key: 'lab-history',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates: `Lab history for the results views: ${U_AND_E_DATES} urea and electrolytes reports (newest potassium high), full blood count panels, ${GLUCOSE_DAYS} daily glucose readings with hypos flagged`,
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator: [],
    nhsVerification: '01',
    gpOds: who.gpOds,
  };
}

/** This many days before the sandbox started, at a clock time (UTC). */
function at(days: number, time: string): string {
  return `${new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)}T${time}:00Z`;
}
