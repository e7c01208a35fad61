// Detail views that are lists of record items: encounters, immunisations, care plans, full history.
import type { ReactNode } from 'react';
import type { RecordItem } from '../../../common/record';
import { encounterDetail, formatDate, type SummaryModel } from '../../../common/summary';
import { useListCount, useRecordView } from '../state/recordView';
import { usePreferences } from '../state/usePreferences';
import { ItemTable, PagedItemTable } from './ItemTable';
import { ViewChoice } from './ViewChoice';

export function EncountersView({ model }: { model: SummaryModel }) {
  const { preferences, update } = usePreferences();
  const order = preferences?.encountersOrder ?? 'newest-first';
  return (
    <div data-testid="view-encounters">
      <h2>Encounters</h2>
      <ViewChoice
        legend="Order"
        name="encounters-order"
        value={order}
        options={[
          { value: 'newest-first', label: 'Newest first' },
          { value: 'oldest-first', label: 'Oldest first' },
        ]}
        onChange={(encountersOrder) => update({ encountersOrder })}
      />
      <PagedItemTable
        section="encounters"
        total={model.counts.encounters}
        order={order}
        label="Encounters timeline"
        testId="encounters-table"
        detail={(item) => <EncounterDetailPanel item={item} documents={model.bySection.documents} />}
      />
    </div>
  );
}

/** An encounter opened: class, when and how long, who and where, why, where the patient went, its letters. */
function EncounterDetailPanel({ item, documents }: { item: RecordItem; documents: RecordItem[] }) {
  const { now, openDocument, completeness } = useRecordView();
  const d = encounterDetail(item, documents, now);
  const documentsWhole = completeness.documents.state === 'complete';
  const row = (term: string, value: ReactNode, testId?: string) => (
    <div className="wx-detail__row" data-testid={testId}>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
  return (
    <dl className="wx-detail">
      {row('Class', d.classLabel, 'encounter-class')}
      {row('When', d.period, 'encounter-period')}
      {d.lengthOfStay && row('Length of stay', d.lengthOfStay, 'encounter-stay')}
      {row('Provider', <bdi>{d.provider}</bdi>, 'encounter-provider')}
      {row(
        'Ward or location',
        d.places.length ? (
          d.places.map((p) => (
            <span key={`${p.kind}:${p.name}`} className="wx-block">
              {p.kind}: <bdi>{p.name}</bdi>
            </span>
          ))
        ) : (
          <span className="wx-muted">Not recorded</span>
        ),
        'encounter-location',
      )}
      {row(
        'Reason',
        d.reasons.length ? <bdi>{d.reasons.join('; ')}</bdi> : <span className="wx-muted">Not recorded</span>,
      )}
      {d.dischargeDisposition && row('Discharged to', <bdi>{d.dischargeDisposition}</bdi>)}
      {d.seenBy.length > 0 && row('Seen by', <bdi>{d.seenBy.join('; ')}</bdi>)}
      {row(
        'Letters',
        d.letters.length ? (
          d.letters.map((l) => (
            <span key={l.key} className="wx-block">
              {openDocument ? (
                <button
                  type="button"
                  className="wx-linkbutton"
                  onClick={() => openDocument(l.key)}
                  data-testid="open-encounter-letter"
                >
                  {l.title}
                </button>
              ) : (
                <bdi>{l.title}</bdi>
              )}
              {l.date ? <span className="wx-muted"> · {formatDate(l.date)}</span> : null}
            </span>
          ))
        ) : (
          <span className="wx-muted">
            No letter linked to this encounter
            {documentsWhole ? '' : ' in the documents shown (documents and letters may be incomplete)'}.
          </span>
        ),
        'encounter-letters',
      )}
    </dl>
  );
}

export function ImmunisationsView({ model }: { model: SummaryModel }) {
  return (
    <div data-testid="view-immunisations">
      <h2>Immunisations</h2>
      <ItemTable
        items={model.bySection.immunisations}
        label="Immunisations"
        section="immunisations"
        testId="immunisations-table"
      />
    </div>
  );
}

export function CarePlansView({ model }: { model: SummaryModel }) {
  return (
    <div data-testid="view-care-plans">
      <h2>Care plans</h2>
      <ItemTable
        items={model.bySection.carePlans}
        label="Care plans"
        section="carePlans"
        testId="care-plans-table"
      />
    </div>
  );
}

const OPTIONAL_HISTORY: { section: 'procedures' | 'appointments' | 'other'; title: string }[] = [
  { section: 'procedures', title: 'Procedures' },
  { section: 'appointments', title: 'Appointments' },
  { section: 'other', title: 'Other information' },
];

/** A history section shown when it holds anything, or when it may be missing something. */
function OptionalHistory({
  section,
  title,
  total,
}: {
  section: 'procedures' | 'appointments' | 'other';
  title: string;
  total: number;
}) {
  const { completeness } = useRecordView();
  const count = useListCount(section);
  if (!total && completeness[section].state !== 'incomplete') return null;
  return (
    <section aria-labelledby={`h-history-${section}`}>
      <h3 id={`h-history-${section}`}>
        {title} ({count})
      </h3>
      <PagedItemTable section={section} total={total} label={title} />
    </section>
  );
}

export function HistoryView({ model }: { model: SummaryModel }) {
  const medications = [...model.medications.current, ...model.medications.past].flatMap((m) => m.items);
  const s = model.bySection;
  return (
    <div data-testid="view-history">
      <h2>Full history</h2>
      <section aria-labelledby="h-problem-history">
        <h3 id="h-problem-history">Problems ({s.problems.length})</h3>
        <ItemTable items={s.problems} label="Problem history" section="problems" testId="problem-history" />
      </section>
      <section aria-labelledby="h-medication-history">
        <h3 id="h-medication-history">Medications ({medications.length})</h3>
        <ItemTable
          items={medications}
          label="Medication history"
          section="medications"
          testId="medication-history"
        />
      </section>
      {OPTIONAL_HISTORY.map(({ section, title }) => (
        <OptionalHistory key={section} section={section} title={title} total={model.counts[section]} />
      ))}
    </div>
  );
}
