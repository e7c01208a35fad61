// How a source's state reads within a sentence on the screen ("Dorset Care Record: saved copy, 18:00 GMT today"):
// the zone, months and names in it keep their capitals.
import { describe, expect, it } from 'vitest';
import type { SourceStatus } from '../../common/record';
import { entriesCount, inSentence, sourceLines } from '../../common/summary';

const source = (over: Partial<SourceStatus>): SourceStatus => ({
  id: 'dcr',
  name: 'Dorset Care Record',
  kind: 'regional',
  baseUrl: 'http://127.0.0.1/dcr',
  state: 'complete',
  resourceCount: 1,
  warnings: [],
  ...over,
});

describe('a source’s state within a sentence', () => {
  it('keeps GMT and BST in capitals in a saved copy’s time', () => {
    const winter = new Date('2026-12-03T18:30:00Z');
    const [saved] = sourceLines(
      [source({ state: 'failed', savedCopy: { asOf: '2026-12-03T18:00:00Z' } })],
      winter,
    );
    expect(saved!.stateLabel).toBe('Saved copy, 18:00 GMT today');
    expect(saved!.stateInSentence).toBe('saved copy, 18:00 GMT today');
    const summer = new Date('2026-07-01T14:05:00Z');
    const [bst] = sourceLines(
      [source({ state: 'failed', savedCopy: { asOf: '2026-07-01T14:00:00Z' } })],
      summer,
    );
    expect(bst!.stateInSentence).toBe('saved copy, 15:00 BST today');
  });

  it('lower-cases only the first word of a plain state', () => {
    expect(sourceLines([source({ state: 'failed' })])[0]!.stateInSentence).toBe('failed');
    expect(sourceLines([source({ state: 'partial' })])[0]!.stateInSentence).toBe('partly answered');
    expect(inSentence('Saved copy, 1 Dec 2026, 09:14 GMT')).toBe('saved copy, 1 Dec 2026, 09:14 GMT');
    expect(inSentence('CHIE')).toBe('CHIE');
  });
});

describe('how many entries a source gave', () => {
  it('says one entry, never "1 entries"', () => {
    expect(entriesCount(1)).toBe('1 entry');
    expect(entriesCount(0)).toBe('0 entries');
    expect(entriesCount(29)).toBe('29 entries');
    expect(entriesCount(1, true)).toBe('1 or more entries');
  });
});
