// Documents and letters: HTML sanitised, PDFs rendered with pdf.js, locator pointers fetched on request.
// Every content part of an entry is listed (none silently dropped); letters can be narrowed by type and a
// letter opened on its own.
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { Provenance, RecordItem, RecordPointer } from '../../../common/record';
import { isObject, str } from '../../../common/json';
import { formatDate, sourceNames, type SummaryModel } from '../../../common/summary';
import type { DocumentContent } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';
import { Narrative } from '../components/Narrative';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { useRecordView, useSectionNotice } from '../state/recordView';

const PdfViewer = lazy(() => import('../components/PdfViewer').then((m) => ({ default: m.PdfViewer })));

const LIST_LIMIT = 500;
const ALL_TYPES = '';
const TYPE_NOT_RECORDED = 'Type not recorded';

interface Attachment {
  contentType?: string;
  data?: string;
  url?: string;
  title?: string;
  size?: number;
}

interface DocumentRow {
  key: string;
  title: string;
  /** The document type as the source named it (what the type filter offers). */
  type: string;
  date?: string;
  heldBy?: string;
  sources: string[];
  provenance?: Provenance[];
  narrative?: string;
  /** Every content entry, in the source's order. */
  parts: Attachment[];
  pointerId?: string;
}

/** Only objects can be attachments; fields of the wrong type are dropped, never trusted. */
function readAttachment(value: unknown): Attachment | undefined {
  if (!isObject(value)) return undefined;
  const attachment: Attachment = {};
  for (const field of ['contentType', 'data', 'url', 'title'] as const) {
    const text = str(value[field]);
    if (text) attachment[field] = text;
  }
  if (typeof value.size === 'number' && value.size >= 0) attachment.size = value.size;
  return attachment;
}

function attachmentsOf(item: RecordItem): Attachment[] {
  const r = item.resource as { content?: unknown; presentedForm?: unknown };
  const entries = Array.isArray(r.content)
    ? r.content.map((c) => (isObject(c) ? c.attachment : undefined))
    : Array.isArray(r.presentedForm)
      ? r.presentedForm
      : [];
  return entries.map(readAttachment).filter((a): a is Attachment => a !== undefined);
}

function typeOf(item: RecordItem): string {
  const type = (item.resource as { type?: unknown }).type;
  if (!isObject(type)) return TYPE_NOT_RECORDED;
  const coded = Array.isArray(type.coding)
    ? type.coding.map((c) => (isObject(c) ? str(c.display) : undefined)).find(Boolean)
    : undefined;
  return str(type.text) ?? coded ?? TYPE_NOT_RECORDED;
}

function rowFromItem(item: RecordItem): DocumentRow {
  const parts = attachmentsOf(item);
  const r = item.resource as {
    text?: { div?: string };
    custodian?: { display?: string };
    author?: { display?: string }[];
  };
  return {
    key: item.key,
    title: parts[0]?.title ? `${item.display} — ${parts[0].title}` : item.display,
    type: typeOf(item),
    date: item.date,
    heldBy: r.custodian?.display ?? r.author?.[0]?.display,
    sources: sourceNames(item),
    provenance: item.provenance,
    narrative: r.text?.div,
    parts,
    // document:get takes the merged item's key (or a locator pointer's id).
    pointerId: item.key,
  };
}

function rowFromPointer(p: RecordPointer): DocumentRow {
  return {
    key: `pointer:${p.id}`,
    title: p.type.display ?? 'Document',
    type: p.type.display ?? TYPE_NOT_RECORDED,
    date: p.date,
    heldBy: p.custodian ?? p.author,
    sources: ['Record locator'],
    parts: [],
    pointerId: p.id,
  };
}

