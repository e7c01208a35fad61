// PDF letters rendered with pdf.js inside the renderer (no plugin, no external viewer). Long documents are
// rendered a batch of pages at a time, and the viewer always says how many of how many pages are showing.
import { useEffect, useRef, useState } from 'react';
import type { PDFDocumentProxy } from 'pdfjs-dist';

/** Pages rendered when the PDF opens, and added by each "Load more". */
export const FIRST_PAGES = 20;
export const MORE_PAGES = 10;

function base64ToBytes(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function PdfViewer({ base64, title }: { base64: string; title: string }) {
  const container = useRef<HTMLDivElement>(null);
  const shownText = useRef<HTMLParagraphElement>(null);
  const doc = useRef<PDFDocumentProxy | undefined>(undefined);
  // Pages render one after another, each batch after the one before; `rendered` counts finished canvases.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const rendered = useRef(0);
  const [pages, setPages] = useState<number>();
  const [wanted, setWanted] = useState(FIRST_PAGES);
  const [shown, setShown] = useState(0);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let closed = false;
    let destroy: (() => void) | undefined;
    (async () => {
      const [pdfjs, worker] = await Promise.all([
        import('pdfjs-dist'),
        import('pdfjs-dist/build/pdf.worker.min.mjs?url'),
      ]);
      pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
      const task = pdfjs.getDocument({
        data: base64ToBytes(base64),
        isEvalSupported: false,
        disableFontFace: true,
        enableXfa: false,
        useSystemFonts: false,
      });
      destroy = () => void task.destroy();
      const opened = await task.promise;
      if (closed) return;
      doc.current = opened;
      rendered.current = 0;
      container.current?.replaceChildren();
      setPages(opened.numPages);
    })().catch((e: unknown) => {
      if (!closed) setError(message(e));
    });
    return () => {
      closed = true;
      doc.current = undefined;
      destroy?.();
    };
  }, [base64]);

  useEffect(() => {
    const opened = doc.current;
    if (pages === undefined || !opened) return;
    const upTo = Math.min(wanted, pages);
    // A batch still drawing when this document is closed (or replaced) stops at its next page.
    const current = () => doc.current === opened;
    queue.current = queue.current.then(async () => {
      try {
        for (let n = rendered.current + 1; n <= upTo && current(); n++) {
          await renderPage(opened, n, title, container.current);
          if (current()) rendered.current = n;
        }
        if (current()) setShown(rendered.current);
      } catch (e) {
        if (current()) setError(message(e));
      }
    });
  }, [pages, wanted, title]);

  const more = pages === undefined ? 0 : Math.min(MORE_PAGES, pages - wanted);
  const loadMore = () => {
    // The button goes once the last pages are asked for: keep the keyboard user's place on the page count.
    if (pages !== undefined && wanted + MORE_PAGES >= pages) shownText.current?.focus();
    setWanted((w) => w + MORE_PAGES);
  };

  return (
    <div className="wx-pdf" data-testid="pdf-viewer">
      {error && (
        <p className="wx-error" role="alert">
          This PDF could not be displayed: {error}
        </p>
      )}
      {pages !== undefined && (
        <p className="wx-pdf__meta" data-testid="pdf-pages">
          PDF, {pages} page{pages === 1 ? '' : 's'}
        </p>
      )}
      {pages !== undefined && pages > 1 && (
        <p className="wx-pdf__shown" data-testid="pdf-shown" role="status" tabIndex={-1} ref={shownText}>
          {shown === 0
            ? `Drawing the first pages of ${pages}…`
            : shown === pages
              ? `Showing all ${pages} pages`
              : `Showing pages 1–${shown} of ${pages}`}
        </p>
      )}
      <div ref={container} className="wx-pdf__pages" />
      {more > 0 && (
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          onClick={loadMore}
          data-testid="pdf-more"
        >
          Load {more} more page{more === 1 ? '' : 's'}
          <span className="nhsuk-u-visually-hidden"> of {title}</span>
        </button>
      )}
    </div>
  );
}

async function renderPage(
  doc: PDFDocumentProxy,
  n: number,
  title: string,
  host: HTMLDivElement | null,
): Promise<void> {
  const page = await doc.getPage(n);
  const viewport = page.getViewport({ scale: 1.25 });
  const canvas = document.createElement('canvas');
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${title}, page ${n} of ${doc.numPages}`);
  canvas.className = 'wx-pdf__page';
  host?.appendChild(canvas);
  const context = canvas.getContext('2d');
  if (context) await page.render({ canvasContext: context, canvas, viewport }).promise;
}
