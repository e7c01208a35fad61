// Resuscitation decisions as the sources code them (SNOMED CT, or plain words when uncoded): one reading for
// the engine's conflict check and the screen's resuscitation status card.
import { asArray, isObject, objectsIn, str, type JsonObject } from './json';

export const NOT_FOR_CPR_CODES = new Set(['304253006', '450476008']);
export const FOR_CPR_CODES = new Set(['304252001', '450475007']);
export const NOT_FOR_CPR_TEXT =
  /\b(dnacpr|dnar|not for (attempted )?(cardiopulmonary )?resuscitation|do not attempt)\b/i;
export const FOR_CPR_TEXT = /\bfor (attempted )?(cardiopulmonary )?resuscitation\b/i;
export const RESPECT_CODE = '1382601000000107';
export const CPR_PROCEDURE_CODE = '89666000';

/** A clinician's decision for or against CPR, or the patient's own refusal of it. */
export type CprStatus = 'not-for-cpr' | 'for-cpr' | 'declines-cpr';

export const CPR_STATUS_LABEL: Record<CprStatus, string> = {
  'not-for-cpr': 'Not for CPR (DNACPR)',
  'for-cpr': 'For CPR',
  'declines-cpr': 'Patient declines CPR',
};

function codes(concepts: unknown): string[] {
  return objectsIn(concepts)
    .flatMap((c) => objectsIn(c.coding))
    .map((c) => c.code)
    .filter((c): c is string => typeof c === 'string');
}

function texts(concepts: unknown): string[] {
  return objectsIn(concepts)
    .flatMap((c) => [
      str(c.text),
      ...asArray(c.coding).map((d) => (isObject(d) ? str(d.display) : undefined)),
    ])
    .filter((t): t is string => t !== undefined);
}

/** A Consent refusing CPR: category "dnr", or a provision denying cardiopulmonary resuscitation. */
function consentRefusesCpr(resource: JsonObject): boolean {
  if (resource.resourceType !== 'Consent') return false;
  if (codes(resource.category).includes('dnr')) return true;
  const provision = isObject(resource.provision) ? resource.provision : undefined;
  return provision?.type === 'deny' && codes(provision.code).includes(CPR_PROCEDURE_CODE);
}

/** What a resource says about CPR, from its codes first and its words only when it has no such code. */
export function cprStatusOf(resource: JsonObject): CprStatus | undefined {
  if (consentRefusesCpr(resource)) return 'declines-cpr';
  const concepts = [
    resource.code,
    resource.type,
    resource.valueCodeableConcept,
    ...asArray(resource.category),
  ];
  const words = [...concepts.flatMap(texts), str(resource.description), str(resource.title)]
    .filter((t): t is string => t !== undefined)
    .join(' ');
  return cprStatusFrom(concepts.flatMap(codes), words);
}

/** From codes first, and words only when no code says. */
export function cprStatusFrom(codes: readonly string[], words: string): CprStatus | undefined {
  if (codes.some((c) => NOT_FOR_CPR_CODES.has(c))) return 'not-for-cpr';
  if (codes.some((c) => FOR_CPR_CODES.has(c))) return 'for-cpr';
  if (NOT_FOR_CPR_TEXT.test(words)) return 'not-for-cpr';
  if (FOR_CPR_TEXT.test(words)) return 'for-cpr';
  return undefined;
}

export function isRespectForm(resource: JsonObject): boolean {
  return [resource.type, ...asArray(resource.category), resource.code].flatMap(codes).includes(RESPECT_CODE);
}