function decodeBase64Text(data: string): string {
  const binary = atob(data);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
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

function contentOf(a: Attachment, title: string): DocumentContent | undefined {
  if (!a.data) return undefined;
  const type = a.contentType ?? 'text/plain';
  if (type.includes('pdf')) return { contentType: type, data: a.data, encoding: 'base64', title };
  return { contentType: type, data: decodeBase64Text(a.data), encoding: 'text', title };
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
  if (content.contentType.includes('html') || content.contentType.includes('xml')) {
    return <Narrative html={text} label={content.title} />;
  }
  return <pre className="wx-plain">{text}</pre>;
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

function DocumentViewer({
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
function typeCounts(rows: DocumentRow[]): { type: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type, 'en-GB'));
}

function TypeFilter({
  rows,
  value,
  onChange,
}: {
  rows: DocumentRow[];
  value: string;
  onChange: (type: string) => void;
}) {
  const types = typeCounts(rows);
  if (types.length < 2) return null;
  return (
    <div className="nhsuk-form-group wx-document-filter">
      <label className="nhsuk-label" htmlFor="document-type">
        Document type
      </label>
      <select
        className="nhsuk-select"
        id="document-type"
        data-testid="document-type"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value={ALL_TYPES}>All types ({rows.length})</option>
        {types.map((t) => (
          <option key={t.type} value={t.type}>
            {t.type} ({t.count})
          </option>
        ))}
      </select>
    </div>
  );
}

export function DocumentsView({
  model,
  pointers,
  nhsNumber,
}: {
  model: SummaryModel;
  pointers: RecordPointer[];
  nhsNumber: string;
}) {
  const advanceCareDocuments = model.bySection.advanceCare.filter(
    (i) => i.resourceType === 'DocumentReference' || i.resourceType === 'Composition',
  );
  const rows = [...advanceCareDocuments, ...model.bySection.documents].map(rowFromItem);
  rows.push(...pointers.map(rowFromPointer));
  const { documentToOpen } = useRecordView();
  const [open, setOpen] = useState(documentToOpen);
  const [alone, setAlone] = useState(false);
  const [type, setType] = useState(ALL_TYPES);
  const listRef = useRef<HTMLUListElement>(null);
  const returnTo = useRef<string | undefined>(undefined);
  const selected = rows.find((r) => r.key === open);
  const notice = useSectionNotice('documents', rows.length === 0);
  const shown = type === ALL_TYPES ? rows : rows.filter((r) => r.type === type);

  // Back from a letter opened on its own: the keyboard returns to that letter in the list.
  useEffect(() => {
    if (alone || !returnTo.current) return;
    const key = returnTo.current;
    returnTo.current = undefined;
    const button = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('[data-key]') ?? [])].find(
      (b) => b.dataset.key === key,
    );
    button?.focus();
  }, [alone]);

  const back = () => {
    returnTo.current = selected?.key;
    setAlone(false);
  };

  return (
    <div data-testid="view-documents">
      {alone ? (
        <p>
          <button type="button" className="wx-linkbutton" onClick={back} data-testid="document-back">
            ← Back to documents and letters
          </button>
        </p>
      ) : (
        <h2>Documents and letters</h2>
      )}
      <EmptyOrStatus notice={notice} empty={rows.length === 0} />
      {rows.length > 0 && (
        <div className={alone ? 'wx-documents wx-documents--alone' : 'wx-documents'}>
          {!alone && (
            <div className="wx-documents__list">
              <TypeFilter rows={rows} value={type} onChange={setType} />
              <p className="wx-muted" role="status" data-testid="document-count">
                {shown.length === rows.length
                  ? `${rows.length} document${rows.length === 1 ? '' : 's'}`
                  : `Showing ${shown.length} of ${rows.length} documents: ${type}`}
                {shown.length > LIST_LIMIT ? ` (the first ${LIST_LIMIT} are listed)` : ''}
              </p>
              <ul className="wx-list" aria-label="Documents" ref={listRef}>
                {shown.slice(0, LIST_LIMIT).map((r) => (
                  <li key={r.key} className="wx-list__item">
                    <button
                      type="button"
                      className="wx-linkbutton"
                      aria-pressed={open === r.key}
                      onClick={() => setOpen(r.key)}
                      data-testid="document-open"
                      data-key={r.key}
                    >
                      {r.title}
                    </button>
                    <span className="wx-muted wx-block">
                      {r.date ? formatDate(r.date) : 'Date not recorded'}
                      {r.heldBy ? ` · held at ${r.heldBy}` : ''}
                      {r.parts.length > 1 ? ` · ${r.parts.length} parts` : ''}
                    </span>
                    <SourceTag provenance={r.provenance} sources={r.sources} />
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="wx-documents__viewer">
            {selected ? (
              <DocumentViewer
                key={selected.key}
                row={selected}
                nhsNumber={nhsNumber}
                alone={alone}
                onOpenAlone={() => setAlone(true)}
              />
            ) : (
              <p className="wx-muted">Choose a document to read it here.</p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
