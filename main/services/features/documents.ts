// Documents and the handover summary: a document from the record the clinician has open, and the handover
// printed or saved as PDF by the host window that asked (Electron, or the Chromium harness), where policy says.
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { DocumentContent } from '../../../preload/contract';
import { BridgeError, type BridgeCaller, type BridgeHandlers, type HostPrinter } from '../bridge/dispatch';
import type { HandoverExports } from '../cache/handover-exports';
import { classifyError, type AppLogger } from '../logging';
import { exportHandover, type HandoverDestination } from './handover-export';
import type { OpenedRecords } from './opened-records';

export type DocumentHandlers = Pick<
  BridgeHandlers,
  'document:get' | 'handover:print' | 'handover:save-pdf' | 'handover:open-kept'
>;

export function documentHandlers(deps: {
  opened: OpenedRecords;
  readDocument: (
    record: NonNullable<ReturnType<OpenedRecords['get']>>,
    id: string,
    part?: number,
  ) => Promise<DocumentContent>;
  /** Where saved handover PDFs go (machine policy; the dialog starts in the user's Documents in the app). */
  destination: HandoverDestination;
  /** The encrypted store's handover PDFs (undefined without the store: nothing can be saved). */
  exports: HandoverExports | undefined;
  clock: () => Date;
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
    'handover:save-pdf': async ({ nhsNumber }, caller) => {
      const printer = hostPrinter(caller, 'Saving as PDF');
      try {
        return await exportHandover({
          nhsNumber: normaliseNhsNumber(nhsNumber),
          printer,
          caller,
          destination: deps.destination,
          exports: deps.exports,
          now: deps.clock(),
        });
      } catch (error) {
        throw failure('could not be saved as a PDF', error);
      }
    },
    'handover:open-kept': async ({ nhsNumber, exportId }) => {
      const pdf = await deps.exports?.readKept(normaliseNhsNumber(nhsNumber), exportId);
      if (!pdf) {
        throw new BridgeError(
          'unavailable',
          'This handover summary is no longer kept on this computer (its record’s retention has ended or it was deleted).',
        );
      }
      return {
        contentType: 'application/pdf',
        data: Buffer.from(pdf).toString('base64'),
        encoding: 'base64',
        title: 'Handover summary (kept in the encrypted store)',
      };
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
