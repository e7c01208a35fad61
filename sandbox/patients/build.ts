// Small builders for UK Core-shaped resources, so each patient file reads like a clinical story.
import type {
  AllergyIntolerance,
  CarePlan,
  CodeableConcept,
  Coding,
  Condition,
  DocumentReference,
  Encounter,
  Flag,
  Identifier,
  MedicationDispense,
  MedicationRequest,
  MedicationStatement,
  DiagnosticReport,
  Observation,
  Patient,
  Procedure,
  Reference,
  Resource,
} from '../../common/fhir';
import type { Organization } from '@medplum/fhirtypes';
import {
  CONFIDENTIALITY,
  NHS_NUMBER,
  NHS_VERIFICATION_DISPLAY,
  NHS_VERIFICATION_SYSTEM,
  NHS_VERIFICATION_URL,
  ODS_ORG,
  PROFILE,
  UCUM,
  WESSEX_ENTRY_ID,
  type NhsVerificationCode,
} from './codes';
import type { GpPractice } from './places';

export type Confidentiality = 'R' | 'V';
const CONFIDENTIALITY_DISPLAY: Record<Confidentiality, string> = { R: 'restricted', V: 'very restricted' };

export interface Meta {
  profile: string;
  date: string;
  security?: Confidentiality;
}

/** A date this many days before the sandbox started, as FHIR writes a date. */
export function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/** "2024-03-01" → "2024-03-01T09:00:00Z"; full instants pass through. */
export function instant(date: string): string {
  return date.length === 10 ? `${date}T09:00:00Z` : date;
}

export function meta({ profile, date, security }: Meta): Resource['meta'] {
  return {
    profile: [profile],
    lastUpdated: instant(date),
    ...(security
      ? {
          security: [{ system: CONFIDENTIALITY, code: security, display: CONFIDENTIALITY_DISPLAY[security] }],
        }
      : {}),
  };
}

/**
 * A document's confidentiality as `DocumentReference.securityLabel` carries it (the document's labels, not the
 * resource's `meta.security`; NRL pointers label their documents this way).
 */
export function securityLabel(code: Confidentiality): CodeableConcept[] {
  return [{ coding: [{ system: CONFIDENTIALITY, code, display: CONFIDENTIALITY_DISPLAY[code] }] }];
}

export function text(coding: Coding): CodeableConcept {
  return { coding: [coding], text: coding.display };
}

export function entryId(value: string): Identifier {
  return { system: WESSEX_ENTRY_ID, value };
}

export function gpOrganization(gp: GpPractice): Organization {
  return {
    resourceType: 'Organization',
    id: `org-${gp.ods}`,
    meta: { profile: [PROFILE.organization] },
    identifier: [{ system: ODS_ORG, value: gp.ods }],
    name: gp.name,
    address: [{ city: gp.town, district: gp.county, postalCode: gp.postcode, country: 'GB' }],
  };
}

export function gpReference(gp: GpPractice): Reference<Organization> {
  return {
    reference: `Organization/org-${gp.ods}`,
    identifier: { system: ODS_ORG, value: gp.ods },
    display: gp.name,
  };
}

export function nhsNumberIdentifier(nhs: string, verification: NhsVerificationCode): Identifier {
  return {
    system: NHS_NUMBER,
    value: nhs,
    extension: [
      {
        url: NHS_VERIFICATION_URL,
        valueCodeableConcept: {
          coding: [
            {
              system: NHS_VERIFICATION_SYSTEM,
              code: verification,
              display: NHS_VERIFICATION_DISPLAY[verification],
            },
          ],
        },
      },
    ],
  };
}

export interface PatientSpec {
  id: string;
  nhs: string;
  verification: NhsVerificationCode;
  given: string[];
  family: string;
  prefix?: string;
  gender: Patient['gender'];
  birthDate: string;
  address: NonNullable<Patient['address']>[number];
  gp: GpPractice;
  phone?: string;
  updated?: string;
  /** Date (or instant) of death, as `deceasedDateTime`. */
  deceased?: string;
}

export function ukCorePatient(spec: PatientSpec): Patient {
  return {
    resourceType: 'Patient',
    id: spec.id,
    meta: meta({ profile: PROFILE.patient, date: spec.updated ?? '2025-01-06' }),
    identifier: [nhsNumberIdentifier(spec.nhs, spec.verification)],
    name: [
      {
        use: 'official',
        family: spec.family,
        given: spec.given,
        ...(spec.prefix ? { prefix: [spec.prefix] } : {}),
      },
    ],
    gender: spec.gender,
    birthDate: spec.birthDate,
    ...(spec.deceased ? { deceasedDateTime: spec.deceased } : {}),
    address: [spec.address],
    ...(spec.phone ? { telecom: [{ system: 'phone', value: spec.phone, use: 'home' }] } : {}),
    generalPractitioner: [gpReference(spec.gp)],
  };
}

