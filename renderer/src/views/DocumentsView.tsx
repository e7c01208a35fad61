// Documents and letters: HTML sanitised, PDFs rendered with pdf.js, locator pointers fetched on request.
import { lazy, Suspense, useState } from 'react';
import type { Provenance, RecordItem, RecordPointer } from '../../../common/record';
import { formatDate, sourceNames, type SummaryModel } from '../../../common/summary';
import type { DocumentContent } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';
import { Narrative } from '../components/Narrative';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { useRecordView, useSectionNotice } from '../state/recordView';

const PdfViewer = lazy(() => import('../components/PdfViewer').then((m) => ({ default: m.PdfViewer })));

interface Attachment {
  contentType?: string;
  data?: string;
  url?: string;
  title?: string;
}

interface DocumentRow {
  key: string;
  title: string;
  date?: string;
  heldBy?: string;
  sources: string[];
  provenance?: Provenance[];
  narrative?: string;
  attachment?: Attachment;
  pointerId?: string;
}

function firstAttachment(item: RecordItem): Attachment | undefined {
  const r = item.resource as {
    content?: { attachment?: Attachment }[];
    presentedForm?: Attachment[];
  };
  return r.content?.[0]?.attachment ?? r.presentedForm?.[0];
}

function rowFromItem(item: RecordItem): DocumentRow {
  const attachment = firstAttachment(item);
  const r = item.resource as {
    text?: { div?: string };
    custodian?: { display?: string };
    author?: { display?: string }[];
  };
  return {
    key: item.key,
    title: attachment?.title ? `${item.display} — ${attachment.title}` : item.display,
    date: item.date,
    heldBy: r.custodian?.display ?? r.author?.[0]?.display,
    sources: sourceNames(item),
    provenance: item.provenance,
    narrative: r.text?.div,
    attachment,
    // document:get takes the merged item's key (or a locator pointer's id).
    pointerId: item.key,
  };
}

function rowFromPointer(p: RecordPointer): DocumentRow {
  return {
    key: `pointer:${p.id}`,
    title: p.type.display ?? 'Document',
    date: p.date,
    heldBy: p.custodian ?? p.author,
    sources: ['Record locator'],
    pointerId: p.id,
  };
}

function decodeBase64Text(data: string): string {
  const binary = atob(data);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function contentOf(row: DocumentRow): DocumentContent | undefined {
  const a = row.attachment;
  if (!a?.data) return undefined;
  const type = a.contentType ?? 'text/plain';
  if (type.includes('pdf')) return { contentType: type, data: a.data, encoding: 'base64', title: row.title };
  return { contentType: type, data: decodeBase64Text(a.data), encoding: 'text', title: row.title };
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

function DocumentViewer({ row, nhsNumber }: { row: DocumentRow; nhsNumber: string }) {
  const inline = contentOf(row);
  const [fetched, setFetched] = useState<{ content?: DocumentContent; error?: string; loading?: boolean }>(
    {},
  );
  const fetchable = !inline && !!row.pointerId && (row.key.startsWith('pointer:') || !!row.attachment?.url);
  const fetchDocument = () => {
    if (!row.pointerId) return;
    setFetched({ loading: true });
    invoke('document:get', { nhsNumber, pointerId: row.pointerId }).then(
      (content) => setFetched({ content }),
      (e: unknown) => setFetched({ error: errorMessage(e) }),
    );
  };
  return (
    <div className="wx-document" data-testid="document-viewer">
      <h3>{row.title}</h3>
      {row.narrative && <Narrative html={row.narrative} label={`${row.title}: summary`} />}
      {inline && <DocumentBody content={inline} />}
      {fetchable && !fetched.content && (
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          onClick={fetchDocument}
          disabled={fetched.loading}
        >
          {fetched.loading
            ? 'Fetching document…'
            : `Fetch document${row.heldBy ? ` from ${row.heldBy}` : ''}`}
        </button>
      )}
      {fetched.error && (
        <p className="wx-error" role="alert">
          The document could not be fetched: {fetched.error}
        </p>
      )}
      {fetched.content && <DocumentBody content={fetched.content} />}
      {!row.narrative && !inline && !fetchable && (
        <p className="wx-muted">No content is held in the record for this entry.</p>
      )}
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
  const selected = rows.find((r) => r.key === open);
  const notice = useSectionNotice('documents', rows.length === 0);
  return (
    <div data-testid="view-documents">
      <h2>Documents and letters</h2>
      <EmptyOrStatus notice={notice} empty={rows.length === 0} />
      {rows.length > 0 && (
        <div className="wx-documents">
          <ul className="wx-list wx-documents__list" aria-label="Documents">
            {rows.slice(0, 500).map((r) => (
              <li key={r.key} className="wx-list__item">
                <button
                  type="button"
                  className="wx-linkbutton"
                  aria-pressed={open === r.key}
                  onClick={() => setOpen(r.key)}
                  data-testid="document-open"
                >
                  {r.title}
                </button>
                <span className="wx-muted wx-block">
                  {r.date ? formatDate(r.date) : 'Date not recorded'}
                  {r.heldBy ? ` · held at ${r.heldBy}` : ''}
                </span>
                <SourceTag provenance={r.provenance} sources={r.sources} />
              </li>
            ))}
          </ul>
          <div className="wx-documents__viewer">
            {selected ? (
              <DocumentViewer key={selected.key} row={selected} nhsNumber={nhsNumber} />
            ) : (
              rows.length > 0 && <p className="wx-muted">Choose a document to read it here.</p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
