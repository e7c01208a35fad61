// Today's work on the Dorset Care Record: Appointments for the sandbox community nurse and paramedic, and the
// Ringwood community nursing team's caseload List. Dated from the Europe/London day the sandbox starts on, so
// "today's appointments" always finds something; everything else is fixed.
import type { Appointment, List, Patient, Practitioner, Resource } from '../../common/fhir';
import { londonInstant } from '../../common/london-date';
import { SANDBOX_USERS, type SandboxUserKey } from '../epr/users';
import type { SandboxPatient } from './types';

export const CASELOAD_LIST_ID = 'dcr-caseload-ringwood-nursing';
export const CASELOAD_LIST_CODE = {
  system: 'https://fhir.wessex.example.nhs.uk/CodeSystem/list-purpose',
  code: 'caseload',
  display: 'Caseload',
};
const PROFILE = {
  appointment: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Appointment',
  list: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-List',
  practitioner: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Practitioner',
};

interface Visit {
  user: 'nurse' | 'paramedic';
  patientKey: string;
  time: string;
  minutes: number;
  description: string;
  status?: Appointment['status'];
}

const VISITS: readonly Visit[] = [
  {
    user: 'nurse',
    patientKey: 'frail',
    time: '09:30',
    minutes: 45,
    description: 'Home visit: pressure area care',
  },
  {
    user: 'nurse',
    patientKey: 'cross-border',
    time: '11:00',
    minutes: 30,
    description: 'Diabetic foot check',
  },
  {
    user: 'nurse',
    patientKey: 'sensitive',
    time: '14:00',
    minutes: 30,
    description: 'Asthma review at home',
  },
  {
    user: 'nurse',
    patientKey: 'not-traced',
    time: '15:30',
    minutes: 30,
    description: 'Wound dressing (cancelled by the patient)',
    status: 'cancelled',
  },
  {
    user: 'paramedic',
    patientKey: 'frail',
    time: '10:15',
    minutes: 60,
    description: 'Falls follow-up visit',
  },
  {
    user: 'paramedic',
    patientKey: 'cross-border',
    time: '13:00',
    minutes: 45,
    description: 'Urgent community response',
  },
];

/** Patients on the Ringwood community nursing caseload, in list order. */
const LIST_KEYS = ['frail', 'cross-border', 'sensitive'] as const;

export interface SandboxCaseload {
  /** The Europe/London date the appointments are on (YYYY-MM-DD). */
  date: string;
  listId: string;
  /** Patient keys with a booked (not cancelled) appointment that day, per sandbox user. */
  appointments: Record<'nurse' | 'paramedic', string[]>;
  /** Patient keys on the caseload List. */
  list: string[];
  /** What the Dorset Care Record holds for this: Practitioners, Appointments and the List. */
  dcr: Resource[];
}

function user(key: SandboxUserKey) {
  const found = SANDBOX_USERS.find((u) => u.key === key);
  if (!found) throw new Error(`No sandbox user "${key}"`);
  return found;
}

function dcrPatient(patients: readonly SandboxPatient[], key: string): Patient & { id: string } {
  const patient = patients
    .find((p) => p.key === key)
    ?.dcr.find((r): r is Patient => r.resourceType === 'Patient');
  if (!patient?.id) throw new Error(`Sandbox patient "${key}" is not on the Dorset Care Record`);
  return patient as Patient & { id: string };
}

function addMinutes(date: string, time: string, minutes: number): string {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const total = h * 60 + m + minutes;
  return londonInstant(
    date,
    `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`,
  );
}

export function sandboxCaseload(patients: readonly SandboxPatient[], date: string): SandboxCaseload {
  const updated = londonInstant(date, '07:00');
  const nurse = user('nurse');
  const practitioners: Practitioner[] = (['nurse', 'paramedic'] as const).map((key) => ({
    ...user(key).practitioner,
    meta: { profile: [PROFILE.practitioner], lastUpdated: updated },
  }));
  const appointments: Appointment[] = VISITS.map((visit, index) => {
    const who = user(visit.user);
    const patient = dcrPatient(patients, visit.patientKey);
    return {
      resourceType: 'Appointment',
      id: `dcr-appointment-${visit.user}-${index + 1}`,
      meta: { profile: [PROFILE.appointment], lastUpdated: updated },
      status: visit.status ?? 'booked',
      description: visit.description,
      start: londonInstant(date, visit.time),
      end: addMinutes(date, visit.time, visit.minutes),
      minutesDuration: visit.minutes,
      participant: [
        {
          actor: { reference: `Patient/${patient.id}`, type: 'Patient' },
          required: 'required',
          status: 'accepted',
        },
        {
          actor: { reference: `Practitioner/${who.practitioner.id}`, type: 'Practitioner' },
          required: 'required',
          status: 'accepted',
        },
      ],
    };
  });
  const list: List = {
    resourceType: 'List',
    id: CASELOAD_LIST_ID,
    meta: { profile: [PROFILE.list], lastUpdated: updated },
    status: 'current',
    mode: 'working',
    title: 'Community nursing caseload — Ringwood',
    code: { coding: [CASELOAD_LIST_CODE], text: 'Caseload' },
    source: { reference: `Practitioner/${nurse.practitioner.id}` },
    date: updated,
    entry: LIST_KEYS.map((key) => ({
      item: { reference: `Patient/${dcrPatient(patients, key).id}`, type: 'Patient' },
    })),
  };
  const booked = (who: Visit['user']) =>
    VISITS.filter((v) => v.user === who && (v.status ?? 'booked') === 'booked').map((v) => v.patientKey);
  return {
    date,
    listId: CASELOAD_LIST_ID,
    appointments: { nurse: booked('nurse'), paramedic: booked('paramedic') },
    list: [...LIST_KEYS],
    dcr: [...practitioners, ...appointments, list],
  };
}
