// Documents and letters: the list (narrowed by type, with the count shown) beside the document being read,
// or one letter opened on its own with a way back. Locator pointers are listed with the record's documents,
// once: a pointer to a document a regional source holds is that source's entry, "also listed in" the locator.
import { useEffect, useRef, useState } from 'react';
import { pointersApart, type RecordPointer } from '../../../common/record';
import { formatDate, type SummaryModel } from '../../../common/summary';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { useRecordView, useSectionNotice } from '../state/recordView';
import { DocumentViewer } from './DocumentViewer';
import { rowFromItem, rowFromPointer, typeCounts, type DocumentRow } from './documentRows';

const LIST_LIMIT = 500;
const ALL_TYPES = '';

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
  const listed = [...advanceCareDocuments, ...model.bySection.documents];
  const rows = listed.map(rowFromItem);
  // A pointer to one of these documents is listed once, as that document (its sources say so).
  rows.push(...pointersApart(pointers, listed).map(rowFromPointer));
  const { documentToOpen, focusDocument, documentFocused } = useRecordView();
  const [open, setOpen] = useState(documentToOpen);
  const [alone, setAlone] = useState(false);
  const [type, setType] = useState(ALL_TYPES);
  const listRef = useRef<HTMLUListElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const viewerRef = useRef<HTMLDivElement>(null);
  const returnTo = useRef<string | undefined>(undefined);
  const selected = rows.find((r) => r.key === open);
  const notice = useSectionNotice('documents', rows.length === 0);
  const shown = type === ALL_TYPES ? rows : rows.filter((r) => r.type === type);

  // Opened from elsewhere ("Open the ReSPECT form"): the keyboard moves to that document's heading (to this
  // view's heading when the document is not in the list), not back to the top of the page.
  useEffect(() => {
    if (!focusDocument) return;
    const title = viewerRef.current?.querySelector<HTMLElement>('[data-testid="document-title"]');
    (title ?? headingRef.current)?.focus();
    documentFocused?.();
  }, [focusDocument, documentFocused]);

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
        <h2 ref={headingRef} tabIndex={-1}>
          Documents and letters
        </h2>
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
          <div className="wx-documents__viewer" ref={viewerRef}>
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
