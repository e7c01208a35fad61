// The app log takes a listed event and typed fields only: free text, a server's words, a patient's details
// and tokens have no way in, whether a caller tries by mistake (the types refuse) or at run time (the
// logger drops and counts).
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { BridgeErrorShape } from '../../preload/contract';
import { BridgeError } from '../../main/services/bridge/dispatch';
import { FetchFailure } from '../../main/services/http/failure';
import { LaunchError, RelaunchRequiredError, type LaunchErrorCode } from '../../main/services/launch/errors';
import { BRIDGE_ERROR_CODES, LAUNCH_ERROR_CODES } from '../../main/services/logging/error-codes';
import {
  assertLogsFreeOf,
  classifyError,
  createAppLogger,
  findIdentifiersInLogs,
  logDirectory,
  type AppLogger,
  type LogFields,
} from '../../main/services/logging';

// Shaped like the sandbox's synthetic patients (999-range NHS numbers) and a real SMART session's tokens.
const patient = {
  nhsNumber: '9990000018',
  given: 'Zoë',
  family: "O'Neill-Hartley",
  birthDate: '1951-04-17',
  postcode: 'BH15 1AB',
};
const jwt =
  'eyJhbGciOiJSUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkci1ub3JhIiwiYXVkIjoiaHR0cHM6Ly9kY3IifQ.c2lnbmF0dXJlLWJ5dGVz';
const basic = 'd2Vzc2V4OnBhc3N3b3Jk';
/** What a hostile server puts in an error answer; the app's failures carry it in their messages. */
const serverText =
  `Patient ${patient.given} ${patient.family} (DOB ${patient.birthDate}, ${patient.postcode}, ` +
  `NHS ${patient.nhsNumber}) not found; Authorization: Basic ${basic}; token ${jwt}`;
const everything = [
  patient.nhsNumber,
  patient.given,
  patient.family,
  patient.birthDate,
  patient.postcode,
  basic,
  jwt,
  'Authorization',
];

/** The JSON part of each written line. */
async function written(log: AppLogger): Promise<Record<string, unknown>[]> {
  const text = await readFile(log.logFile, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const match = /^\[\d{4}-\d\d-\d\d [\d:.]+\] \[(info|warn|error)\] +(\{.*\})$/.exec(line);
      expect(match, line).not.toBeNull();
      return { level: match![1], ...(JSON.parse(match![2]!) as Record<string, unknown>) };
    });
}

describe('the app log', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'wessex-logs-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes each event as its listed name and level with the fields that pass their checks', async () => {
    const log = createAppLogger({ logDir: logDirectory(dataDir) });
    log.log('viewer.started', { sandbox: true, count: 2 });
    log.log('record.opened', { phase: 'live', count: 412 });
    log.log('record.source', { sourceId: 'dcr', sourceState: 'partial', count: 87 });
    log.log('bridge.request-failed', {
      channel: 'record:open',
      ...classifyError(new FetchFailure('busy', serverText, 503)),
    });
    expect(await written(log)).toEqual([
      { level: 'info', event: 'viewer.started', sandbox: true, count: 2 },
      { level: 'info', event: 'record.opened', phase: 'live', count: 412 },
      { level: 'info', event: 'record.source', sourceId: 'dcr', sourceState: 'partial', count: 87 },
      {
        level: 'error',
        event: 'bridge.request-failed',
        channel: 'record:open',
        errorCode: 'fetch.busy',
        httpStatus: 503,
      },
    ]);
    // Only the user may read it.
    expect((await stat(log.logFile)).mode & 0o077).toBe(0);
  });

  it('drops and counts every field that is not on the list or fails its check, and writes none of them', async () => {
    const log = createAppLogger({ logDir: logDirectory(dataDir) });
    // What a careless caller could hand over at run time (JavaScript, a cast, a spread server object).
    const hostile = {
      sourceId: `${patient.given} ${patient.family}`,
      errorCode: serverText,
      httpStatus: '500 Internal Server Error',
      count: patient.nhsNumber,
      durationMs: -1,
      channel: 'record:open?nhs=9990000018',
      phase: 'live; patient 9990000018',
      message: serverText,
      url: `https://dcr.example/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${patient.nhsNumber}`,
      [patient.family]: 1,
      headers: { Authorization: `Basic ${basic}` },
    } as unknown as LogFields;
    log.log('record.source', { ...hostile, sourceState: 'failed' });
    log.log('launch.failed', serverText as unknown as LogFields);
    log.log('handover.failed', new Error(serverText) as unknown as LogFields);
    log.log(serverText as unknown as 'launch.failed', { count: 1 });

    expect(await written(log)).toEqual([
      { level: 'info', event: 'record.source', sourceState: 'failed', droppedFields: 11 },
      { level: 'warn', event: 'launch.failed', droppedFields: 1 },
      { level: 'error', event: 'handover.failed', droppedFields: 1 },
      { level: 'warn', event: 'log.unlisted-event', count: 1 },
    ]);
    await assertLogsFreeOf(everything, logDirectory(dataDir));
  });

  it('refuses free text at compile time', async () => {
    const log = createAppLogger({ logDir: logDirectory(dataDir) });
    const error = new Error(serverText);
    // @ts-expect-error a sentence is not an event name
    log.log(`Record opened for ${patient.nhsNumber}`);
    // @ts-expect-error an error's message is not an event name either
    log.log(error.message, { count: 1 });
    // @ts-expect-error fields are an object of listed fields, never a string
    log.log('launch.failed', serverText);
    // @ts-expect-error no field takes a message
    log.log('launch.failed', { message: error.message });
    // @ts-expect-error an error code comes from our list, not from the error
    log.log('launch.failed', { errorCode: error.message });
    // @ts-expect-error an error object is classified first (classifyError), never logged as it is
    log.log('launch.failed', { error });
    // @ts-expect-error a count is a number
    log.log('record.opened', { count: patient.nhsNumber });
    await assertLogsFreeOf(everything, logDirectory(dataDir));
  });

  it('rotates, and the scan covers the rotated file', async () => {
    const logDir = logDirectory(dataDir);
    const log = createAppLogger({ logDir, maxSize: 2_000 });
    for (let i = 0; i < 60; i++) log.log('record.opened', { phase: 'offline', count: i });
    expect((await readdir(logDir)).sort()).toEqual(['main.log', 'main.old.log']);
    await assertLogsFreeOf([patient.nhsNumber], logDir);
  });

  it('assertLogsFreeOf finds an identifier written by anything that bypassed the logger', async () => {
    const logDir = logDirectory(dataDir);
    createAppLogger({ logDir }).log('viewer.started', { sandbox: false });
    await writeFile(path.join(logDir, 'stray.log'), `oops 999-000-0018 and o'neill-hartley\n`);
    const leaks = await findIdentifiersInLogs([patient.nhsNumber, patient.family], logDir);
    expect(leaks.map((leak) => [path.basename(leak.file), leak.identifierIndex, leak.line])).toEqual([
      ['stray.log', 0, 1],
      ['stray.log', 1, 1],
    ]);
    await expect(assertLogsFreeOf([patient.nhsNumber], logDir)).rejects.toThrow(
      /identifier #0 at .*stray\.log:1/,
    );
  });

  it('treats a missing log directory as clean', async () => {
    await expect(assertLogsFreeOf([patient.nhsNumber], path.join(dataDir, 'never'))).resolves.toBeUndefined();
  });
});

