// What the log must never show about an opened patient: their name and their local ids on each source.
import type { WessexRecord } from '../../../common/record';

/**
 * The opened patient's name and their local ids on each source (Patient/<id> appears in request URLs and so in
 * failure messages), so no later log line can carry them. Only these few: the logger turns every remembered
 * identifier into one pattern applied to each line, so entry ids (tens of thousands) do not belong here.
 */
export function patientIdentifiers(record: WessexRecord): string[] {
  const localIds = new Set<string>();
  for (const item of record.items) {
    const resource = item.resource as { subject?: { reference?: string }; patient?: { reference?: string } };
    const reference = resource.subject?.reference ?? resource.patient?.reference;
    if (reference?.startsWith('Patient/')) localIds.add(reference.slice('Patient/'.length));
  }
  return [record.patient.name, ...localIds];
}
