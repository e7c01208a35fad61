// Detail views that are lists of record items: encounters, immunisations, care plans, full history.
import { useContext, useMemo } from 'react';
import type { SectionId } from '../../../common/record';
import type { SummaryModel } from '../../../common/summary';
import { usePreferences } from '../state/usePreferences';
import { ItemTable } from './ItemTable';
import { ViewChoice } from './ViewChoice';
import { DISSENT_WITHHELD_TEXT, HiddenSections, WithheldByDissent } from './SummarySections';

function RoleHidden({ section }: { section: SectionId }) {
  const hidden = useContext(HiddenSections).includes(section);
  const dissent = useContext(WithheldByDissent);
  if (hidden) return <p className="wx-muted">Not available for your role.</p>;
  return dissent ? <p className="wx-muted">{DISSENT_WITHHELD_TEXT}</p> : null;
}

export function EncountersView({ model }: { model: SummaryModel }) {
  const { preferences, update } = usePreferences();
  const order = preferences?.encountersOrder ?? 'newest-first';
  const items = useMemo(
    () => (order === 'oldest-first' ? [...model.bySection.encounters].reverse() : model.bySection.encounters),
    [model, order],
  );
  return (
    <div data-testid="view-encounters">
      <h2>Encounters</h2>
      <RoleHidden section="encounters" />
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
      <p className="wx-muted">From every source that answered.</p>
      <ItemTable items={items} label="Encounters timeline" testId="encounters-table" />
    </div>
  );
}

export function ImmunisationsView({ model }: { model: SummaryModel }) {
  return (
    <div data-testid="view-immunisations">
      <h2>Immunisations</h2>
      <RoleHidden section="immunisations" />
      <ItemTable items={model.bySection.immunisations} label="Immunisations" testId="immunisations-table" />
    </div>
  );
}

export function CarePlansView({ model }: { model: SummaryModel }) {
  return (
    <div data-testid="view-care-plans">
      <h2>Care plans</h2>
      <RoleHidden section="carePlans" />
      <ItemTable items={model.bySection.carePlans} label="Care plans" testId="care-plans-table" />
    </div>
  );
}

export function HistoryView({ model }: { model: SummaryModel }) {
  const medications = [...model.medications.current, ...model.medications.past].map((m) => m.item);
  const s = model.bySection;
  return (
    <div data-testid="view-history">
      <h2>Full history</h2>
      <section aria-labelledby="h-problem-history">
        <h3 id="h-problem-history">Problems ({s.problems.length})</h3>
        <ItemTable items={s.problems} label="Problem history" testId="problem-history" />
      </section>
      <section aria-labelledby="h-medication-history">
        <h3 id="h-medication-history">Medications ({medications.length})</h3>
        <ItemTable items={medications} label="Medication history" testId="medication-history" />
      </section>
      {s.procedures.length > 0 && (
        <section aria-labelledby="h-procedures">
          <h3 id="h-procedures">Procedures ({s.procedures.length})</h3>
          <ItemTable items={s.procedures} label="Procedures" />
        </section>
      )}
      {s.appointments.length > 0 && (
        <section aria-labelledby="h-appointments">
          <h3 id="h-appointments">Appointments ({s.appointments.length})</h3>
          <ItemTable items={s.appointments} label="Appointments" />
        </section>
      )}
      {s.other.length > 0 && (
        <section aria-labelledby="h-other">
          <h3 id="h-other">Other information ({s.other.length})</h3>
          <ItemTable items={s.other} label="Other information" />
        </section>
      )}
    </div>
  );
}
