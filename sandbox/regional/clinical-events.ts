// The regional servers' test API for caseload alerts: admit a sandbox patient, send them to ED, discharge them,
// file a discharge letter or record a death. Each writes realistic resources to the server's store (so a
// polling client finds them too) and fires the matching topic to the server's Subscriptions, if it has any.
import type { Binary, DocumentReference, Encounter, Patient, Resource } from '../../common/fhir';
import type { FhirStore } from '../fhir/store';
import { NHS_NUMBER_SYSTEM } from '../regional-auth/claims';
import { hasDissented } from './access-request';
import type { SubscriptionHub } from './subscription-hub';
import { DISCHARGE_LETTER_TYPE, TOPICS, type TopicUrl } from '../alerts/topics';

const SNOMED = 'http://snomed.info/sct';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ADMISSION = { system: SNOMED, code: '32485007', display: 'Hospital admission' };
const ED_VISIT = { system: SNOMED, code: '4525004', display: 'Emergency department patient visit' };

export interface ClinicalEventOptions {
  /** Ward, department or hospital as the source names it (default: a ward or ED of the source's own trust). */
  where?: string;
  /** Admission ('IMP', default) or ED arrival ('EMER'); for discharge, which kind of stay ends. */
  className?: 'IMP' | 'EMER';
  /** When it happened (ISO date-time; default now). */
  at?: string;
}

/** The hospital trust each regional source's events come from. */
export interface SourceHospital {
  provider: string;
  ward: string;
  emergencyDepartment: string;
}

export const SOURCE_HOSPITALS: Record<string, SourceHospital> = {
  dcr: {
    provider: 'University Hospitals Dorset NHS Foundation Trust',
    ward: 'Royal Bournemouth Hospital, Ward 3 (Acute Medicine)',
    emergencyDepartment: 'Royal Bournemouth Hospital Emergency Department',
  },
  chie: {
    provider: 'University Hospital Southampton NHS Foundation Trust',
    ward: 'Southampton General Hospital, Ward F5 (Older Persons Medicine)',
    emergencyDepartment: 'Southampton General Hospital Emergency Department',
  },
};

const CLASS_DISPLAY = { IMP: 'inpatient encounter', EMER: 'emergency' } as const;

export class ClinicalEvents {
  constructor(
    private readonly store: FhirStore,
    private readonly hospital: SourceHospital,
    private readonly sourceName: string,
    /** The NHS number for a sandbox patient key (or the NHS number itself). */
    private readonly nhsNumberOf: (patientKeyOrNhs: string) => string,
    private readonly hub: () => SubscriptionHub | undefined,
    private readonly baseUrl: () => string,
  ) {}

  async admit(patient: string, options: ClinicalEventOptions = {}): Promise<Encounter> {
    // A patient new to this trust is registered on arrival, as a hospital's PAS does from the NHS number.
    const found = await this.patient(patient, { registerIfNew: true });
    const emergency = options.className === 'EMER';
    const at = options.at ?? new Date().toISOString();
    const encounter = await this.store.create<Encounter>({
      resourceType: 'Encounter',
      status: 'in-progress',
      class: {
        system: ACT_CODE,
        code: emergency ? 'EMER' : 'IMP',
        display: CLASS_DISPLAY[emergency ? 'EMER' : 'IMP'],
      },
      type: [
        { coding: [emergency ? ED_VISIT : ADMISSION], text: (emergency ? ED_VISIT : ADMISSION).display },
      ],
      subject: subjectOf(found),
      period: { start: at },
      serviceProvider: { display: this.hospital.provider },
      location: [
        {
          location: {
            display: options.where ?? (emergency ? this.hospital.emergencyDepartment : this.hospital.ward),
          },
          status: 'active',
          period: { start: at },
        },
      ],
      ...(emergency ? {} : { hospitalization: { admitSource: { text: 'Emergency admission' } } }),
    });
    await this.fire(TOPICS.encounterStart, encounter, found);
    return encounter;
  }

  sendToEd(patient: string, options: ClinicalEventOptions = {}): Promise<Encounter> {
    return this.admit(patient, { ...options, className: 'EMER' });
  }

