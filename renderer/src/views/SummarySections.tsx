// The urgent-care sections, in clinical priority order. Each item names its sources.
import { createContext, useContext, type ReactNode } from 'react';
import type { SectionId } from '../../../common/record';
import { formatDate, type SummaryModel } from '../../../common/summary';
import { DeceasedMarker } from '../components/DeceasedMarker';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { useSectionNotice } from '../state/recordView';

const LIMIT = 50;

/** Sections governance hid for this user's role (record.governance.hiddenSections). */
export const HiddenSections = createContext<readonly SectionId[]>([]);
/** The patient declined sharing (not overridden): sections are withheld, never "none recorded". */
export const WithheldByDissent = createContext(false);
export const DISSENT_WITHHELD_TEXT = 'Not shown: the patient has declined to share their record.';

/**
 * A section with its heading and what it may honestly say: "None recorded" only when every source that could
 * hold it answered in full; otherwise the warning (still loading, may be incomplete and why) above whatever
 * has arrived.
 */
export function SectionShell({
  id,
  title,
  count,
  children,
}: {
  id: SectionId;
  title: string;
  count: number;
  children: ReactNode;
}) {
  const hidden = useContext(HiddenSections).includes(id);
  const dissent = useContext(WithheldByDissent);
  const notice = useSectionNotice(id, count === 0);
  return (
    <section className="wx-section" aria-labelledby={`h-${id}`} data-section={id}>
      <h2 id={`h-${id}`} className="wx-section__title">
        {title}
      </h2>
      {hidden ? (
        <p className="wx-muted">Not available for your role.</p>
      ) : dissent ? (
        <p className="wx-muted">{DISSENT_WITHHELD_TEXT}</p>
      ) : (
        <>
          <EmptyOrStatus notice={notice} empty={count === 0} />
          {count > 0 && children}
        </>
      )}
    </section>
  );
}

function More({ total, shown, where }: { total: number; shown: number; where: string }) {
  return total > shown ? (
    <p className="wx-muted">
      Showing {shown} of {total}. See {where} for the rest.
    </p>
  ) : null;
}

export function AdvanceCareSection({ model }: { model: SummaryModel }) {
  return (
    <SectionShell id="advanceCare" title="Advance care decisions" count={model.advanceCare.length}>
      <ul className="wx-list" data-testid="advance-care">
        {model.advanceCare.map((e) => (
          <li key={e.key} className="wx-list__item wx-advance">
            <strong className={`wx-tag ${e.kind === 'DNACPR' ? 'wx-tag--alert' : 'wx-tag--info'}`}>
              {e.kind}
            </strong>{' '}
            <strong>{e.title}</strong>
            <span className="wx-muted">
              {' '}
              · {e.date ? formatDate(e.date) : 'date not recorded'}
              {e.status ? ` · ${e.status}` : ''}
            </span>
            {e.heldAt && (
              <span className="wx-block">
                Document held at <strong>{e.heldAt}</strong>
                {e.pointer?.retrieval !== 'retrieved' && e.pointer?.retrievalMessage
                  ? ` — ${e.pointer.retrievalMessage}`
                  : ''}
              </span>
            )}
            {e.conflict && <span className="wx-conflict wx-block">Sources disagree: {e.conflict}</span>}
            <SourceTag provenance={e.item?.provenance} sources={e.sources} />
          </li>
        ))}
      </ul>
    </SectionShell>
  );
}

export function AlertsSection({ model }: { model: SummaryModel }) {
  return (
    <SectionShell id="alerts" title="Alerts" count={model.alerts.length}>
      <ul className="wx-list" data-testid="alerts">
        {model.alerts.map((a) => (
          <li key={a.item.key} className="wx-list__item">
            <strong className="wx-tag wx-tag--alert">{a.kind}</strong> {a.text}
            <SourceTag provenance={a.item.provenance} />
          </li>
        ))}
      </ul>
    </SectionShell>
  );
}

