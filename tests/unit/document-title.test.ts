// A document's title on the documents list and viewer: the entry's name, and its first part's title only where
// that adds something.
import { describe, expect, it } from 'vitest';
import { documentTitle } from '../../renderer/src/views/documentRows';

describe('documentTitle', () => {
  it('does not repeat what the name says already', () => {
    expect(
      documentTitle(
        'ReSPECT (Recommended Summary Plan for Emergency Care and Treatment) form',
        'ReSPECT form',
      ),
    ).toBe('ReSPECT (Recommended Summary Plan for Emergency Care and Treatment) form');
    expect(documentTitle('Discharge summary', 'discharge summary')).toBe('Discharge summary');
  });

  it('adds a part title that says more', () => {
    expect(documentTitle('Discharge summary', 'Ward 7 letter')).toBe('Discharge summary — Ward 7 letter');
    expect(documentTitle('Clinic letter', undefined)).toBe('Clinic letter');
    expect(documentTitle('Clinic letter', '  ')).toBe('Clinic letter');
  });
});
