// JSON.parse for response bodies, with the same result and the same failures as JSON.parse of the UTF-8 text.
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

/** The bytes as text: byte for byte when plain ASCII, UTF-8 otherwise (invalid bytes become U+FFFD). */
function jsonText(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/** JSON.parse of the bytes (UTF-8); throws as JSON.parse does. */
export function parseJsonBytes(bytes: Buffer): unknown {
  return JSON.parse(jsonText(bytes));
}
