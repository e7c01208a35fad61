// Current vs past and repeat vs acute medication, from MedicationRequest / MedicationStatement as
// UK Core, CareConnect and plain R4 express them.
import type { Extension, MedicationRequest, MedicationStatement } from '../fhir';
import type { RecordItem } from '../record';
import { newestFirst, sourceNames } from './provenance';

export type PrescriptionKind = 'repeat' | 'acute' | 'repeat dispensing' | 'not stated';

export interface MedicationEntry {
  item: RecordItem;
  name: string;
  dosage?: string;
  kind: PrescriptionKind;
  current: boolean;
  lastIssued?: string;
  sources: string[];
}

const PAST_STATUSES = new Set([
  'stopped',
  'completed',
  'cancelled',
  'entered-in-error',
  'not-taken',
  'revoked',
]);

function findExtension(extensions: Extension[] | undefined, urlPart: string): Extension | undefined {
  return extensions?.find((e) => e.url?.toLowerCase().includes(urlPart.toLowerCase()));
}

function prescriptionKind(resource: MedicationRequest | MedicationStatement): PrescriptionKind {
  const ext = findExtension(resource.extension, 'PrescriptionType');
  const extCode = ext?.valueCodeableConcept?.coding?.[0]?.code ?? ext?.valueCoding?.code;
  const course =
    resource.resourceType === 'MedicationRequest'
      ? resource.courseOfTherapyType?.coding?.[0]?.code
      : resource.category?.coding?.[0]?.code;
  const code = (extCode ?? course ?? '').toLowerCase();
  if (code.includes('dispens')) return 'repeat dispensing';
  if (code === 'repeat' || code === 'continuous' || code === 'community') return 'repeat';
  if (code === 'acute' || code === 'acute-handwritten') return 'acute';
  return 'not stated';
}

function lastIssued(resource: MedicationRequest | MedicationStatement): string | undefined {
  const repeat = findExtension(resource.extension, 'MedicationRepeatInformation');
  const issued = repeat?.extension?.find((e) => e.url?.toLowerCase().includes('datelastissued'));
  if (issued?.valueDateTime) return issued.valueDateTime;
  if (resource.resourceType === 'MedicationRequest') {
    return resource.dispenseRequest?.validityPeriod?.start ?? resource.authoredOn;
  }
  return undefined;
}

/** Not stopped, completed, cancelled or entered in error (a plan counts only when active). */
export function isCurrentMedication(item: RecordItem): boolean {
  const resource = item.resource as MedicationRequest | MedicationStatement;
  const status = (resource.status ?? item.status ?? '').toLowerCase().replace(/\s+/g, '-');
  if (PAST_STATUSES.has(status)) return false;
  if (resource.resourceType === 'MedicationRequest' && resource.intent === 'plan') return status === 'active';
  return true;
}

function dosageText(resource: MedicationRequest | MedicationStatement): string | undefined {
  const dosage = resource.resourceType === 'MedicationRequest' ? resource.dosageInstruction : resource.dosage;
  return (
    dosage
      ?.map((d) => d.text)
      .filter(Boolean)
      .join('; ') || undefined
  );
}

export function medicationEntry(item: RecordItem): MedicationEntry {
  const resource = item.resource as MedicationRequest | MedicationStatement;
  const isMedicationResource =
    resource.resourceType === 'MedicationRequest' || resource.resourceType === 'MedicationStatement';
  return {
    item,
    name: item.display,
    dosage: isMedicationResource ? dosageText(resource) : undefined,
    kind: isMedicationResource ? prescriptionKind(resource) : 'not stated',
    current: isCurrentMedication(item),
    lastIssued: isMedicationResource ? (lastIssued(resource) ?? item.date) : item.date,
    sources: sourceNames(item),
  };
}

export function splitMedications(items: RecordItem[]): {
  current: MedicationEntry[];
  past: MedicationEntry[];
} {
  const entries = items
    .map(medicationEntry)
    .sort((a, b) =>
      newestFirst({ date: a.lastIssued, display: a.name }, { date: b.lastIssued, display: b.name }),
    );
  return { current: entries.filter((e) => e.current), past: entries.filter((e) => !e.current) };
}
