// Just enough JSON shape-checking for what servers send: every layer reads loosely-typed FHIR with these.
import { withoutFormatControls } from './text-safety';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

/** The objects in a value that should be a list of them (anything else in it is read past). */
export function objectsIn(value: unknown): JsonObject[] {
  return asArray(value).filter(isObject);
}

/**
 * A field as text: trimmed, empty as undefined, and without the invisible characters that could reorder or hide
 * what is shown (./text-safety): every string a source sends is read through here, once, so nothing shown on
 * screen, in a handover or on the command line can reverse itself.
 */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return withoutFormatControls(value).trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * `table[key]` for a key a server sent: only the table's own entries, so "constructor" or "toString" (a
 * hostile resourceType, unit or code) finds nothing rather than a built-in function.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
