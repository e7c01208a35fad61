// A person's name as a clinician reads it, from FHIR HumanName as servers send it (any shape tolerated).
import { asArray, objectsIn, str } from './json';

/** The official name, else the usual one, else the first: its text, else prefix, given names and family. */
export function humanName(value: unknown): string | undefined {
  const names = objectsIn(value);
  const name = names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names[0];
  if (!name) return undefined;
  const text = str(name.text);
  if (text) return text;
  const parts = [...asArray(name.prefix).map(str), ...asArray(name.given).map(str), str(name.family)].filter(
    Boolean,
  );
  return parts.length ? parts.join(' ') : undefined;
}

/** A name as compared: case, accents, spaces and punctuation are not differences; letters of any script count. */
export function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLocaleLowerCase('en-GB')
    .replace(/[^\p{L}\p{N}]/gu, '');
}
