// Response bodies parse to exactly what JSON.parse of their UTF-8 text gives, and fail exactly when it fails,
// whether they are plain ASCII (decoded byte for byte) or not: public Synthea Bundles, awkward but valid
// shapes, generated Bundles, and the same Bundles with bytes inserted or removed at random (most of which is no
// longer JSON).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonBytes, UnknownCharset } from '../../main/services/http/json-text';

const SYNTHEA = path.resolve(__dirname, '../../../shared/fixtures/synthea');

/** The outcome of a parse, so that "both refused" compares equal. */
function outcome(parse: () => unknown): { value: unknown } | { refused: true } {
  try {
    return { value: parse() };
  } catch {
    return { refused: true };
  }
}

function expectSameAsJsonParse(text: string | Buffer): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  expect(outcome(() => parseJsonBytes(bytes))).toEqual(
    outcome(() => JSON.parse(bytes.toString('utf8')) as unknown),
  );
}

const bundle = (entries: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    resourceType: 'Bundle',
    type: 'searchset',
    total: entries.length,
    ...extra,
    entry: entries,
  });

const observation = (id: string, text: string) => ({
  fullUrl: `https://dcr.example/Observation/${id}`,
  resource: {
    resourceType: 'Observation',
    id,
    code: { text },
    valueQuantity: { value: 5.5, unit: 'mmol/L' },
  },
  search: { mode: 'match' },
});