describe('classifyError', () => {
  it('has a name for every launch and bridge error code', () => {
    // A code added to its type must be added to the log's list too, or it is logged as "unclassified":
    // these do not compile until it is.
    expectTypeOf<Exclude<LaunchErrorCode, (typeof LAUNCH_ERROR_CODES)[number]>>().toBeNever();
    expectTypeOf<Exclude<BridgeErrorShape['code'], (typeof BRIDGE_ERROR_CODES)[number]>>().toBeNever();
    for (const code of LAUNCH_ERROR_CODES) {
      expect(classifyError(new LaunchError(code, serverText)).errorCode).toBe(`launch.${code}`);
    }
    for (const code of BRIDGE_ERROR_CODES) {
      expect(classifyError(new BridgeError(code, serverText)).errorCode).toBe(`bridge.${code}`);
    }
  });

  it('names our own errors by their code, never by their message', () => {
    expect(classifyError(new FetchFailure('not-bundle', serverText, 200))).toEqual({
      errorCode: 'fetch.not-bundle',
      httpStatus: 200,
    });
    expect(classifyError(new LaunchError('token-exchange-failed', serverText))).toEqual({
      errorCode: 'launch.token-exchange-failed',
    });
    expect(classifyError(new RelaunchRequiredError(serverText))).toEqual({
      errorCode: 'launch.relaunch-required',
    });
    expect(classifyError(new BridgeError('unavailable', serverText))).toEqual({
      errorCode: 'bridge.unavailable',
    });
  });

  it('names SQLite and operating-system errors by their fixed codes', () => {
    const sqlite = Object.assign(new Error(serverText), { name: 'SqliteError', code: 'SQLITE_IOERR_READ' });
    expect(classifyError(sqlite)).toEqual({ errorCode: 'sqlite.SQLITE_IOERR' });
    const disk = Object.assign(new Error(`ENOSPC: no space left, write '/home/${patient.family}'`), {
      code: 'ENOSPC',
    });
    expect(classifyError(disk)).toEqual({ errorCode: 'system.ENOSPC' });
  });

  it('follows the cause chain for the code, the HTTP status and the source it concerns', () => {
    const signIn = Object.assign(
      new Error(`dcr sign-in failed: ${serverText}`, {
        cause: new FetchFailure('forbidden', serverText, 403),
      }),
      { sourceId: 'dcr' },
    );
    expect(classifyError(signIn)).toEqual({ errorCode: 'fetch.forbidden', httpStatus: 403, sourceId: 'dcr' });
  });

  it('calls anything else unclassified, whatever code it claims', () => {
    expect(classifyError(new Error(serverText))).toEqual({ errorCode: 'unclassified' });
    expect(classifyError({ code: patient.family })).toEqual({ errorCode: 'unclassified' });
    expect(classifyError({ code: 'SQLITE_' + patient.nhsNumber })).toEqual({ errorCode: 'unclassified' });
    expect(classifyError(serverText)).toEqual({ errorCode: 'unclassified' });
    // A code the log has no name for yet is not written as the code it claims.
    expect(classifyError(new LaunchError(serverText as never, 'x'))).toEqual({ errorCode: 'unclassified' });
  });

  it('drops a source id that is not one (it goes through the same field check)', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'wessex-logs-'));
    try {
      const log = createAppLogger({ logDir: logDirectory(dataDir) });
      const wrapped = Object.assign(new Error('x'), { sourceId: `${patient.given} ${patient.family}` });
      log.log('launch.failed', classifyError(wrapped));
      expect(await written(log)).toEqual([
        { level: 'warn', event: 'launch.failed', errorCode: 'unclassified', droppedFields: 1 },
      ]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