/** Accumulates one source's resources for one patient, numbering ids so they are stable and unique. */
export class RecordBuilder {
  readonly resources: Resource[] = [];
  private readonly counters = new Map<string, number>();

  constructor(
    readonly idPrefix: string,
    readonly patientId: string,
  ) {}

  get patientRef(): Reference<Patient> {
    return { reference: `Patient/${this.patientId}` };
  }

  nextId(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return `${this.idPrefix}-${kind}-${n}`;
  }

  add<T extends Resource>(resource: T): T {
    this.resources.push(resource);
    return resource;
  }

  allergy(o: {
    code: Coding;
    recorded: string;
    identifier?: string;
    reaction?: Coding;
    criticality?: AllergyIntolerance['criticality'];
    clinicalStatus?: 'active' | 'inactive' | 'resolved';
    security?: Confidentiality;
  }): AllergyIntolerance {
    return this.add<AllergyIntolerance>({
      resourceType: 'AllergyIntolerance',
      id: this.nextId('allergy'),
      meta: meta({ profile: PROFILE.allergy, date: o.recorded, security: o.security }),
      ...(o.identifier ? { identifier: [entryId(o.identifier)] } : {}),
      clinicalStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
            code: o.clinicalStatus ?? 'active',
          },
        ],
      },
      verificationStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
            code: 'confirmed',
          },
        ],
      },
      ...(o.criticality ? { criticality: o.criticality } : {}),
      code: text(o.code),
      patient: this.patientRef,
      recordedDate: o.recorded,
      ...(o.reaction ? { reaction: [{ manifestation: [text(o.reaction)] }] } : {}),
    });
  }

  condition(o: {
    code: Coding;
    onset: string;
    identifier?: string;
    clinicalStatus?: 'active' | 'inactive' | 'resolved' | 'remission';
    security?: Confidentiality;
    note?: string;
  }): Condition {
    return this.add<Condition>({
      resourceType: 'Condition',
      id: this.nextId('condition'),
      meta: meta({ profile: PROFILE.condition, date: o.onset, security: o.security }),
      ...(o.identifier ? { identifier: [entryId(o.identifier)] } : {}),
      clinicalStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
            code: o.clinicalStatus ?? 'active',
          },
        ],
      },
      verificationStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
      },
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' },
          ],
        },
      ],
      code: text(o.code),
      subject: this.patientRef,
      onsetDateTime: o.onset,
      recordedDate: o.onset,
      ...(o.note ? { note: [{ text: o.note }] } : {}),
    });
  }

  medicationStatement(o: {
    code: Coding;
    start: string;
    dosage: string;
    status?: MedicationStatement['status'];
    end?: string;
    reason?: string;
    identifier?: string;
    security?: Confidentiality;
  }): MedicationStatement {
    return this.add<MedicationStatement>({
      resourceType: 'MedicationStatement',
      id: this.nextId('medstatement'),
      meta: meta({ profile: PROFILE.medicationStatement, date: o.end ?? o.start, security: o.security }),
      ...(o.identifier ? { identifier: [entryId(o.identifier)] } : {}),
      status: o.status ?? 'active',
      ...(o.reason ? { statusReason: [{ text: o.reason }] } : {}),
      medicationCodeableConcept: text(o.code),
      subject: this.patientRef,
      effectivePeriod: { start: o.start, ...(o.end ? { end: o.end } : {}) },
      dateAsserted: o.end ?? o.start,
      dosage: [{ text: o.dosage }],
    });
  }

  /** A GP repeat (continuous) or acute prescription, with the last-issued date. */
  medicationRequest(o: {
    code: Coding;
    authored: string;
    dosage: string;
    repeat: boolean;
    status?: MedicationRequest['status'];
    lastIssued?: string;
    identifier?: string;
    /** Tablets (or other units) issued; default 56 tablet. */
    quantity?: { value: number; unit: string };
    supplyDays?: number;
    /** The prescriber's organisation. */
    requester?: string;
  }): MedicationRequest {
    return this.add<MedicationRequest>({
      resourceType: 'MedicationRequest',
      id: this.nextId('medrequest'),
      meta: meta({ profile: PROFILE.medicationRequest, date: o.lastIssued ?? o.authored }),
      ...(o.identifier ? { identifier: [entryId(o.identifier)] } : {}),
      status: o.status ?? 'active',
      intent: 'order',
      courseOfTherapyType: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy',
            code: o.repeat ? 'continuous' : 'acute',
          },
        ],
      },
      medicationCodeableConcept: text(o.code),
      subject: this.patientRef,
      authoredOn: o.authored,
      ...(o.requester ? { requester: { display: o.requester } } : {}),
      dosageInstruction: [{ text: o.dosage }],
      ...(o.lastIssued
        ? {
            dispenseRequest: {
              validityPeriod: { start: o.lastIssued },
              quantity: o.quantity ?? { value: 56, unit: 'tablet' },
              ...(o.supplyDays
                ? { expectedSupplyDuration: { value: o.supplyDays, unit: 'days', system: UCUM, code: 'd' } }
                : {}),
            },
          }
        : {}),
    });
  }

  /** A community pharmacy's dispensing of a prescription. */
  medicationDispense(o: {
    code: Coding;
    handedOver: string;
    quantity: { value: number; unit: string };
    supplyDays: number;
    pharmacy: string;
    dosage: string;
  }): MedicationDispense {
    return this.add<MedicationDispense>({
      resourceType: 'MedicationDispense',
      id: this.nextId('meddispense'),
      meta: meta({ profile: PROFILE.medicationDispense, date: o.handedOver }),
      status: 'completed',
      medicationCodeableConcept: text(o.code),
      subject: this.patientRef,
      performer: [{ actor: { display: o.pharmacy } }],
      quantity: { ...o.quantity },
      daysSupply: { value: o.supplyDays, unit: 'days', system: UCUM, code: 'd' },
      whenHandedOver: o.handedOver,
      dosageInstruction: [{ text: o.dosage }],
    });
  }

  observation(o: {
    code: Coding;
    date: string;
    value?: number;
    unit?: string;
    ucum?: string;
    components?: { code: Coding; value: number; unit: string; ucum: string }[];
    category?: 'vital-signs' | 'laboratory' | 'survey' | 'social-history';
    valueCode?: Coding;
    identifier?: string;
    security?: Confidentiality;
    /** Reference range in the value's unit. */
    range?: { low?: number; high?: number };
    /** v3 ObservationInterpretation code (H, L, HH, LL, A). */
    interpretation?: string;
    /** A panel: the Observations it groups. */
    hasMember?: Observation[];
  }): Observation {
    return this.add<Observation>({
      resourceType: 'Observation',
      id: this.nextId('obs'),
      meta: meta({ profile: PROFILE.observation, date: o.date, security: o.security }),
      ...(o.identifier ? { identifier: [entryId(o.identifier)] } : {}),
      status: 'final',
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: o.category ?? 'vital-signs',
            },
          ],
        },
      ],
      code: text(o.code),
      subject: this.patientRef,
      effectiveDateTime: o.date,
      ...(o.value !== undefined
        ? { valueQuantity: { value: o.value, unit: o.unit, system: UCUM, code: o.ucum ?? o.unit } }
        : {}),
      ...(o.valueCode ? { valueCodeableConcept: text(o.valueCode) } : {}),
      ...(o.components
        ? {
            component: o.components.map((c) => ({
              code: text(c.code),
              valueQuantity: { value: c.value, unit: c.unit, system: UCUM, code: c.ucum },
            })),
          }
        : {}),
      ...(o.interpretation
        ? {
            interpretation: [
              {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
                    code: o.interpretation,
                  },
                ],
              },
            ],
          }
        : {}),
      ...(o.range
        ? {
            referenceRange: [
              {
                ...(o.range.low !== undefined
                  ? { low: { value: o.range.low, unit: o.unit, system: UCUM, code: o.ucum ?? o.unit } }
                  : {}),
                ...(o.range.high !== undefined
                  ? { high: { value: o.range.high, unit: o.unit, system: UCUM, code: o.ucum ?? o.unit } }
                  : {}),
              },
            ],
          }
        : {}),
      ...(o.hasMember ? { hasMember: o.hasMember.map((m) => ({ reference: `Observation/${m.id}` })) } : {}),
    });
  }

  /** A lab report grouping its results (a panel such as urea and electrolytes). */
  diagnosticReport(o: { code: Coding; date: string; results: Observation[] }): DiagnosticReport {
    return this.add<DiagnosticReport>({
      resourceType: 'DiagnosticReport',
      id: this.nextId('report'),
      meta: meta({ profile: PROFILE.diagnosticReport, date: o.date }),
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' },
          ],
        },
      ],
      code: text(o.code),
      subject: this.patientRef,
      effectiveDateTime: o.date,
      issued: o.date,
      result: o.results.map((r) => ({ reference: `Observation/${r.id}` })),
    });
  }

  flag(o: {
    code: Coding;
    start: string;
    category: { code: string; display: string };
    text?: string;
    security?: Confidentiality;
  }): Flag {
    return this.add<Flag>({
      resourceType: 'Flag',
      id: this.nextId('flag'),
      meta: meta({ profile: PROFILE.flag, date: o.start, security: o.security }),
      status: 'active',
      category: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', ...o.category }],
        },
      ],
      code: { coding: [o.code], text: o.text ?? o.code.display },
      subject: this.patientRef,
      period: { start: o.start },
    });
  }

  encounter(o: {
    code: Coding;
    start: string;
    end?: string;
    cls: 'AMB' | 'EMER' | 'IMP' | 'VR';
    serviceProvider?: string;
    /** An admission not yet discharged: no end, status in-progress. */
    inProgress?: boolean;
    /** Ward or location within the provider. */
    location?: string;
    /** The location is a ward (Location physicalType "wa"). */
    ward?: boolean;
    reason?: Coding;
    /** Where the patient went on discharge ("Home"). */
    dischargeDisposition?: string;
  }): Encounter {
    const classDisplay = { AMB: 'ambulatory', EMER: 'emergency', IMP: 'inpatient encounter', VR: 'virtual' };
    return this.add<Encounter>({
      resourceType: 'Encounter',
      id: this.nextId('encounter'),
      meta: meta({ profile: PROFILE.encounter, date: o.end ?? o.start }),
      status: o.inProgress ? 'in-progress' : 'finished',
      class: {
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
        code: o.cls,
        display: classDisplay[o.cls],
      },
      type: [text(o.code)],
      subject: this.patientRef,
      period: o.inProgress ? { start: o.start } : { start: o.start, end: o.end ?? o.start },
      ...(o.serviceProvider ? { serviceProvider: { display: o.serviceProvider } } : {}),
      ...(o.location
        ? {
            location: [
              {
                location: { display: o.location },
                ...(o.ward
                  ? {
                      physicalType: {
                        coding: [
                          {
                            system: 'http://terminology.hl7.org/CodeSystem/location-physical-type',
                            code: 'wa',
                            display: 'Ward',
                          },
                        ],
                      },
                    }
                  : {}),
              },
            ],
          }
        : {}),
      ...(o.reason ? { reasonCode: [text(o.reason)] } : {}),
      ...(o.dischargeDisposition
        ? { hospitalization: { dischargeDisposition: { text: o.dischargeDisposition } } }
        : {}),
    });
  }

  procedure(o: { code: Coding; date: string; security?: Confidentiality }): Procedure {
    return this.add<Procedure>({
      resourceType: 'Procedure',
      id: this.nextId('procedure'),
      meta: meta({ profile: PROFILE.procedure, date: o.date, security: o.security }),
      status: 'completed',
      code: text(o.code),
      subject: this.patientRef,
      performedDateTime: o.date,
    });
  }

  carePlan(o: {
    category: Coding;
    title: string;
    start: string;
    description: string;
    status?: CarePlan['status'];
  }): CarePlan {
    return this.add<CarePlan>({
      resourceType: 'CarePlan',
      id: this.nextId('careplan'),
      meta: meta({ profile: PROFILE.carePlan, date: o.start }),
      status: o.status ?? 'active',
      intent: 'plan',
      category: [text(o.category)],
      title: o.title,
      subject: this.patientRef,
      period: { start: o.start },
      description: o.description,
    });
  }

  document(o: {
    type: Coding;
    date: string;
    description: string;
    url: string;
    contentType: string;
    author?: string;
    security?: Confidentiality;
    /** Labelled in `securityLabel` (the document's labels) rather than `meta.security`. */
    documentSecurity?: Confidentiality;
    /** The encounter the document belongs to (a discharge letter's admission). */
    encounter?: Encounter;
  }): DocumentReference {
    return this.add<DocumentReference>({
      resourceType: 'DocumentReference',
      id: this.nextId('doc'),
      meta: meta({ profile: PROFILE.documentReference, date: o.date, security: o.security }),
      status: 'current',
      type: text(o.type),
      subject: this.patientRef,
      date: instant(o.date),
      description: o.description,
      ...(o.author ? { author: [{ display: o.author }] } : {}),
      ...(o.documentSecurity ? { securityLabel: securityLabel(o.documentSecurity) } : {}),
      content: [{ attachment: { contentType: o.contentType, url: o.url, title: o.description } }],
      ...(o.encounter ? { context: { encounter: [{ reference: `Encounter/${o.encounter.id}` }] } } : {}),
    });
  }
}