describe('parsing response bodies', () => {
  it('reads every public Synthea Bundle as JSON.parse does, compact and pretty-printed', () => {
    const files = readdirSync(SYNTHEA).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(path.join(SYNTHEA, file), 'utf8');
      const parsed = JSON.parse(text) as { entry: unknown[] };
      expect(parsed.entry.length).toBeGreaterThan(10);
      expectSameAsJsonParse(text);
      expectSameAsJsonParse(JSON.stringify(parsed, null, 2));
    }
  });

  it('reads strings that end in backslashes or hold escaped quotes and brackets', () => {
    const entries = Array.from({ length: 200 }, (_, i) => ({
      b: `"quoted" ${i} ]}`,
      c: '\\"',
      a: 'ends in \\',
    }));
    const text = bundle(entries);
    expect(parseJsonBytes(Buffer.from(text))).toEqual(JSON.parse(text));
  });

  it('keeps accents and symbols, in a body that is not plain ASCII and beside one that is', () => {
    const entries = Array.from({ length: 40 }, (_, i) =>
      observation(String(i), i % 7 === 0 ? `Zoë Ó’Brien – ✓ 🩺 ${i}` : `plain ${i}`),
    );
    const text = bundle(entries, { id: 'Ünïcode' });
    const parsed = parseJsonBytes(Buffer.from(text)) as {
      id: string;
      entry: { resource: { code: { text: string } } }[];
    };
    expect(parsed.id).toBe('Ünïcode');
    expect(parsed.entry[7]!.resource.code.text).toBe('Zoë Ó’Brien – ✓ 🩺 7');
    expect(parsed).toEqual(JSON.parse(text));
    const ascii = bundle(entries.filter((_, i) => i % 7 !== 0));
    expect(parseJsonBytes(Buffer.from(ascii))).toEqual(JSON.parse(ascii));
  });

  it.each([
    ['no entries', bundle([])],
    ['no entry array at all', '{"resourceType":"Bundle","type":"searchset","total":0}'],
    ['an entry that is not an array', '{"resourceType":"Bundle","entry":{"resource":{}}}'],
    ['entries that are not objects', '{"resourceType":"Bundle","entry":[1,"two",null,[3],{"a":4}]}'],
    [
      'an entry key inside a resource',
      bundle([{ resource: { entry: [{ x: 1 }], contained: [{ entry: [] }] } }]),
    ],
    ['a string value "entry" before an array', '{"type":"entry","link":[{"url":"x"}],"entry":[{"a":1}]}'],
    ['brackets, braces and quotes inside strings', bundle([{ t: '}]{["\\"', u: '\\', v: '"entry":[' }])],
    ['a second entry key (the last wins)', '{"entry":[{"a":1}],"entry":[{"b":2}]}'],
    ['an escaped entry key after the plain one', '{"entry":[{"a":1}],"\\u0065ntry":[{"b":2}]}'],
    ['an escaped entry key before the plain one', '{"\\u0065ntry":[{"b":2}],"entry":[{"a":1}]}'],
    ['a top-level array', '[{"entry":[{"a":1}]},"entry",[{"b":2}]]'],
    ['whitespace everywhere', ' \n{ "entry" :\r\n [ \t{"a":1} ,\n {"b":2}\n ] , "total" : 2 }\n'],
    ['__proto__ keys', '{"__proto__":{"x":1},"entry":[{"__proto__":{"y":2}}]}'],
  ])('reads %s as JSON.parse does', (_, text) => {
    expectSameAsJsonParse(text);
  });

  it.each([
    ['a missing comma between entries', '{"entry":[{"a":1} {"b":2}]}'],
    ['two commas between entries', '{"entry":[{"a":1},,{"b":2}]}'],
    ['a trailing comma', '{"entry":[{"a":1},]}'],
    ['a leading comma', '{"entry":[,{"a":1}]}'],
    ['a cut-off body', '{"entry":[{"a":1},{"b":'],
    ['an unterminated string', '{"entry":[{"a":"1}]}'],
    ['mismatched brackets', '{"entry":[{"a":1]]}'],
    ['text after the document', '{"entry":[{"a":1}]} trailing'],
    ['a value where a key belongs', '{"x":"entry",[{"a":1}]}'],
  ])('refuses %s, as JSON.parse does', (_, text) => {
    expect(() => parseJsonBytes(Buffer.from(text))).toThrow();
    expectSameAsJsonParse(text);
  });

  it('reads generated Bundles, and the same Bundles with bytes inserted or removed, as JSON.parse does', () => {
    const entry = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
    const generated = fc.record({
      entries: fc.array(entry, { maxLength: 12 }),
      head: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      pretty: fc.boolean(),
    });
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.constantFrom('', '{', '}', '[', ']', ',', '"', '\\', ':', ' ', '"entry":[', '{}', 'é'),
    });
    fc.assert(
      fc.property(generated, fc.array(edit, { maxLength: 3 }), (bundleParts, edits) => {
        const { entries, head, pretty } = bundleParts;
        let text = JSON.stringify({ ...head, entry: entries }, null, pretty ? 1 : undefined);
        expectSameAsJsonParse(text);
        for (const { at, remove, insert } of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + remove);
        }
        expectSameAsJsonParse(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes bytes that are not UTF-8 as JSON.parse of the decoded text would (replacement characters)', () => {
    const text = Buffer.concat([
      Buffer.from('{"entry":[{"name":"Ren'),
      Buffer.from([0xe9]),
      Buffer.from('e"}]}'),
    ]);
    expect(parseJsonBytes(text)).toEqual({ entry: [{ name: 'Ren\uFFFDe' }] });
    expectSameAsJsonParse(text);
  });

  it('ignores a leading UTF-8 byte-order mark, in an ASCII body and in one that is not', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    for (const text of ['{"entry":[{"a":1}]}', '{"entry":[{"a":"Zoë"}]}']) {
      const withBom = Buffer.concat([bom, Buffer.from(text)]);
      expect(parseJsonBytes(withBom)).toEqual(JSON.parse(text));
      expect(parseJsonBytes(withBom, 'application/fhir+json; charset=utf-8')).toEqual(JSON.parse(text));
    }
    // Only at the start: a second one is a stray character where JSON allows none.
    expect(() => parseJsonBytes(Buffer.concat([bom, bom, Buffer.from('{}')]))).toThrow();
  });

  it.each([
    'application/fhir+json; charset=ISO-8859-1',
    'application/fhir+json;charset="iso-8859-1"',
    'application/json; charset=windows-1252',
    'application/fhir+json; Charset=Latin1; fhirVersion=4.0',
  ])('decodes a body by its declared character set (%s)', (contentType) => {
    const text = '{"code":{"text":"Allergie à la pénicilline – 5 €"}}';
    const bytes = windows1252(text);
    expect(parseJsonBytes(bytes, contentType)).toEqual(JSON.parse(text));
    // The ASCII fast path under a single-byte character set reads as before.
    expect(parseJsonBytes(Buffer.from('{"a":"plain"}'), contentType)).toEqual({ a: 'plain' });
  });

  it('decodes UTF-16 when declared, and says which character set it cannot read', () => {
    const text = '{"a":"Zoë"}';
    expect(parseJsonBytes(Buffer.from(text, 'utf16le'), 'application/json; charset=utf-16le')).toEqual({
      a: 'Zoë',
    });
    expect(() => parseJsonBytes(Buffer.from('{}'), 'application/json; charset=x-klingon')).toThrow(
      UnknownCharset,
    );
  });
});

/** The text in windows-1252 (Latin-1 plus the euro sign and dashes at 0x80–0x9F). */
function windows1252(text: string): Buffer {
  const extra: Record<string, number> = { '€': 0x80, '–': 0x96 };
  return Buffer.from([...text].map((c) => extra[c] ?? c.charCodeAt(0)));
}
