// Detail views that are lists of record items: encounters, immunisations, care plans, full history.
import type { SummaryModel } from '../../../common/summary';
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
      />
    </div>
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