export function AllergiesSection({ model }: { model: SummaryModel }) {
  const a = model.allergies;
  return (
    <SectionShell id="allergies" title="Allergies" count={a.allergies.length + a.noKnownAllergies.length}>
      {a.conflicts.map((c) => (
        <p key={c} className="wx-conflict" role="alert">
          Sources disagree: {c}
        </p>
      ))}
      <ul className="wx-list" data-testid="allergies">
        {a.allergies.map((e) => (
          <li key={e.item.key} className="wx-list__item">
            <strong>{e.substance}</strong>
            {e.reaction ? ` — ${e.reaction}` : ''}
            {e.severity ? ` (${e.severity})` : ''}
            {e.conflict && <span className="wx-conflict"> Sources disagree: {e.conflict}</span>}
            <SourceTag provenance={e.item.provenance} />
          </li>
        ))}
        {a.noKnownAllergies.map((e) => (
          <li key={e.item.key} className="wx-list__item">
            {e.substance}
            <SourceTag provenance={e.item.provenance} />
          </li>
        ))}
      </ul>
    </SectionShell>
  );
}

export function MedicationsSection({ model }: { model: SummaryModel }) {
  const current = model.medications.current;
  return (
    <SectionShell id="medications" title="Current medications" count={current.length}>
      <table className="nhsuk-table wx-table" data-testid="medications">
        <caption className="nhsuk-u-visually-hidden">Current medications</caption>
        <thead>
          <tr>
            <th scope="col">Medication</th>
            <th scope="col">Type</th>
            <th scope="col">Last issued</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {current.slice(0, LIMIT).map((m) => (
            <tr key={m.item.key}>
              <td>
                <strong>{m.name}</strong>
                {m.dosage && <span className="wx-muted wx-block">{m.dosage}</span>}
                {m.item.conflict && (
                  <span className="wx-conflict wx-block">Sources disagree: {m.item.conflict}</span>
                )}
                <DeceasedMarker item={m.item} />
              </td>
              <td>
                {m.kind === 'not stated' ? 'Not stated' : m.kind.charAt(0).toUpperCase() + m.kind.slice(1)}
              </td>
              <td>{m.lastIssued ? formatDate(m.lastIssued) : 'Not recorded'}</td>
              <td>
                <SourceTag provenance={m.item.provenance} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <More total={current.length} shown={Math.min(LIMIT, current.length)} where="History" />
    </SectionShell>
  );
}

export function ProblemsSection({ model }: { model: SummaryModel }) {
  const active = model.problems.active;
  return (
    <SectionShell id="problems" title="Active problems" count={active.length}>
      <ul className="wx-list" data-testid="problems">
        {active.slice(0, LIMIT).map((p) => (
          <li key={p.key} className="wx-list__item">
            <strong>{p.display}</strong>
            {p.date ? ` — since ${formatDate(p.date)}` : ''}
            <SourceTag provenance={p.provenance} />
          </li>
        ))}
      </ul>
      <More total={active.length} shown={Math.min(LIMIT, active.length)} where="History" />
    </SectionShell>
  );
}

export function ContactsSection({ model }: { model: SummaryModel }) {
  const c = model.contacts;
  return (
    <SectionShell id="contacts" title="Contacts and care team" count={c.entries.length}>
      {c.knownToSocialCare.length > 0 && (
        <p className="wx-tag wx-tag--info" data-testid="social-care">
          Known to social care (recorded by {c.knownToSocialCare.join(', ')})
        </p>
      )}
      <ul className="wx-list" data-testid="contacts">
        {c.entries.slice(0, LIMIT).map((e) => (
          <li key={e.item.key} className="wx-list__item">
            <span className="wx-muted">{e.role}: </span>
            <strong>{e.name}</strong>
            {e.detail ? ` — ${e.detail}` : ''}
            <SourceTag provenance={e.item.provenance} />
          </li>
        ))}
      </ul>
    </SectionShell>
  );
}
