// Keys that say "these two entries from different sources are the same clinical fact".
import { asArray, conceptDisplay, firstCode, isObject, type Json, primaryCodeKey, str } from './fhir-read';
import { isInactiveStatus } from './clinical-codes';

const MEDICINE_TYPES = new Set([
  'MedicationStatement',
  'MedicationRequest',
  'MedicationDispense',
  'MedicationAdministration',
]);

const NO_KEYS: readonly string[] = Object.freeze([]);

/** Business identifiers (system|value): the strongest evidence two copies are one entry. */
export function identifierKeys(resource: Json): readonly string[] {
  const type = str(resource.resourceType) ?? '?';
  let keys: string[] | undefined;
  const add = (id: unknown) => {
    if (!isObject(id)) return;
    const system = str(id.system);
    const value = str(id.value);
    if (system && value) (keys ??= []).push([type, 'id', system, value].join('|'));
  };
  for (const id of asArray(resource.identifier)) add(id);
  add(resource.masterIdentifier);
  return keys ?? NO_KEYS;
}

function codeKey(resource: Json, concept: unknown): string | undefined {
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
  // One string built as it goes: this runs for every resource.
  let key: string | undefined;
  const part = (value: string | undefined) => {
    if (value !== undefined) key = key === undefined ? value : `${key},${value}`;
  };
  part(quantityKey(resource.valueQuantity));
  part(str(resource.valueString));
  part(firstCode(resource.valueCodeableConcept) ?? conceptDisplay(resource.valueCodeableConcept));
  part(str(resource.valueBoolean));
  part(str(resource.valueInteger));
  for (const c of asArray(resource.component)) {
    if (isObject(c))
      part(`${firstCode(c.code) ?? ''}=${quantityKey(c.valueQuantity) ?? str(c.valueString) ?? ''}`);
  }
  if (resource.resourceType === 'RelatedPerson') {
    const name = asArray(resource.name).find(isObject);
    part(
      name ? (str(name.text) ?? [str(name.family), ...asArray(name.given).map(str)].join(' ')) : undefined,
    );
  }
  return key ?? '';
}

/** What the fingerprint is made of, read from the resource once by its caller (resource-facts.ts). */
export interface FingerprintParts {
  concept: unknown;
  clinicalDate: string | undefined;
  status: string | undefined;
}

/**
 * Code + day + value/substance. Allergies have no date part: the same substance recorded on different
 * days by two systems is still one allergy. Undefined when the entry has nothing to compare on.
 */
export function clinicalFingerprint(resource: Json, parts: FingerprintParts): string | undefined {
  const type = str(resource.resourceType);
  const code = codeKey(resource, parts.concept);
  if (!type || !code) return undefined;
  if (type === 'AllergyIntolerance') return [type, code].join('|');
  const day = parts.clinicalDate?.slice(0, 10) ?? '';
  // A medicine one source has stopped and another still lists is two facts in disagreement, not one entry:
  // merged, the stopped copy could hide the active one.
  const ended = MEDICINE_TYPES.has(type) && isInactiveStatus(parts.status) ? '|ended' : '';
  // Joined rather than concatenated: one flat string, not a tree of pieces (every resource keeps its
  // fingerprint for as long as the record is open, and a tree of pieces is several times the size).
  return [type, code, day, `${valueKey(resource)}${ended}`].join('|');
}
