// PDF letters rendered with pdf.js inside the renderer (no plugin, no external viewer).
import { useEffect, useRef, useState } from 'react';

function base64ToBytes(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function PdfViewer({ base64, title }: { base64: string; title: string }) {
  const container = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<{ pages?: number; error?: string }>({});

  useEffect(() => {
    let cancelled = false;
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
      const doc = await task.promise;
      const host = container.current;
      if (cancelled || !host) return;
      host.replaceChildren();
      const pages = Math.min(doc.numPages, 20);
      for (let n = 1; n <= pages; n++) {
        const page = await doc.getPage(n);
        const viewport = page.getViewport({ scale: 1.25 });
        const canvas = document.createElement('canvas');
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', `${title}, page ${n} of ${doc.numPages}`);
        canvas.className = 'wx-pdf__page';
        host.appendChild(canvas);
        const context = canvas.getContext('2d');
        if (context) await page.render({ canvasContext: context, canvas, viewport }).promise;
        if (cancelled) return;
      }
      setState({ pages: doc.numPages });
    })().catch((e: unknown) => {
      if (!cancelled) setState({ error: e instanceof Error ? e.message : String(e) });
    });
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [base64, title]);

  return (
    <div className="wx-pdf" data-testid="pdf-viewer">
      {state.error && (
        <p className="wx-error" role="alert">
          This PDF could not be displayed: {state.error}
        </p>
      )}
      {state.pages !== undefined && (
        <p className="wx-pdf__meta" data-testid="pdf-pages">
          PDF, {state.pages} page{state.pages === 1 ? '' : 's'}
        </p>
      )}
      <div ref={container} className="wx-pdf__pages" />
    </div>
  );
}
