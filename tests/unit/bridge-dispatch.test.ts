import { describe, expect, it } from 'vitest';
import { dispatchBridgeRequest, BridgeError, type BridgeHandlers } from '../../main/services/bridge/dispatch';

function handlersWith(overrides: Partial<BridgeHandlers>): BridgeHandlers {
  const unexpected = async () => {
    throw new Error('handler should not have been called');
  };
  return new Proxy(overrides as BridgeHandlers, {
    get: (target, key) => (target as Record<string, unknown>)[key as string] ?? unexpected,
  });
}

describe('bridge dispatch', () => {
  it('refuses an unknown channel without calling any handler', async () => {
    const outcome = await dispatchBridgeRequest(handlersWith({}), 'fs:read', { path: '/etc/passwd' });
    expect(outcome).toEqual({ ok: false, error: { code: 'invalid-argument', message: 'Unknown request.' } });
  });

  it('refuses prototype keys as channels', async () => {
    const outcome = await dispatchBridgeRequest(handlersWith({}), '__proto__', {});
    expect(outcome.ok).toBe(false);
  });

  it('validates arguments before the handler sees them, naming the bad field', async () => {
    const outcome = await dispatchBridgeRequest(handlersWith({}), 'record:open', {
      nhsNumber: '<script>alert(1)</script>',
      requestId: 'r1',
    });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.message).toMatch(/NHS number must be ten digits \(nhsNumber\)/);
  });

  it('rejects extra properties smuggled into a request', async () => {
    const outcome = await dispatchBridgeRequest(handlersWith({}), 'cache:delete', {
      nhsNumber: '9990000018',
      also: 'everything',
    });
    expect(outcome.ok).toBe(false);
  });

  it('takes a caseload page cursor as its three fields only', async () => {
    const cursor = {
      at: '2026-07-01T14:05:00Z',
      receivedAt: '2026-07-01T14:05:01Z',
      id: 'dcr|Encounter/1|admitted',
    };
    const handlers = handlersWith({
      'caseload:events': async ({ olderThan }) => ({
        rows: [],
        total: olderThan ? 1 : 0,
        status: { watching: false, patients: 0, sources: [], ignoredNotOnCaseload: 0 },
      }),
    });
    const page = (olderThan: unknown) =>
      dispatchBridgeRequest(handlers, 'caseload:events', { limit: 10, offset: 0, olderThan });
    expect(await page(cursor)).toMatchObject({ ok: true, value: { total: 1 } });
    expect((await page({ ...cursor, sql: '1=1' })).ok).toBe(false);
    expect((await page({ ...cursor, id: 'x'.repeat(301) })).ok).toBe(false);
    expect((await page({ at: cursor.at })).ok).toBe(false);
  });

  it('passes parsed arguments to the handler and returns its value', async () => {
    const outcome = await dispatchBridgeRequest(
      handlersWith({ 'cache:delete': async ({ nhsNumber }) => ({ deleted: nhsNumber === '999 000 0018' }) }),
      'cache:delete',
      { nhsNumber: ' 999 000 0018 ' },
    );
    expect(outcome).toEqual({ ok: true, value: { deleted: true } });
  });

  it('turns a typed service error into its plain-words message', async () => {
    const outcome = await dispatchBridgeRequest(
      handlersWith({
        'cache:list': async () => {
          throw new BridgeError('locked', 'The record is locked. Sign in again to continue.');
        },
      }),
      'cache:list',
      {},
    );
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'locked', message: 'The record is locked. Sign in again to continue.' },
    });
  });

  it('never leaks an unexpected error message (it may hold patient data)', async () => {
    const outcome = await dispatchBridgeRequest(
      handlersWith({
        'cache:list': async () => {
          throw new Error('SQLITE: constraint failed for Jane Doe 9990000018');
        },
      }),
      'cache:list',
      {},
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.code).toBe('internal');
      expect(outcome.error.message).not.toMatch(/Jane|9990000018/);
    }
  });
});
