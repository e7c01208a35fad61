// A whole clinical session through the real services, then the log files are searched for every sandbox
// patient's identifiers (names, NHS numbers in any spacing): the log must tell IT what happened, never who.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import type { RecordEvent, SectionEvent } from '../../common/record';
import { withSectionsAsSent, type RecordOverview } from '../../common/summary';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { assertLogsFreeOf, logDirectory } from '../../main/services/logging';
import { startTestApp, type TestApp } from '../support/app';
import { shownSections } from '../support/shown-sections';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => app?.close());

describe('logs of a full session', () => {
  it('record what happened without any patient identifier', async () => {
    const { services } = app;
    const sandbox = services.sandbox!;
    await services.openSandboxSession({ role: 'general-practitioner' });
    await sandbox.servers.dcr.setFault('500', { resourceType: 'Condition' });
    for (const key of ['cross-border', 'frail', 'sensitive', 'not-traced']) {
      // The GP's EPR launched with cross-border; each other patient gets its own reason.
      await dispatchBridgeRequest(services.handlers, 'access:declare-reason', {
        reasonCode: 'direct-care',
        breakGlass: false,
        nhsNumber: sandbox.patient(key).nhsNumber,
      });
      const outcome = await dispatchBridgeRequest(services.handlers, 'record:open', {
        nhsNumber: sandbox.patient(key).nhsNumber,
        requestId: `log-${key}`,
      });
      expect(outcome.ok).toBe(true);
    }
    await dispatchBridgeRequest(services.handlers, 'cache:search', { query: sandbox.patient('frail').name });
    await dispatchBridgeRequest(services.handlers, 'record:open', {
      nhsNumber: '9990000000',
      requestId: 'bad',
    });
    await dispatchBridgeRequest(services.handlers, 'session:sign-out', {});

    const logDir = logDirectory(app.dataDir);
    const log = await readFile(join(logDir, 'main.log'), 'utf8');
    expect(log).toContain('"event":"viewer.started"');
    expect(
      log.match(/\{"event":"record\.opened","phase":"live","count":\d+,"durationMs":\d+\}/g),
    ).toHaveLength(4);
    expect(log).toContain('{"event":"record.source","sourceId":"dcr","sourceState":"partial"');

    const identifiers = sandbox.patients.flatMap((p) => [p.nhsNumber, formatNhsNumber(p.nhsNumber), p.name]);
    await assertLogsFreeOf(identifiers, logDir);
  });

  it('a window that cannot take the record’s progress does not end the open; the log says so, not who', async () => {
    const { services } = app;
    const sandbox = services.sandbox!;
    const patient = sandbox.patient('cross-border');
    await services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: patient.nhsNumber });
    // As a closing window's send may throw, from the turns the record's progress is emitted in.
    const stop = services.onEvent(() => {
      throw new Error(`Render frame was disposed (${patient.nhsNumber}, ${patient.name})`);
    });
    try {
      const outcome = await dispatchBridgeRequest(services.handlers, 'record:open', {
        nhsNumber: patient.nhsNumber,
        requestId: 'closing-window',
      });
      expect(outcome.ok).toBe(true);
      // The medicines' progress follows a turn later.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      stop();
    }
    const logDir = logDirectory(app.dataDir);
    expect(await readFile(join(logDir, 'main.log'), 'utf8')).toContain('"event":"bridge.event-failed"');
    await assertLogsFreeOf([patient.nhsNumber, formatNhsNumber(patient.nhsNumber), patient.name], logDir);
  });
});

describe('progress a window could not take', () => {
  it('a window that could not take the allergies’ entries gets them with the record, never “complete” without them; the log says what was skipped, not who', async () => {
    const { services } = app;
    const patient = services.sandbox!.patient('cross-border');
    await services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: patient.nhsNumber });
    const reached: RecordEvent[] = [];
    // As a window whose send fails for one kind of message (too large to clone, say): every allergies update
    // that carries entries is lost; the rest arrive.
    const stop = services.onEvent((name, payload) => {
      if (name !== 'record:event') return;
      const event = payload as RecordEvent;
      if (event.type === 'section' && event.section === 'allergies' && event.items)
        throw new Error(`An object could not be cloned (${patient.name})`);
      reached.push(event);
    });
    let answer: RecordOverview;
    try {
      const outcome = await dispatchBridgeRequest(services.handlers, 'record:open', {
        nhsNumber: patient.nhsNumber,
        requestId: 'lost-allergies',
        keepsSectionEvents: true,
      });
      if (!outcome.ok) throw new Error(outcome.error.message);
      answer = outcome.value as RecordOverview;
    } finally {
      stop();
    }
    // What the screen shows once the answer is in: its sections as the events left them, filled in.
    const shown = shownSections(reached.filter((e) => e.requestId === 'lost-allergies'));
    const filledIn = withSectionsAsSent(answer, (section) => shown.get(section)?.items);
    const allergies = filledIn.items.filter((i) => i.section === 'allergies').map((i) => i.display);
    expect(allergies).toContain('Allergy to penicillin');
    // While it loaded, the allergies never said complete: they said what the screen lacked.
    const allergyEvents = reached.filter(
      (e): e is SectionEvent => e.type === 'section' && e.section === 'allergies',
    );
    expect(allergyEvents.length).toBeGreaterThan(0);
    for (const event of allergyEvents) expect(event.completeness.state).not.toBe('complete');

    const logDir = logDirectory(app.dataDir);
    const log = await readFile(join(logDir, 'main.log'), 'utf8');
    expect(log).toContain('{"event":"record.progress-skipped","errorCode":"bridge.unavailable"}');
    await assertLogsFreeOf([patient.nhsNumber, formatNhsNumber(patient.nhsNumber), patient.name], logDir);
  });
});
