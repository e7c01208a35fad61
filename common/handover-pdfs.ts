// What removing the handover PDFs the viewer made did, in plain words (counts only, never a path): for the
// offline-records screen, the command line and the audit event alike.

/** Handover PDFs removed with offline records: files the user moved or replaced are counted, not deleted. */
export interface HandoverPdfRemoval {
  /** Files deleted, and PDFs dropped from the encrypted store. */
  removed: number;
  /** Moved or deleted outside the viewer. */
  missing: number;
  /** Replaced by something else since the viewer wrote it: left in place, no longer tracked. */
  changed: number;
  /** Could not be deleted now (open elsewhere, no permission): tried again at the next purge. */
  failed: number;
}

const pdfs = (n: number): string => `${n} handover PDF${n === 1 ? '' : 's'}`;

/** Undefined when there were none to remove. */
export function describeHandoverPdfRemoval(r: HandoverPdfRemoval): string | undefined {
  if (r.removed + r.missing + r.changed + r.failed === 0) return undefined;
  const parts = [`Removed ${pdfs(r.removed)}.`];
  if (r.missing)
    parts.push(
      `${pdfs(r.missing)} had already been moved or deleted outside the viewer (nothing to remove).`,
    );
  if (r.changed)
    parts.push(
      `${pdfs(r.changed)} had been replaced by another file since the viewer saved ${r.changed === 1 ? 'it' : 'them'}: left in place.`,
    );
  if (r.failed)
    parts.push(
      `${pdfs(r.failed)} could not be deleted (open in another program?): the viewer will try again.`,
    );
  return parts.join(' ');
}
