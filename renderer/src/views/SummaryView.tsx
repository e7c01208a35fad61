import { useLayoutEffect, useRef } from 'react';
import type { SectionId } from '../../../common/record';
import { formatDate, type SummaryModel } from '../../../common/summary';
import { SourceTag } from '../components/SourceTag';
import { ItemTable } from './ItemTable';
import {
  AdvanceCarePlansSection,
  AdvanceCareSection,
  AlertsSection,
  AllergiesSection,
  ContactsSection,
  MedicationsSection,
  ProblemsSection,
  SectionShell,
} from './SummarySections';

export const RECENT = 10;

/** The full summary's other sections: the newest few of each (every care plan: there are seldom many). */
const RECENT_SECTIONS: { id: SectionId; title: string; limit?: number }[] = [
  { id: 'encounters', title: 'Recent encounters', limit: RECENT },
  { id: 'documents', title: 'Recent documents', limit: RECENT },
  { id: 'immunisations', title: 'Immunisations', limit: RECENT },
  { id: 'carePlans', title: 'Care plans' },
];

/** Urgent-care summary (paramedic default) or full summary (GP default): same order, more depth. */
export function SummaryView({
  model,
  mode,
  complete,
}: {
  model: SummaryModel;
  mode: 'urgent-care' | 'full-summary';
  complete: boolean;
}) {
  // Benchmark marks, set in the frame that paints the commit (a layout effect runs before that paint; a passive
  // effect may run after it, behind other work, and date the frame after).
  useLayoutEffect(() => {
    if (!complete) return;
    requestAnimationFrame(() => {
      window.__wessexSummaryPaintedAt = performance.now();
    });
  }, [complete, model]);
  // The first paint with both the advance care decisions and the allergies on screen.
  const urgentMarked = useRef(false);
  useLayoutEffect(() => {
    if (urgentMarked.current || !model.bySection.advanceCare.length || !model.bySection.allergies.length)
      return;
    urgentMarked.current = true;
    requestAnimationFrame(() => {
      window.__wessexUrgentPaintedAt = performance.now();
    });
  }, [model]);
  const s = model.bySection;
  return (
    <div className="wx-summary" data-testid={`view-${mode}`}>
      <AdvanceCareSection model={model} />
      <AlertsSection model={model} />
      <AllergiesSection model={model} />
      <AdvanceCarePlansSection model={model} />
      <MedicationsSection model={model} />
      <ProblemsSection model={model} />
      <ContactsSection model={model} />
      {mode === 'full-summary' && (
        <>
          <SectionShell id="results" title="Recent results and vitals" count={model.counts.results}>
            <ul className="wx-list" data-testid="recent-results">
              {model.results.map((r) => (
                <li key={r.key} className="wx-list__item">
                  <strong>{r.name}</strong>: {r.value}
                  {r.flag && <strong className="wx-tag wx-tag--warn"> {r.flag}</strong>}
                  {r.derived && <span className="wx-muted"> {r.derived}</span>}
                  <span className="wx-muted"> {r.date ? `(${formatDate(r.date)})` : ''}</span>
                  <SourceTag provenance={r.item.provenance} />
                </li>
              ))}
            </ul>
          </SectionShell>
          {RECENT_SECTIONS.map(({ id, title, limit }) => (
            <SectionShell key={id} id={id} title={title} count={model.counts[id]}>
              {id === 'encounters' && <HospitalCare hospital={model.hospital} />}
              <ItemTable items={limit ? s[id].slice(0, limit) : s[id]} label={title} section={id} inSection />
            </SectionShell>
          ))}
        </>
      )}
    </div>
  );
}

/** Admissions and ED attendances of the last 30 days (and a stay still open), from every encounter held. */
function HospitalCare({ hospital }: { hospital: SummaryModel['hospital'] }) {
  if (!hospital.recent.length) return null;
  return (
    <div data-testid="hospital-activity">
      <h3 className="wx-subtitle">Hospital care in the last 30 days</h3>
      <ul className="wx-list">
        {hospital.recent.map((e) => (
          <li key={e.key} className="wx-list__item">
            <strong>{e.inProgress ? `${e.kind} (in hospital now)` : e.kind}</strong> {e.where}
            <span className="wx-muted">
              {' '}
              · {e.start ? formatDate(e.start) : 'date not recorded'}
              {e.end ? ` to ${formatDate(e.end)}` : ''}
              {e.lengthOfStayDays !== undefined
                ? ` · ${e.lengthOfStayDays} ${e.lengthOfStayDays === 1 ? 'day' : 'days'}${e.inProgress ? ' so far' : ''}`
                : ''}
              {' · '}
              {e.sources.join(' and ')}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
