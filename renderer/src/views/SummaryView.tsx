import { useEffect } from 'react';
import type { SectionId } from '../../../common/record';
import type { SummaryModel } from '../../../common/summary';
import { ItemTable } from './ItemTable';
import {
  AdvanceCareSection,
  AlertsSection,
  AllergiesSection,
  ContactsSection,
  MedicationsSection,
  ProblemsSection,
  SectionShell,
} from './SummarySections';

const RECENT = 10;

/** Urgent-care summary (paramedic default) or full summary (GP default): same order, more depth. */
export function SummaryView({
  model,
  arrived,
  mode,
  complete,
}: {
  model: SummaryModel;
  arrived: (section: SectionId) => boolean;
  mode: 'urgent-care' | 'full-summary';
  complete: boolean;
}) {
  useEffect(() => {
    if (!complete) return;
    requestAnimationFrame(() => {
      window.__wessexSummaryPaintedAt = performance.now();
    });
  }, [complete, model]);
  const s = model.bySection;
  return (
    <div className="wx-summary" data-testid={`view-${mode}`}>
      <AdvanceCareSection model={model} arrived={arrived('advanceCare')} />
      <AlertsSection model={model} arrived={arrived('alerts')} />
      <AllergiesSection model={model} arrived={arrived('allergies')} />
      <MedicationsSection model={model} arrived={arrived('medications')} />
      <ProblemsSection model={model} arrived={arrived('problems')} />
      <ContactsSection model={model} arrived={arrived('contacts')} />
      {mode === 'full-summary' && (
        <>
          <SectionShell
            id="results"
            title="Recent results and vitals"
            arrived={arrived('results')}
            count={model.results.length}
          >
            <ul className="wx-list" data-testid="recent-results">
              {model.results.slice(0, RECENT).map((r) => (
                <li key={r.key} className="wx-list__item">
                  <strong>{r.name}</strong>: {r.value}
                  {r.flag && <strong className="wx-tag wx-tag--warn"> {r.flag}</strong>}
                  <span className="wx-muted"> {r.date ? `(${r.date.slice(0, 10)})` : ''}</span>
                </li>
              ))}
            </ul>
          </SectionShell>
          <SectionShell
            id="encounters"
            title="Recent encounters"
            arrived={arrived('encounters')}
            count={s.encounters.length}
          >
            <ItemTable items={s.encounters.slice(0, RECENT)} label="Recent encounters" />
          </SectionShell>
          <SectionShell
            id="documents"
            title="Recent documents"
            arrived={arrived('documents')}
            count={s.documents.length}
          >
            <ItemTable items={s.documents.slice(0, RECENT)} label="Recent documents" />
          </SectionShell>
          <SectionShell
            id="immunisations"
            title="Immunisations"
            arrived={arrived('immunisations')}
            count={s.immunisations.length}
          >
            <ItemTable items={s.immunisations.slice(0, RECENT)} label="Immunisations" />
          </SectionShell>
          <SectionShell
            id="carePlans"
            title="Care plans"
            arrived={arrived('carePlans')}
            count={s.carePlans.length}
          >
            <ItemTable items={s.carePlans} label="Care plans" />
          </SectionShell>
        </>
      )}
    </div>
  );
}
