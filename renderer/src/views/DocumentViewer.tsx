// One document, read in the viewer: its parts shown (HTML sanitised, PDFs with pdf.js), fetched on request when
// linked, and named when the viewer cannot show them.
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { formatDate } from '../../../common/summary';
import { withoutFormatControls } from '../../../common/text-safety';
import type { DocumentContent } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';
import { Narrative } from '../components/Narrative';
import type { Attachment, DocumentRow } from './documentRows';

const PdfViewer = lazy(() => import('../components/PdfViewer').then((m) => ({ default: m.PdfViewer })));

/** The text in base64 `data`, or undefined when it is not base64 (a damaged or hostile part). */
function decodeBase64Text(data: string): string | undefined {
  try {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
}

const UNREADABLE = 'unreadable';

function UnreadablePart() {
  return (
    <p className="wx-error" role="alert" data-testid="document-part-unreadable">
      This part could not be read: its content is damaged (not valid base64). The rest of the document is
      shown as received.
    </p>
  );
}

/** What the viewer can draw itself: PDF (pdf.js), HTML and XML (sanitised), plain text. */
function canShow(contentType: string | undefined): boolean {
  return /pdf|html|xml|^text\//i.test(contentType ?? 'text/plain');
}

function formatName(contentType: string | undefined): string {
  if (!contentType) return 'Format not stated';
  if (/pdf/i.test(contentType)) return 'PDF';
  if (/html/i.test(contentType)) return 'HTML';
  if (/xml/i.test(contentType)) return 'XML';
  if (/^text\/plain/i.test(contentType)) return 'Plain text';
  if (/^image\//i.test(contentType)) return `Image (${contentType})`;
  return contentType;
}

function sizeOf(a: Attachment): number | undefined {
  if (a.size !== undefined) return a.size;
  if (!a.data) return undefined;
  return Math.floor((a.data.length * 3) / 4) - (a.data.endsWith('==') ? 2 : a.data.endsWith('=') ? 1 : 0);
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function contentOf(a: Attachment, title: string): DocumentContent | typeof UNREADABLE | undefined {
  if (!a.data) return undefined;
  const type = a.contentType ?? 'text/plain';
  if (type.includes('pdf')) return { contentType: type, data: a.data, encoding: 'base64', title };
  const text = decodeBase64Text(a.data);
  return text === undefined ? UNREADABLE : { contentType: type, data: text, encoding: 'text', title };
}

function DocumentBody({ content }: { content: DocumentContent }) {
  if (content.contentType.includes('pdf')) {
    const base64 = content.encoding === 'base64' ? content.data : btoa(content.data);
    return (
      <Suspense fallback={<p role="status">Opening PDF…</p>}>
        <PdfViewer base64={base64} title={content.title} />
      </Suspense>
    );
  }
  const text = content.encoding === 'base64' ? decodeBase64Text(content.data) : content.data;
  if (text === undefined) return <UnreadablePart />;
  if (content.contentType.includes('html') || content.contentType.includes('xml')) {
    return <Narrative html={text} label={content.title} />;
  }
  return <pre className="wx-plain">{withoutFormatControls(text)}</pre>;
}

/**
 * One content part: shown when it came with the record, fetched on request when it is linked (the same
 * 'document:get' path and same-origin rules as any document), and named when the viewer cannot show it.
 */
function DocumentPart({
  row,
  nhsNumber,
  attachment,
  part,
  label,
  fetchLabel,
}: {
  row: DocumentRow;
  nhsNumber: string;
  attachment?: Attachment;
  /** Which content entry; undefined: let main choose (a pointer, or an entry with one part). */
  part?: number;
  label: string;
  fetchLabel: string;
}) {
  const [fetched, setFetched] = useState<{ content?: DocumentContent; error?: string; loading?: boolean }>(
    {},
  );
  if (attachment && !canShow(attachment.contentType)) {
    return (
      <p className="wx-muted" data-testid="document-part-not-shown">
        The viewer cannot show {formatName(attachment.contentType)} files: this part is listed but not
        displayed.
      </p>
    );
  }
  const inline = attachment ? contentOf(attachment, label) : undefined;
  if (inline === UNREADABLE) return <UnreadablePart />;
  if (inline) return <DocumentBody content={inline} />;
  const fetchable = !!row.pointerId && (row.key.startsWith('pointer:') || !!attachment?.url);
  if (!fetchable) return <p className="wx-muted">No content is held in the record for this entry.</p>;
  const fetchDocument = () => {
    if (!row.pointerId) return;
    setFetched({ loading: true });
    invoke('document:get', {
      nhsNumber,
      pointerId: row.pointerId,
      ...(part === undefined ? {} : { part }),
    }).then(
      (content) => setFetched({ content }),
      (e: unknown) => setFetched({ error: errorMessage(e) }),
    );
  };
  return (
    <>
      {!fetched.content && (
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          onClick={fetchDocument}
          disabled={fetched.loading}
        >
          {fetched.loading ? 'Fetching document…' : fetchLabel}
        </button>
      )}
      {fetched.error && (
        <p className="wx-error" role="alert">
          The document could not be fetched: {fetched.error}
        </p>
      )}
      {fetched.content && <DocumentBody content={fetched.content} />}
    </>
  );
}

function PartDetails({ attachment }: { attachment: Attachment }) {
  const size = sizeOf(attachment);
  return (
    <p className="wx-muted" data-testid="document-part-details">
      {formatName(attachment.contentType)}
      {size !== undefined ? ` · ${formatSize(size)}` : ''}
      {attachment.data ? ' · held in the record' : attachment.url ? ' · linked' : ' · no content'}
    </p>
  );
}

export function DocumentViewer({
  row,
  nhsNumber,
  alone,
  onOpenAlone,
}: {
  row: DocumentRow;
  nhsNumber: string;
  alone: boolean;
  onOpenAlone: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (alone) heading.current?.focus();
  }, [alone]);
  const from = row.heldBy ? ` from ${row.heldBy}` : '';
  const Heading = alone ? 'h2' : 'h3';
  return (
    <div className="wx-document" data-testid="document-viewer">
      <Heading ref={heading} tabIndex={-1} data-testid="document-title">
        {row.title}
      </Heading>
      <p className="wx-muted">
        {row.type}
        {row.date ? ` · ${formatDate(row.date)}` : ''}
        {row.heldBy ? ` · held at ${row.heldBy}` : ''}
      </p>
      {!alone && (
        <p>
          <button type="button" className="wx-linkbutton" onClick={onOpenAlone} data-testid="document-alone">
            Open on its own<span className="nhsuk-u-visually-hidden">: {row.title}</span>
          </button>
        </p>
      )}
      {row.narrative && <Narrative html={row.narrative} label={`${row.title}: summary`} />}
      {row.parts.length > 1 ? (
        <>
          <p data-testid="document-parts-count">This document has {row.parts.length} parts.</p>
          <ol className="wx-document-parts" aria-label={`Parts of ${row.title}`}>
            {row.parts.map((attachment, i) => {
              const label = attachment.title ?? `Part ${i + 1}`;
              return (
                <li key={i} className="wx-document-parts__item" data-testid="document-part">
                  {/* Not a heading: a letter's own headings come between the parts, at any level. */}
                  <p className="wx-document-parts__title">
                    <strong>
                      Part {i + 1}: <span>{label}</span>
                    </strong>
                  </p>
                  <PartDetails attachment={attachment} />
                  <DocumentPart
                    row={row}
                    nhsNumber={nhsNumber}
                    attachment={attachment}
                    part={i}
                    label={`${row.title}: ${label}`}
                    fetchLabel={`Fetch part ${i + 1} (${label})${from}`}
                  />
                </li>
              );
            })}
          </ol>
        </>
      ) : (
        (row.parts.length === 1 || !row.narrative) && (
          <>
            {row.parts[0] && <PartDetails attachment={row.parts[0]} />}
            <DocumentPart
              row={row}
              nhsNumber={nhsNumber}
              attachment={row.parts[0]}
              label={row.title}
              fetchLabel={`Fetch document${from}`}
            />
          </>
        )
      )}
    </div>
  );
}

/** The types present, most common first, each with how many documents have it. */
