// What a regional source says it can do (its CapabilityStatement): whether it offers Patient/$everything, and
// which resource types it can search. A statement that cannot be read says nothing: every type may be asked.
import { asArray, isObject, objectsIn, str } from './fhir-read';

export interface Capabilities {
  everything: boolean;
  /** Resource types the server says it can search; undefined when it did not say. */
  types?: Set<string>;
}

export function readCapabilities(statement: unknown): Capabilities {
  if (!isObject(statement) || statement.resourceType !== 'CapabilityStatement') return { everything: false };
  const rest = objectsIn(statement.rest);
  const resources = rest.flatMap((r) => objectsIn(r.resource));
  const isEverything = (op: unknown) =>
    isObject(op) && (op.name === 'everything' || /patient-everything/.test(str(op.definition) ?? ''));
  const patient = resources.find((r) => r.type === 'Patient');
  const everything =
    asArray(patient?.operation).some(isEverything) ||
    rest.some((r) => asArray(r.operation).some(isEverything));
  const types = new Set(resources.map((r) => str(r.type)).filter((t): t is string => t !== undefined));
  return { everything, types: types.size ? types : undefined };
}

/** Whether the statement lets `type` be searched (a statement that lists no types lets every type). */
export function supported(caps: Capabilities, type: string): boolean {
  return !caps.types || caps.types.has(type);
}
