// Reading a CodeableConcept as a hostile or careless source may send it: codings that are not objects, codes
// and words that are not text are read past, never thrown over or shown as "[object Object]". Loops rather
// than chains of arrays: results rows read these for every one of tens of thousands of entries.
import { isObject, str, type JsonObject } from '../json';

export interface LooseCoding {
  system?: unknown;
  code?: unknown;
  display?: unknown;
}

/** A reference's display name; a bare reference ("Organization/123") means nothing to a clinician. */
export const referenceDisplay = (value: unknown): string | undefined =>
  isObject(value) ? str(value.display) : undefined;

/** The concept's first coding, when it is an object. */
export function firstCoding(concept: unknown): LooseCoding | undefined {
  const coding =
    isObject(concept) && Array.isArray(concept.coding) ? (concept.coding[0] as unknown) : undefined;
  return isObject(coding) ? coding : undefined;
}

/** A concept's words: its text, else the first coding's display that is text. */
export function conceptWords(concept: unknown): string | undefined {
  if (!isObject(concept)) return undefined;
  const text = str(concept.text);
  if (text || !Array.isArray(concept.coding)) return text;
  for (const c of concept.coding as unknown[]) {
    const display = isObject(c) ? str((c as JsonObject).display) : undefined;
    if (display) return display;
  }
  return undefined;
}

/** The codes of a concept's codings that are text. */
export function conceptCodes(concept: unknown): string[] {
  const found: string[] = [];
  if (!isObject(concept) || !Array.isArray(concept.coding)) return found;
  for (const c of concept.coding as unknown[])
    if (isObject(c) && typeof c.code === 'string' && c.code) found.push(c.code);
  return found;
}
