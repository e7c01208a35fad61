// JSON.parse for response bodies, with the same result and the same failures, made cheaper for large FHIR
// Bundles. A 500 KB search page decoded to one string is a "large object" to V8: fresh memory for every page,
// paid in page faults (on every platform, and dearly in virtual machines). Instead the top-level `entry` array
// is found with a byte scan (strings skipped whole), and its entries are decoded and parsed in groups of 100 to
// 128 KB: under 128 KB V8 keeps the text in its ordinary, reused heap pages, and from 100 KB it parses straight
// into the old generation, where the record will keep the resources anyway (smaller groups cost the young
// generation's collector more than they save). Side by side on the 20,000-resource record this took client CPU
// from about 665 to 585 ms (bench:fetch). Anything the scan is unsure of (no entry array, a second one, an
// entry that is not an object, stray bytes between entries) is parsed whole, as JSON.parse would, so an
// invalid body still fails and a valid one never reads differently.
import { isAscii } from 'node:buffer';

/** Entries are parsed together until their text reaches this size (V8's pretenuring size for JSON.parse). */
const GROUP_BYTES = 100 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const ENTRY = Buffer.from('entry');

/**
 * The bytes as text: byte for byte when plain ASCII (most FHIR JSON, and three times faster than decoding
 * UTF-8), UTF-8 otherwise.
 */
export function jsonText(bytes: Buffer, start = 0, end = bytes.length): string {
  return bytes.toString(isAscii(bytes.subarray(start, end)) ? 'latin1' : 'utf8', start, end);
}

/** JSON.parse of the bytes (UTF-8); throws as JSON.parse does. */
export function parseJsonBytes(bytes: Buffer, groupBytes = GROUP_BYTES): unknown {
  let split: unknown;
  try {
    split = parseEntriesInGroups(bytes, groupBytes);
  } catch {
    split = undefined;
  }
  return split !== undefined ? split : JSON.parse(jsonText(bytes));
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The quote closing the string whose text starts at `from` (-1: none). */
function closingQuote(bytes: Buffer, from: number): number {
  let at = bytes.indexOf(QUOTE, from);
  while (at > 0) {
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = bytes.indexOf(QUOTE, at + 1);
  }
  return -1;
}

/** Whether bytes[from, to) are blanks holding exactly `commas` commas. */
function isSeparator(bytes: Buffer, from: number, to: number, commas: number): boolean {
  let seen = 0;
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    if (byte === COMMA) seen++;
    else if (!isSpace(byte)) return false;
  }
  return seen === commas;
}

/**
 * The parsed document with its top-level `entry` array parsed in groups; undefined when there is no such array
 * or the scan is unsure of it (the caller then parses whole). Throws on text JSON.parse refuses.
 */
function parseEntriesInGroups(bytes: Buffer, groupBytes: number): unknown {
  const entries: unknown[] = [];
  let depth = 0;
  let keyStart = -1;
  let keyEnd = -1;
  let arrayOpen = -1;
  let arrayClose = -1;
  let lastEnd = -1;
  let groupStart = -1;
  const parseGroup = (end: number) => {
    for (const entry of JSON.parse(`[${jsonText(bytes, groupStart, end)}]`) as unknown[]) entries.push(entry);
    groupStart = -1;
  };
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === QUOTE) {
      const close = closingQuote(bytes, i + 1);
      if (close < 0) return undefined;
      // A string directly inside the top level: a key (or a value, which the parse of the rest refuses).
      if (depth === 1) [keyStart, keyEnd] = [i + 1, close];
      i = close;
      continue;
    }
    const inEntries = arrayOpen >= 0 && arrayClose < 0;
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
      if (depth === 2 && byte === OPEN_ARRAY && isEntryKey(bytes, keyStart, keyEnd)) {
        if (arrayOpen >= 0) return undefined;
        arrayOpen = lastEnd = i;
      } else if (depth === 3 && inEntries) {
        const first = lastEnd === arrayOpen;
        if (byte !== OPEN_OBJECT || !isSeparator(bytes, lastEnd + 1, i, first ? 0 : 1)) return undefined;
        if (groupStart < 0) groupStart = i;
      }
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      if (depth === 3 && inEntries) {
        lastEnd = i;
        if (i + 1 - groupStart >= groupBytes) parseGroup(i + 1);
      } else if (depth === 2 && inEntries) {
        if (byte !== CLOSE_ARRAY || !isSeparator(bytes, lastEnd + 1, i, 0)) return undefined;
        if (groupStart >= 0) parseGroup(lastEnd + 1);
        arrayClose = i;
      }
      depth--;
    }
  }
  if (arrayClose < 0) return undefined;
  // Everything but the entries, which must then read as an empty `entry` array (a second, escaped "entry"
  // key would win in JSON.parse: parsed whole instead).
  const rest = JSON.parse(jsonText(bytes, 0, arrayOpen + 1) + jsonText(bytes, arrayClose)) as unknown;
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) return undefined;
  const document = rest as { entry?: unknown };
  if (!Array.isArray(document.entry) || document.entry.length > 0) return undefined;
  document.entry = entries;
  return document;
}

function isEntryKey(bytes: Buffer, start: number, end: number): boolean {
  return end - start === ENTRY.length && bytes.compare(ENTRY, 0, ENTRY.length, start, end) === 0;
}
