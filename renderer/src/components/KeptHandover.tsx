// A handover summary kept only in the encrypted store (machine policy): shown here from memory, never
// written to a file, until the user closes it.
import { lazy, Suspense, useEffect, useState } from 'react';
import type { DocumentContent } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';

const PdfViewer = lazy(() => import('./PdfViewer').then((m) => ({ default: m.PdfViewer })));

export function KeptHandover({
  nhsNumber,
  exportId,
  onClose,
}: {
  nhsNumber: string;
  exportId: string;
  onClose: () => void;
}) {
  const [content, setContent] = useState<DocumentContent>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    invoke('handover:open-kept', { nhsNumber, exportId }).then(
      (kept) => current && setContent(kept),
      (e: unknown) => current && setError(errorMessage(e)),
    );
    return () => {
      current = false;
    };
  }, [nhsNumber, exportId]);

  return (
    <section
      className="wx-screen-only wx-kept-handover"
      aria-labelledby="kept-handover-heading"
      data-testid="kept-handover"
    >
      <h2 id="kept-handover-heading">Handover summary kept on this computer</h2>
      <p>
        Kept only in the encrypted offline store, not as a file. It is removed with the offline record (at the
        end of its retention or when offline records are deleted).
      </p>
      <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={onClose}>
        Close the handover summary
      </button>
      {error && (
        <p className="wx-error" role="alert">
          {error}
        </p>
      )}
      {!content && !error && <p role="status">Opening the handover summary…</p>}
      {content && (
        <Suspense fallback={<p role="status">Opening PDF…</p>}>
          <PdfViewer base64={content.data} title={content.title} />
        </Suspense>
      )}
    </section>
  );
}
