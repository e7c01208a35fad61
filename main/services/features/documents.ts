// Documents and the handover summary: a document from the record the clinician has open, and the handover
// printed or saved as PDF by the host window that asked (Electron, or the Chromium harness).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DocumentContent } from '../../../preload/contract';
import { BridgeError, type BridgeCaller, type BridgeHandlers, type HostPrinter } from '../bridge/dispatch';
import { classifyError, type AppLogger } from '../logging';
import type { OpenedRecords } from './opened-records';

export type DocumentHandlers = Pick<BridgeHandlers, 'document:get' | 'handover:print' | 'handover:save-pdf'>;

export function documentHandlers(deps: {
  opened: OpenedRecords;
  readDocument: (
    record: NonNullable<ReturnType<OpenedRecords['get']>>,
    id: string,
    part?: number,
  ) => Promise<DocumentContent>;
  /** Where saved handover PDFs go (the user's Documents folder in the app). */
  exportDir: string;
  logger: AppLogger;
}): DocumentHandlers {
  const failure = (failed: string, error: unknown): BridgeError => {
    if (error instanceof BridgeError) return error;
    deps.logger.log('handover.failed', classifyError(error));
    return new BridgeError(
      'unavailable',
      `The handover summary ${failed}. Nothing was lost; please try again.`,
    );
  };
  return {
    'document:get': async ({ nhsNumber, pointerId, part }) => {
      const record = deps.opened.get(nhsNumber);
      if (!record) throw new BridgeError('invalid-argument', 'Open the patient’s record first.');
      return deps.readDocument(record, pointerId, part);
    },
    'handover:print': async (_args, caller) => {
      const printer = hostPrinter(caller, 'Printing');
      try {
        return { outcome: await printer.print() };
      } catch (error) {
        throw failure('could not be printed', error);
      }
    },
    'handover:save-pdf': async (_args, caller) => {
      const printer = hostPrinter(caller, 'Saving as PDF');
      try {
        return { path: await saveHandoverPdf(await printer.toPdf(), deps.exportDir) };
      } catch (error) {
        throw failure('could not be saved as a PDF', error);
      }
    },
  };
}

function hostPrinter(caller: BridgeCaller, action: 'Printing' | 'Saving as PDF'): HostPrinter {
  if (!caller.printer) {
    throw new BridgeError(
      'unavailable',
      `${action} is not available in this window. Nothing was saved or printed.`,
    );
  }
  return caller.printer;
}

/** The file name carries no patient identifier: only the time it was made. */
async function saveHandoverPdf(pdf: Uint8Array, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const path = join(dir, `Handover summary ${stamp}.pdf`);
  await writeFile(path, pdf, { mode: 0o600 });
  return path;
}
