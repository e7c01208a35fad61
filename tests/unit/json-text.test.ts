// Response bodies parse to exactly what JSON.parse gives, and fail exactly when it fails, although a Bundle's
// entries are parsed in groups: public Synthea Bundles, awkward but valid shapes, generated Bundles, and the
// same Bundles with bytes inserted or removed at random (most of which is no longer JSON).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { parseJsonBytes } from '../../main/services/http/json-text';

const SYNTHEA = path.resolve(__dirname, '../../../shared/fixtures/synthea');

/** The outcome of a parse, so that "both refused" compares equal. */
function outcome(parse: () => unknown): { value: unknown } | { refused: true } {
  try {
    return { value: parse() };
  } catch {
    return { refused: true };
  }
}

function expectSameAsJsonParse(text: string | Buffer, groupBytes?: number): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  expect(outcome(() => parseJsonBytes(bytes, groupBytes))).toEqual(
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
  it('reads every public Synthea Bundle as JSON.parse does, in small groups, large groups and pretty-printed', () => {
    const files = readdirSync(SYNTHEA).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(path.join(SYNTHEA, file), 'utf8');
      const parsed = JSON.parse(text) as { entry: unknown[] };
      expect(parsed.entry.length).toBeGreaterThan(10);
      for (const groupBytes of [1, 4096, undefined]) expectSameAsJsonParse(text, groupBytes);
      expectSameAsJsonParse(JSON.stringify(parsed, null, 2), 2048);
    }
  });

  it('never decodes a large Bundle as one string: the longest text parsed at once is one group of entries', () => {
    const file = readdirSync(SYNTHEA).find((f) => f.startsWith('Babara_Rice'))!;
    const document = JSON.parse(readFileSync(path.join(SYNTHEA, file), 'utf8')) as { entry: unknown[] };
    const bytes = Buffer.from(JSON.stringify(document));
    const entries = document.entry;
    const largestEntry = Math.max(...entries.map((e) => Buffer.byteLength(JSON.stringify(e))));
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const parsed = parseJsonBytes(bytes) as { entry: unknown[] };
      expect(parsed.entry).toHaveLength(entries.length);
      const longest = Math.max(...parse.mock.calls.map(([text]) => text.length));
      expect(bytes.length).toBeGreaterThan(1_000_000);
      expect(longest).toBeLessThan(100 * 1024 + largestEntry + 2);
    } finally {
      parse.mockRestore();
    }
  });

  it('finds the entries of a Bundle whose strings end in backslashes or hold escaped quotes', () => {
    const entries = Array.from({ length: 200 }, (_, i) => ({
      b: `"quoted" ${i} ]}`,
      c: '\\"',
      a: 'ends in \\',
    }));
    const text = bundle(entries);
    const expected: unknown = JSON.parse(text);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(parseJsonBytes(Buffer.from(text), 1000)).toEqual(expected);
      expect(Math.max(...parse.mock.calls.map(([t]) => t.length))).toBeLessThan(2000);
    } finally {
      parse.mockRestore();
    }
  });

  it('keeps accents and symbols in the entries and around them, whichever group they fall in', () => {
    const entries = Array.from({ length: 40 }, (_, i) =>
      observation(String(i), i % 7 === 0 ? `Zoë Ó’Brien – ✓ 🩺 ${i}` : `plain ${i}`),
    );
    const text = bundle(entries, { id: 'Ünïcode' });
    for (const groupBytes of [1, 300, 5000]) {
      const parsed = parseJsonBytes(Buffer.from(text), groupBytes) as { id: string; entry: unknown[] };
      expect(parsed.entry).toHaveLength(40);
      expect(parsed).toEqual(JSON.parse(text));
    }
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
    for (const groupBytes of [1, 10, undefined]) expectSameAsJsonParse(text, groupBytes);
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
    ['a byte-order mark', '\uFEFF{"entry":[{"a":1}]}'],
    ['a value where a key belongs', '{"x":"entry",[{"a":1}]}'],
  ])('refuses %s, as JSON.parse does', (_, text) => {
    for (const groupBytes of [1, 10, undefined]) {
      expect(() => parseJsonBytes(Buffer.from(text), groupBytes)).toThrow();
      expectSameAsJsonParse(text, groupBytes);
    }
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
      fc.property(
        generated,
        fc.array(edit, { maxLength: 3 }),
        fc.nat({ max: 200 }),
        (bundleParts, edits, group) => {
          const { entries, head, pretty } = bundleParts;
          let text = JSON.stringify({ ...head, entry: entries }, null, pretty ? 1 : undefined);
          expectSameAsJsonParse(text, group + 1);
          for (const { at, remove, insert } of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + remove);
          }
          expectSameAsJsonParse(text, group + 1);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('decodes bytes that are not UTF-8 as JSON.parse of the decoded text would (replacement characters)', () => {
    const text = Buffer.concat([
      Buffer.from('{"entry":[{"name":"Ren'),
      Buffer.from([0xe9]),
      Buffer.from('e"}]}'),
    ]);
    expect(parseJsonBytes(text, 1)).toEqual({ entry: [{ name: 'Ren\uFFFDe' }] });
    expectSameAsJsonParse(text, 1);
  });
});
