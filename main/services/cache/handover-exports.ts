// Handover PDFs, tracked in the encrypted offline store: each one written to a file (its path and a hash of
// what was written, so it can be removed with the record), or the PDF itself kept only here. They go when
// their record's retention ends, with "delete all offline records", with the record, and with the CLI's purge.
// A file is deleted only when it still holds exactly what the viewer wrote there.
import { createHash, randomUUID } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { describeHandoverPdfRemoval, type HandoverPdfRemoval } from '../../../common/handover-pdfs';
import type { SqliteDatabase } from './encrypted-database';

export type ExportRemovalTrigger = 'user' | 'retention' | 'sign-out' | 'all' | 'dissent';

/** The audit's write-ahead for a removal (the offline store's, so both kinds of purge are audited alike). */
export type ExportRemovalWriteAhead = (change: {
  kind: 'export-purge';
  trigger: ExportRemovalTrigger;
  count: number;
  nhsNumber?: string;
}) => { done(): void; endedOtherwise(outcome: '4' | '8', outcomeDesc: string): void };

/**
 * What one removal did, file by file: removed (files deleted, PDFs dropped from the store); missing (moved or
 * deleted outside the viewer: reported, not an error); changed (replaced by the user: left in place, no longer
 * tracked); failed (open in another program, no permission: tried again next time).
 */
export type ExportRemoval = HandoverPdfRemoval;

const NOTHING: ExportRemoval = { removed: 0, missing: 0, changed: 0, failed: 0 };

interface ExportRow {
  id: string;
  nhs_number: string;
  path: string | null;
  sha256: string;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface HandoverExportsDeps {
  /** Runs a query on the store's connection (recovering an unreadable file as the offline store does). */
  run<T>(query: (db: SqliteDatabase) => T, onReset: (db: SqliteDatabase) => T): Promise<T>;
  /** When an export for this patient made now expires: its record's retention. */
  expiresAt(nhsNumber: string, now: Date): Promise<string>;
  writeAhead?: ExportRemovalWriteAhead;
  clock: () => Date;
}

export class HandoverExports {
  constructor(private readonly deps: HandoverExportsDeps) {}

  /**
   * Tracks a PDF about to be written to `path`, before it is written: a crash in between leaves a row whose
   * hash the file does not match (never a file nobody knows of). Returns the row's id, to forget it if the
   * write fails.
   */
  async trackFile(nhsNumber: string, path: string, pdf: Uint8Array): Promise<string> {
    return this.insert(nhsNumber, path, sha256Of(pdf), null);
  }

  /** Keeps the PDF only in the encrypted store. Returns its id (to open it). */
  async keep(nhsNumber: string, pdf: Uint8Array): Promise<string> {
    return this.insert(nhsNumber, null, sha256Of(pdf), Buffer.from(pdf));
  }

  /** A PDF kept in the store for this patient, while its retention lasts. */
  async readKept(nhsNumber: string, id: string): Promise<Uint8Array | undefined> {
    const now = this.deps.clock().toISOString();
    return this.deps.run(
      (db) =>
        (db
          .prepare(
            'SELECT pdf FROM handover_exports WHERE id = ? AND nhs_number = ? AND pdf IS NOT NULL AND expires_at > ?',
          )
          .pluck()
          .get(id, nhsNumber, now) as Buffer | undefined) ?? undefined,
      () => undefined,
    );
  }

  /** Stops tracking a file the viewer could not write after all. */
  async forget(id: string): Promise<void> {
    await this.deps.run(
      (db) => db.prepare('DELETE FROM handover_exports WHERE id = ?').run(id),
      () => undefined,
    );
  }

  /** Stops tracking earlier exports at `path`: a newer one was written over them. */
  async forgetOthersAt(path: string, keepId: string): Promise<void> {
    await this.deps.run(
      (db) => db.prepare('DELETE FROM handover_exports WHERE path = ? AND id <> ?').run(path, keepId),
      () => undefined,
    );
  }

  removeExpired(now: Date, trigger: ExportRemovalTrigger): Promise<ExportRemoval> {
    return this.remove(trigger, 'expires_at <= ?', [now.toISOString()]);
  }

  removeFor(nhsNumber: string, trigger: ExportRemovalTrigger): Promise<ExportRemoval> {
    return this.remove(trigger, 'nhs_number = ?', [nhsNumber], nhsNumber);
  }

  removeAll(trigger: ExportRemovalTrigger): Promise<ExportRemoval> {
    return this.remove(trigger, '1 = 1', []);
  }

  private async insert(
    nhsNumber: string,
    path: string | null,
    sha256: string,
    pdf: Buffer | null,
  ): Promise<string> {
    const id = randomUUID();
    const now = this.deps.clock();
    const expiresAt = await this.deps.expiresAt(nhsNumber, now);
    const write = (db: SqliteDatabase): void => {
      db.prepare(
        `INSERT INTO handover_exports (id, nhs_number, path, sha256, pdf, written_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, nhsNumber, path, sha256, pdf, now.toISOString(), expiresAt);
    };
    await this.deps.run(write, write);
    return id;
  }

  /** Removes the exports `where` selects, audited ahead like every purge of the offline store. */
  private async remove(
    trigger: ExportRemovalTrigger,
    where: string,
    params: string[],
    nhsNumber?: string,
  ): Promise<ExportRemoval> {
    const rows = await this.deps.run(
      (db) =>
        db
          .prepare(`SELECT id, nhs_number, path, sha256 FROM handover_exports WHERE ${where}`)
          .all(...params) as ExportRow[],
      () => [],
    );
    if (rows.length === 0) return NOTHING;
    const intent = this.deps.writeAhead?.({
      kind: 'export-purge',
      trigger,
      count: rows.length,
      ...(nhsNumber ? { nhsNumber } : {}),
    });
    const result = { ...NOTHING };
    const forget: string[] = [];
    try {
      for (const row of rows) {
        const outcome = row.path ? await removeFile(row.path, row.sha256) : 'removed';
        result[outcome]++;
        if (outcome !== 'failed') forget.push(row.id);
      }
      await this.deps.run(
        (db) =>
          db.transaction(() => {
            const drop = db.prepare('DELETE FROM handover_exports WHERE id = ?');
            for (const id of forget) drop.run(id);
          })(),
        () => undefined,
      );
    } catch (error) {
      intent?.endedOtherwise('8', 'The handover PDFs could not all be removed; they are tracked still');
      throw error;
    }
    if (result.removed === rows.length) intent?.done();
    else intent?.endedOtherwise('4', describeHandoverPdfRemoval(result) ?? '');
    return result;
  }
}

/** Deletes the file only if it still holds what the viewer wrote (matched by path and hash). */
async function removeFile(path: string, sha256: string): Promise<keyof ExportRemoval> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? 'missing' : 'failed';
  }
  if (sha256Of(bytes) !== sha256) return 'changed';
  try {
    await unlink(path);
    return 'removed';
  } catch (error) {
    return (error as { code?: string }).code === 'ENOENT' ? 'missing' : 'failed';
  }
}
