// The NHS numbers a clinician pastes or a caseload CSV holds (the Caseload and Prefetch screens, `wessex
// prefetch`/`watch`): every usable number read, every unusable one reported by line, and no line guessed at.
import { describe, expect, it } from 'vitest';
import { parseNhsNumberList } from '../../common/nhs-number-list';

describe('lists of NHS numbers', () => {
  it('reads NHS numbers from CSV or pasted text and reports every unusable line', () => {
    const parsed = parseNhsNumberList(
      '\uFEFFNHS number,Name\r\n"943 476 5919",Smith\n\n9434765918,Typo\nhello\n943-476-5919\nWard 3;9990000018\n',
    );
    expect(parsed.nhsNumbers).toEqual(['9434765919', '9990000018']);
    expect(parsed.problems).toEqual([
      { line: 4, message: '943 476 5918 is not a valid NHS number (the check digit does not match).' },
      { line: 5, message: 'No ten-digit NHS number on this line.' },
    ]);
  });

  it('reads several numbers on one line of a pasted list, and reports a mistyped one instead of skipping it', () => {
    const parsed = parseNhsNumberList('9434765919, 9990000018; 9434765918\n9990000026');
    expect(parsed.nhsNumbers).toEqual(['9434765919', '9990000018', '9990000026']);
    expect(parsed.problems).toEqual([
      { line: 1, message: '943 476 5918 is not a valid NHS number (the check digit does not match).' },
    ]);
  });

  it('asks which patient is meant when a CSV row holds two valid NHS numbers, rather than taking one', () => {
    const parsed = parseNhsNumberList(
      'NHS number,Name,Carer\n9434765919,Smith,9990000018\n9990000026,Jones,',
    );
    expect(parsed.nhsNumbers).toEqual(['9990000026']);
    expect(parsed.problems).toEqual([
      {
        line: 2,
        message:
          'More than one NHS number on this line (943 476 5919, 999 000 0018): which patient is meant?',
      },
    ]);
  });
});
