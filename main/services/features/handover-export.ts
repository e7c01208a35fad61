// Where a handover PDF goes, as machine policy says: a save dialog (default), IT's folder, or only the
// encrypted store. Every PDF written to a file is tracked in the encrypted store before it is written, so it
// is removed with its record; without the store nothing is saved.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BridgeResults } from '../../../preload/contract';
import type { HandoverExports } from '../cache/handover-exports';
import { BridgeError, type BridgeCaller, type HostPrinter } from '../bridge/dispatch';

export interface HandoverDestination {
  mode: 'ask' | 'folder' | 'encrypted-store';
  /** IT's folder: where PDFs are written ("folder"), or where the dialog starts ("ask"). */
  folder?: string;
  /** Where the dialog starts when IT set no folder (the user's Documents in the app). */
  defaultDir: string;
}

export type HandoverSaved = BridgeResults['handover:save-pdf'];

const MAX_COPIES = 100;

/** The file name carries no patient identifier: only the time it was made. */
function fileName(now: Date, copy = 1): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return `Handover summary ${stamp}${copy > 1 ? ` (${copy})` : ''}.pdf`;
}

export async function exportHandover(options: {
  nhsNumber: string;
  printer: HostPrinter;
  caller: BridgeCaller;
  destination: HandoverDestination;
  exports: HandoverExports | undefined;
  now: Date;
}): Promise<HandoverSaved> {
  const { nhsNumber, printer, destination, exports, now } = options;
  if (!exports) {
    throw new BridgeError(
      'unavailable',
      'Saving the handover summary needs the encrypted offline store, which is unavailable on this computer. Nothing was saved; you can print it instead.',
    );
  }
  switch (destination.mode) {
    case 'encrypted-store':
      return { outcome: 'kept', exportId: await exports.keep(nhsNumber, await printer.toPdf()) };
    case 'folder': {
      const folder = destination.folder ?? destination.defaultDir;
      await mkdir(folder, { recursive: true });
      const pdf = await printer.toPdf();
      // Never over another file: a second save in the same second gets "(2)".
      for (let copy = 1; copy <= MAX_COPIES; copy++) {
        const path = join(folder, fileName(now, copy));
        if (await writeTracked(exports, nhsNumber, path, pdf, 'wx')) return { outcome: 'saved', path };
      }
      throw new Error(`${MAX_COPIES} handover summaries already have this time's name in the folder`);
    }
    case 'ask': {
      const dialog = options.caller.saveDialog;
      if (!dialog) {
        throw new BridgeError(
          'unavailable',
          'Saving as PDF is not available in this window. Nothing was saved.',
        );
      }
      const path = await dialog.choosePdfPath(
        join(destination.folder ?? destination.defaultDir, fileName(now)),
      );
      if (!path) return { outcome: 'cancelled' };
      // The dialog has asked before replacing a file the user chose.
      await mkdir(dirname(path), { recursive: true });
      await writeTracked(exports, nhsNumber, path, await printer.toPdf(), 'w');
      return { outcome: 'saved', path };
    }
  }
}

/** Tracked first, then written (a crash between leaves a row no file matches); false when the name is taken. */
async function writeTracked(
  exports: HandoverExports,
  nhsNumber: string,
  path: string,
  pdf: Uint8Array,
  flag: 'w' | 'wx',
): Promise<boolean> {
  const id = await exports.trackFile(nhsNumber, path, pdf);
  try {
    await writeFile(path, pdf, { mode: 0o600, flag });
    // Saved over an earlier handover: that one's row no longer describes the file.
    await exports.forgetOthersAt(path, id);
    return true;
  } catch (error) {
    await exports.forget(id);
    if (flag === 'wx' && (error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  }
}
