import { describe, expect, it } from 'vitest';
import { parseFaultSpec, parseFaultSpecs } from '../../sandbox/fault-spec';

describe('--fault <source>=<mode>[:<number>]', () => {
  it('reads a source and a mode, with the number the mode takes', () => {
    expect(parseFaultSpec('chie=down')).toEqual({ target: 'chie', fault: { mode: 'down' } });
    expect(parseFaultSpec('chie=slow:20000')).toEqual({
      target: 'chie',
      fault: { mode: 'slow', options: { delayMs: 20_000 } },
    });
    expect(parseFaultSpec('dcr=500')).toEqual({ target: 'dcr', fault: { mode: '500' } });
    expect(parseFaultSpec('locator=503:5')).toEqual({
      target: 'locator',
      fault: { mode: '503', options: { retryAfterSeconds: 5 } },
    });
    expect(parseFaultSpec(' DCR = malformed-json')).toEqual({
      target: 'dcr',
      fault: { mode: 'malformed-json' },
    });
    expect(parseFaultSpec('chie=hostile-error-text:500')).toEqual({
      target: 'chie',
      fault: { mode: 'hostile-error-text', options: { status: 500 } },
    });
  });

  it('collects one fault per source from repeated options', () => {
    expect(parseFaultSpecs(['chie=down', 'dcr=slow:100'])).toEqual({
      chie: { mode: 'down' },
      dcr: { mode: 'slow', options: { delayMs: 100 } },
    });
    expect(parseFaultSpecs([])).toEqual({});
    expect(() => parseFaultSpecs(['chie=down', 'chie=500'])).toThrow(
      '--fault: chie was given a fault twice; give one per source.',
    );
  });

  it('says what is wrong with a spec it cannot use', () => {
    expect(() => parseFaultSpec('chie')).toThrow(
      '--fault "chie" is not <source>=<mode>[:<number>], e.g. chie=down, chie=slow:20000 or dcr=500.',
    );
    expect(() => parseFaultSpec('=down')).toThrow('is not <source>=<mode>');
    expect(() => parseFaultSpec('gp=down')).toThrow(
      '--fault "gp=down": there is no sandbox source "gp"; use one of dcr, chie, locator, audit.',
    );
    expect(() => parseFaultSpec('chie=sideways')).toThrow(
      /--fault "chie=sideways": unknown fault mode "sideways"; use one of slow, 500, .*, down, hostile-error-text\./,
    );
    expect(() => parseFaultSpec('chie=down:5')).toThrow(
      '--fault "chie=down:5": the down fault takes no number.',
    );
    for (const bad of [
      'chie=slow:soon',
      'chie=slow:0',
      'chie=slow:-5',
      'chie=slow:1e4',
      'chie=slow:',
      'chie=slow:600001',
    ]) {
      expect(() => parseFaultSpec(bad), bad).toThrow(
        `--fault "${bad}": the delay in milliseconds must be a whole number from 1 to 600000.`,
      );
    }
    expect(() => parseFaultSpec('chie=429:3601')).toThrow(
      'the Retry-After in seconds must be a whole number from 0 to 3600.',
    );
  });
});
