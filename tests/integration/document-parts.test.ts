// Each part of a document with several content entries, through the real bridge (what the renderer asks):
// an inline letter, a linked PDF fetched from the source that holds it, a photograph the viewer cannot show,
// and parts that do not exist refused with a clear message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WessexRecord } from '../../common/record';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import type { DocumentContent } from '../../preload/contract';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;
let nhsNumber: string;
let dischargeKey: string;

async function invoke<T>(channel: string, args: unknown): Promise<T> {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args, {});
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
}

beforeAll(async () => {
  app = await startTestApp();
  nhsNumber = app.services.sandbox!.patient('long-history').nhsNumber;
  await app.services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: nhsNumber });
  const record = await invoke<WessexRecord>('record:open', { nhsNumber, requestId: 'parts' });
  dischargeKey = record.items.find((i) => i.section === 'documents' && /Discharge/.test(i.display))!.key;
}, 60_000);
afterAll(async () => app?.close());

const part = (index: unknown) =>
  invoke<DocumentContent>('document:get', { nhsNumber, pointerId: dischargeKey, part: index });

describe('a document in several parts', () => {
  it('gives the inline letter and fetches the linked PDF, each titled with its part', async () => {
    const letter = await part(0);
    expect(letter).toMatchObject({ contentType: 'text/html', encoding: 'text' });
    expect(letter.title).toBe('Discharge summary — Discharge letter');
    expect(letter.data).toContain('community-acquired pneumonia');

    const printable = await part(1);
    expect(printable).toMatchObject({ contentType: 'application/pdf', encoding: 'base64' });
    expect(printable.title).toBe('Discharge summary — Printable copy');
    expect(Buffer.from(printable.data, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('says plainly which parts it cannot give', async () => {
    await expect(part(2)).rejects.toThrow('Documents of type image/jpeg cannot be shown in the viewer.');
    await expect(part(7)).rejects.toMatchObject({
      code: 'invalid-argument',
      message: 'That part of the document is not in the record.',
    });
    for (const bad of [-1, 1.5, '1', 100]) {
      await expect(part(bad)).rejects.toMatchObject({ code: 'invalid-argument' });
    }
  });

  it('without a part, still gives the first part it can show (as before parts were asked for)', async () => {
    const first = await invoke<DocumentContent>('document:get', { nhsNumber, pointerId: dischargeKey });
    expect(first.contentType).toBe('text/html');
  });
});
