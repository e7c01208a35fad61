// Keys that say "these two entries from different sources are the same clinical fact".
import {
  asArray,
  conceptDisplay,
  firstCode,
  isObject,
  type Json,
  mainConcept,
  primaryCodeKey,
  clinicalDate,
  resourceStatus,
  str,
} from './fhir-read';
import { isInactiveStatus } from './clinical-codes';

const MEDICINE_TYPES = new Set([
  'MedicationStatement',
  'MedicationRequest',
  'MedicationDispense',
  'MedicationAdministration',
]);

/** Business identifiers (system|value): the strongest evidence two copies are one entry. */
export function identifierKeys(resource: Json): string[] {
  const type = str(resource.resourceType) ?? '?';
  const ids = [...asArray(resource.identifier), resource.masterIdentifier].filter(isObject);
  const keys: string[] = [];
  for (const id of ids) {
    const system = str(id.system);
    const value = str(id.value);
    if (system && value) keys.push(`${type}|id|${system}|${value}`);
  }
  return keys;
}

function codeKey(resource: Json): string | undefined {
  const concept = mainConcept(resource);
  const coded = primaryCodeKey(concept);
  if (coded) return coded;
  const text = conceptDisplay(concept) ?? conceptDisplay(resource.medicationReference);
  return text ? text.toLowerCase().replace(/\s+/g, ' ') : undefined;
}

function quantityKey(q: unknown): string | undefined {
  if (!isObject(q)) return undefined;
  const value = typeof q.value === 'number' ? String(q.value) : str(q.value);
  return value === undefined ? undefined : `${value}${str(q.code) ?? str(q.unit) ?? ''}`;
}

function valueKey(resource: Json): string {
  const parts: (string | undefined)[] = [
    quantityKey(resource.valueQuantity),
    str(resource.valueString),
    firstCode(resource.valueCodeableConcept) ?? conceptDisplay(resource.valueCodeableConcept),
    str(resource.valueBoolean),
    str(resource.valueInteger),
  ];
  for (const c of asArray(resource.component).filter(isObject)) {
    parts.push(`${firstCode(c.code) ?? ''}=${quantityKey(c.valueQuantity) ?? str(c.valueString) ?? ''}`);
  }
  if (resource.resourceType === 'RelatedPerson') {
    const name = asArray(resource.name).filter(isObject)[0];
    parts.push(
      name ? (str(name.text) ?? [str(name.family), ...asArray(name.given).map(str)].join(' ')) : undefined,
    );
  }
  return parts.filter((p) => p !== undefined).join(',');
}

/**
 * Code + day + value/substance. Allergies have no date part: the same substance recorded on different
 * days by two systems is still one allergy. Undefined when the entry has nothing to compare on.
 */
export function clinicalFingerprint(resource: Json): string | undefined {
  const type = str(resource.resourceType);
  const code = codeKey(resource);
  if (!type || !code) return undefined;
  if (type === 'AllergyIntolerance') return `${type}|${code}`;
  const day = clinicalDate(resource)?.slice(0, 10) ?? '';
  // A medicine one source has stopped and another still lists is two facts in disagreement, not one entry:
  // merged, the stopped copy could hide the active one.
  const ended = MEDICINE_TYPES.has(type) && isInactiveStatus(resourceStatus(resource)) ? '|ended' : '';
  return `${type}|${code}|${day}|${valueKey(resource)}${ended}`;
}
