import { describe, expect, it } from 'vitest';
import { milliseconds } from '../../main/cli/numeric-options';

describe('numeric command-line options', () => {
  const deadline = (value: string) => milliseconds('--deadline', value, { min: 1, max: 600_000 });

  it('takes whole milliseconds within the range', () => {
    expect(deadline('30000')).toBe(30_000);
    expect(deadline('600000')).toBe(600_000);
  });

  it('refuses what would overflow a timer, and anything that is not a whole number in range', () => {
    for (const value of ['2147483648', '600001', '0', '-5', '1e4', '10.5', 'soon', '']) {
      expect(() => deadline(value), value).toThrow(
        '--deadline must be a whole number of milliseconds from 1 to 600000.',
      );
    }
  });
});
