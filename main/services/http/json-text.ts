// JSON.parse for response bodies, with the same result and the same failures as JSON.parse of the text (UTF-8
// unless the Content-Type declares another charset; a leading byte-order mark ignored).
// Plain ASCII bodies (most FHIR JSON) are decoded byte for byte, three times faster than decoding UTF-8.
//
// Measured against parsing a Bundle's entries in groups of about 100 KB (found by a byte scan, so no page
// was one large string): that did not pay. JSON.parse's objects are allocated young whatever the text's size
// (Node 20's V8 never pretenures them), so groups saved no garbage collection, and the scan and the extra
// copies cost more than they saved: 20,000 resources in 25 pages took 196 ms against 300 grouped (medians of
// eight interleaved runs), and the engine's CPU for the whole record 605 ms against 660 (bench:fetch, both
// contenders in one run). A page as one string does take fresh memory (a "large object"): about 2.4 µs per 4 KB
// page on this machine, some 15 ms per record; an earlier machine charged 11 µs, which would still leave the
// whole-page parse ahead.
import { isAscii } from 'node:buffer';

/** A body in a character set TextDecoder does not know: said as such, not as "not valid JSON". */
export class UnknownCharset extends Error {
  constructor(readonly charset: string) {
    super(`unknown character set ${charset}`);
    this.name = 'UnknownCharset';
  }
}

/** The `charset` parameter of a Content-Type, lower case; undefined when none is given. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType ? /;\s*charset\s*=\s*"?([\w.:+-]+)/i.exec(contentType) : null;
  return match?.[1]?.toLowerCase();
}

/** Each charset label's encoding by the WHATWG names TextDecoder knows ("latin1" → "windows-1252"). */
const encodings = new Map<string, string>([['utf-8', 'utf-8']]);

function encodingOf(charset: string): string {
  let encoding = encodings.get(charset);
  if (encoding === undefined) {
    try {
      encoding = new TextDecoder(charset).encoding;
    } catch {
      throw new UnknownCharset(charset);
    }
    if (encodings.size < 64) encodings.set(charset, encoding);
  }
  return encoding;
}

/**
 * windows-1252 at 0x80–0x9F (the rest is Latin-1, byte for byte). What a server declaring ISO-8859-1 means, by
 * the WHATWG Encoding standard; Node 20's TextDecoder decodes both labels as plain Latin-1, losing €, – and ’.
 */
const CP1252 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const C1 = /[\u0080-\u009f]/g;

/**
 * The bytes as text, by the declared character set (UTF-8 when none): byte for byte when plain ASCII, UTF-8
 * otherwise (invalid bytes become U+FFFD); windows-1252 (ISO-8859-1's labels too) byte for byte with its
 * 0x80–0x9F; any other set TextDecoder knows (UTF-16, ISO-8859-15 …) by TextDecoder. A leading byte-order mark is
 * not part of the text.
 */
function jsonText(bytes: Buffer, charset: string | undefined): string {
  const encoding = charset === undefined ? 'utf-8' : encodingOf(charset);
  if (encoding === 'utf-8') {
    const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    return body.toString(isAscii(body) ? 'latin1' : 'utf8');
  }
  if (encoding === 'windows-1252') {
    const text = bytes.toString('latin1');
    return isAscii(bytes) ? text : text.replace(C1, (c) => CP1252[c.charCodeAt(0) - 0x80]!);
  }
  return new TextDecoder(encoding).decode(bytes);
}

/**
 * JSON.parse of the bytes, decoded by the Content-Type's charset (UTF-8 when it names none); throws as
 * JSON.parse does, or UnknownCharset.
 */
export function parseJsonBytes(bytes: Buffer, contentType?: string): unknown {
  return JSON.parse(jsonText(bytes, charsetOf(contentType)));
}
