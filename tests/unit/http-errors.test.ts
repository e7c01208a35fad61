// The one network-error classifier and the small pieces of the HTTP layer that are pure logic.
import { describe, expect, it } from 'vitest';
import {
  DeadlineExceeded,
  FetchFailure,
  isNetworkError,
  networkProblem,
  retryAfterMs,
  statusFailure,
} from '../../main/services/http';
import { MemoryBudget } from '../../main/services/http/memory-budget';
import { isNetworkError as offlineIsNetworkError } from '../../main/services/offline';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('network errors', () => {
  it('recognises Node, undici and fetch errors, however wrapped', () => {
    expect(networkProblem(coded('ECONNREFUSED'))).toEqual({
      code: 'ECONNREFUSED',
      reset: false,
      text: 'the server refused the connection',
    });
    expect(networkProblem(coded('ECONNRESET'))).toMatchObject({
      reset: true,
      text: 'the connection was cut off',
    });
    expect(networkProblem(coded('UND_ERR_SOCKET', 'other side closed'))).toMatchObject({
      reset: true,
      text: 'the connection was closed',
    });
    const fetchFailed = new TypeError('fetch failed', { cause: coded('ENOTFOUND') });
    expect(networkProblem(fetchFailed)).toMatchObject({ code: 'ENOTFOUND', reset: false });
    expect(networkProblem(new TypeError('fetch failed'))).toMatchObject({ text: 'network error' });
    expect(networkProblem(new Error('Unexpected token < in JSON'))).toBeUndefined();
  });

  it('says what happened in words, never as a code, for every network error it recognises', () => {
    const codes = [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'EHOSTDOWN',
      'ENETDOWN',
      'ETIMEDOUT',
      'UND_ERR_CONNECT_TIMEOUT',
      'ECONNRESET',
      'EPIPE',
      'UND_ERR_SOCKET',
    ];
    for (const code of codes) {
      const text = networkProblem(coded(code))?.text ?? '';
      expect(text, code).toMatch(/^[a-z][a-z’' ]+$/);
      expect(text, code).not.toContain(code);
    }
  });

  it('counts running out of time and the HTTP layer’s own connect/timeout failures as unreachable', () => {
    expect(isNetworkError(new DOMException('The operation timed out.', 'TimeoutError'))).toBe(true);
    expect(isNetworkError(new DeadlineExceeded(1000))).toBe(true);
    expect(
      isNetworkError(new FetchFailure('connect', 'could not be reached: the server refused the connection')),
    ).toBe(true);
    expect(isNetworkError(new FetchFailure('timeout', 'did not finish within 30 s'))).toBe(true);
    expect(isNetworkError(new FetchFailure('oversize', 'sent more than the 32 MB limit'))).toBe(false);
    expect(isNetworkError(new Error('boom', { cause: coded('EHOSTUNREACH') }))).toBe(true);
    expect(isNetworkError(new Error('boom'))).toBe(false);
  });

  it('is the same classifier the offline layer uses', () => {
    expect(offlineIsNetworkError).toBe(isNetworkError);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2024-06-01T10:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Sat, 01 Jun 2024 10:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Sat, 01 Jun 2024 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('memory budget', () => {
  it('takes only what fits and gives back what was digested', () => {
    const budget = new MemoryBudget(100);
    expect(budget.take(60)).toBe(true);
    expect(budget.take(50)).toBe(false);
    expect(budget.inUse).toBe(60);
    budget.give(60);
    expect(budget.take(100)).toBe(true);
  });
});

describe('a sign-in refused', () => {
  it('says whether the viewer had a sign-in to offer at all', () => {
    expect(statusFailure(401, 1).message).toBe('refused our sign-in (HTTP 401), even after renewing it');
    expect(statusFailure(401, 1, false).message).toBe(
      'asked for a sign-in (HTTP 401), but the machine policy gives this viewer none for it',
    );
  });
});