  /** Ends the patient's latest open stay (of `className`, when given) here: the encounter moves to finished. */
  async discharge(patient: string, options: ClinicalEventOptions = {}): Promise<Encounter> {
    const found = await this.patient(patient);
    const open = (
      (await this.store.search('Encounter', {
        patient: `Patient/${found.id}`,
        status: 'in-progress',
      })) as Encounter[]
    )
      .filter((e) => !options.className || e.class?.code === options.className)
      .sort((a, b) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''))[0];
    if (!open) throw new Error(`${patient} has no open hospital stay in ${this.sourceName} to discharge`);
    const at = options.at ?? new Date().toISOString();
    const encounter = (await this.store.update({
      ...open,
      status: 'finished',
      period: { ...open.period, end: at },
      location: (open.location ?? []).map((l) => ({
        ...l,
        status: 'completed' as const,
        ...(options.where ? { location: { display: options.where } } : {}),
        period: { ...l.period, end: at },
      })),
      hospitalization: { ...open.hospitalization, dischargeDisposition: { text: 'Home' } },
    })) as Encounter;
    await this.fire(TOPICS.encounterEnd, encounter, found);
    return encounter;
  }

  /** A discharge letter (with its text as a Binary), for the patient's latest stay here when there is one. */
  async addLetter(patient: string, options: ClinicalEventOptions = {}): Promise<DocumentReference> {
    const found = await this.patient(patient);
    const at = options.at ?? new Date().toISOString();
    const stay = (
      (await this.store.search('Encounter', { patient: `Patient/${found.id}` })) as Encounter[]
    ).sort((a, b) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''))[0];
    const where = options.where ?? stay?.location?.[0]?.location?.display ?? this.hospital.ward;
    const text =
      `Discharge letter\n\nAdmitted to ${where}. Treated and discharged home with community nursing follow-up.\n` +
      'Medication changes are listed in the attached summary. Please review within 2 weeks.\n';
    const binary = await this.store.create<Binary>({
      resourceType: 'Binary',
      contentType: 'text/plain',
      securityContext: { reference: `Patient/${found.id}` },
      data: Buffer.from(text, 'utf8').toString('base64'),
    });
    const letter = await this.store.create<DocumentReference>({
      resourceType: 'DocumentReference',
      status: 'current',
      docStatus: 'final',
      type: { coding: [DISCHARGE_LETTER_TYPE], text: DISCHARGE_LETTER_TYPE.display },
      subject: subjectOf(found),
      date: at,
      author: [{ display: this.hospital.provider }],
      custodian: { display: this.hospital.provider },
      description: `Discharge letter: ${where}`,
      content: [
        {
          attachment: {
            contentType: 'text/plain',
            url: `${this.baseUrl()}/Binary/${binary.id}`,
            title: `Discharge letter: ${where}`,
            creation: at,
          },
        },
      ],
      ...(stay ? { context: { encounter: [{ reference: `Encounter/${stay.id}` }] } } : {}),
    });
    await this.fire(TOPICS.documentNew, letter, found);
    return letter;
  }

  async recordDeath(patient: string, options: ClinicalEventOptions = {}): Promise<Patient> {
    const found = await this.patient(patient);
    const { deceasedBoolean: _dropped, ...rest } = found;
    const updated = (await this.store.update({
      ...rest,
      deceasedDateTime: options.at ?? new Date().toISOString(),
    })) as Patient;
    await this.fire(TOPICS.patientDeath, updated, updated);
    return updated;
  }

  private async patient(
    keyOrNhs: string,
    options: { registerIfNew?: boolean } = {},
  ): Promise<Patient & { id: string }> {
    const nhs = this.nhsNumberOf(keyOrNhs);
    const [found] = (await this.store.search('Patient', {
      identifier: `${NHS_NUMBER_SYSTEM}|${nhs}`,
    })) as Patient[];
    if (found?.id) return found as Patient & { id: string };
    if (!options.registerIfNew) throw new Error(`${keyOrNhs} is not held by ${this.sourceName}`);
    return (await this.store.create<Patient>({
      resourceType: 'Patient',
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhs }],
    })) as Patient & { id: string };
  }

  private async fire(topic: TopicUrl, focus: Resource, patient: Patient): Promise<void> {
    const hub = this.hub();
    if (!hub) return;
    const patientNhs = patient.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value ?? '';
    const withheld = await hasDissented(this.store, patientNhs);
    hub.fire({
      topic,
      focus,
      patientNhs,
      ...(withheld ? {} : { patient }),
      withheld,
      timestamp: new Date().toISOString(),
    });
  }
}

/** A reference to the patient that also carries their NHS number, as NHS systems write them. */
function subjectOf(patient: Patient & { id: string }): {
  reference: string;
  identifier?: { system: string; value: string };
} {
  const nhs = patient.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value;
  return {
    reference: `Patient/${patient.id}`,
    ...(nhs ? { identifier: { system: NHS_NUMBER_SYSTEM, value: nhs } } : {}),
  };
}
