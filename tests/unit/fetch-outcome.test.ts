import { describe, expect, it } from 'vitest';
import type { SourceState, SourceStatus } from '../../common/record';
import { fetchOutcome } from '../../main/cli/fetch-outcome';

function source(name: string, state: SourceState, message?: string): SourceStatus {
  return {
    id: name.toLowerCase(),
    name,
    kind: name === 'Record locator' ? 'locator' : 'regional',
    baseUrl: `http://127.0.0.1/${name}`,
    state,
    ...(message ? { message } : {}),
    resourceCount: 0,
    warnings: [],
  };
}

describe('wessex fetch exit code', () => {
  it('is 0 only when every source answered completely', () => {
    expect(fetchOutcome([source('DCR', 'complete'), source('CHIE', 'complete')])).toEqual({ exitCode: 0 });
  });

  it('is 2 when any source was partial, failed or not reached while another answered', () => {
    for (const state of ['partial', 'failed', 'not-reached', 'pending'] as const) {
      const outcome = fetchOutcome([source('DCR', 'complete'), source('CHIE', state, 'no response in 30 s')]);
      expect(outcome.exitCode, state).toBe(2);
      expect(outcome.message, state).toMatch(
        /^The record is incomplete: CHIE [a-z ]+: no response in 30 s\.$/,
      );
    }
    expect(fetchOutcome([source('DCR', 'partial'), source('CHIE', 'partial')]).exitCode).toBe(2);
    expect(fetchOutcome([source('DCR', 'failed'), source('Record locator', 'complete')]).exitCode).toBe(2);
  });

  it('is 2 when the patient declined to share a source, which is named as withheld', () => {
    const outcome = fetchOutcome([
      source('DCR', 'complete'),
      { ...source('CHIE', 'complete'), declined: true },
    ]);
    expect(outcome).toEqual({
      exitCode: 2,
      message: 'The record is incomplete: CHIE withheld: the patient has declined to share it.',
    });
  });

  it('is 2 when a source refused this user, named in its own words as withheld, not failed', () => {
    const outcome = fetchOutcome([
      source('Record locator', 'complete'),
      {
        ...source('DCR', 'failed', 'DCR does not allow your role to see this'),
        refusal: 'role-not-permitted',
      },
    ]);
    expect(outcome).toEqual({
      exitCode: 2,
      message: 'The record is incomplete: DCR does not allow your role to see this.',
    });
  });

  it('says a source that could not be reached in the words the screens use, not "failed: could not …"', () => {
    const reached = 'could not be reached: the server refused the connection';
    const outcome = fetchOutcome([
      source('DCR', 'complete'),
      source('CHIE', 'failed', `CHIE ${reached}`),
      source('Record locator', 'not-reached', `Record locator ${reached}`),
    ]);
    expect(outcome.message).toBe(`The record is incomplete: CHIE ${reached}; Record locator ${reached}.`);
  });

  it('is 3 when no source answered', () => {
    const outcome = fetchOutcome([
      source('DCR', 'failed', 'DCR had a server error (HTTP 500)'),
      source('CHIE', 'failed'),
      source('Record locator', 'not-reached'),
    ]);
    expect(outcome).toEqual({
      exitCode: 3,
      message:
        'No source answered: DCR failed: had a server error (HTTP 500); CHIE failed; Record locator not reached.',
    });
    expect(fetchOutcome([]).exitCode).toBe(3);
  });
});
