// The urgent-care sections, in clinical priority order. Each item names its sources.
import { createContext, useContext, useState, type ReactNode } from 'react';
import type { SectionId } from '../../../common/record';
import { formatDate, sourcesText, type SummaryModel } from '../../../common/summary';
import { DeceasedMarker } from '../components/DeceasedMarker';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { useRecordView, useSectionNotice } from '../state/recordView';

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

/**
 * Resuscitation status first, on its own: the other advance care plans (end of life, crisis, ADRT) follow the
 * alerts and allergies, so all three fit a paramedic's first screen.
 */
export function AdvanceCareSection({ model }: { model: SummaryModel }) {
  const card = model.resuscitation;
  return (
    <SectionShell
      id="advanceCare"
      title="Resuscitation status and advance care"
      count={model.advanceCare.length}
    >
      <ResuscitationStatus card={card} />
      {!card.decision && !card.respect && !card.earlier.length && card.plans.length > 0 && (
        <p className="wx-muted">
          No CPR decision in these records; the advance care plans are listed after the allergies.
        </p>
      )}
    </SectionShell>
  );
}

/** The advance care plans the resuscitation card does not show (nothing at all when there are none). */
export function AdvanceCarePlansSection({ model }: { model: SummaryModel }) {
  const plans = model.resuscitation.plans;
  const hidden = useContext(HiddenSections).includes('advanceCare');
  const dissent = useContext(WithheldByDissent);
  if (!plans.length || hidden || dissent) return null;
  return (
    <section className="wx-section wx-section--wide" aria-labelledby="h-advance-care-plans">
      <h2 id="h-advance-care-plans" className="wx-section__title">
        Advance care plans ({plans.length})
      </h2>
      <ul className="wx-list" data-testid="advance-care">
        {plans.map((e) => (
          <li key={e.key} className="wx-list__item wx-advance">
            <strong className="wx-tag wx-tag--info">{e.kind}</strong> <strong>{e.title}</strong>
            <span className="wx-muted">
              {' '}
              · {e.date ? formatDate(e.date) : 'date not recorded'}
              {e.status ? ` · ${e.status}` : ''}
            </span>
            {e.heldAt && <HeldAt entry={e} />}
            {e.conflict && <span className="wx-conflict wx-block">Sources disagree: {e.conflict}</span>}
            <SourceTag provenance={e.item?.provenance} sources={e.sources} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function HeldAt({ entry }: { entry: SummaryModel['advanceCare'][number] }) {
  return (
    <span className="wx-block">
      Document held at <strong>{entry.heldAt}</strong>
      {entry.pointer?.retrieval !== 'retrieved' && entry.pointer?.retrievalMessage
        ? ` — ${entry.pointer.retrievalMessage}`
        : ''}
    </span>
  );
}

/** The current CPR decision first, then its ReSPECT form, then older or disagreeing decisions, each once. */
function ResuscitationStatus({ card }: { card: SummaryModel['resuscitation'] }) {
  const { openDocument } = useRecordView();
  if (!card.decision && !card.respect && !card.earlier.length) return null;
  const line = (l: NonNullable<typeof card.decision>) => (
    <>
      {l.date ? formatDate(l.date) : 'date not recorded'}
      {l.author ? ` · by ${l.author}` : ''} · {l.sources.join(' and ')}
    </>
  );
  return (
    <div
      className="wx-resus"
      data-testid="resuscitation-status"
      role="group"
      aria-label="Resuscitation status"
    >
      {card.decision ? (
        <p data-testid="cpr-decision">
          <strong
            className={`wx-tag ${card.decision.status === 'for-cpr' ? 'wx-tag--info' : 'wx-tag--alert'}`}
          >
            {card.decision.label}
          </strong>{' '}
          <span className="wx-muted">{line(card.decision)}</span>
        </p>
      ) : (
        <p className="wx-muted">No current CPR decision is recorded in these entries.</p>
      )}
      {card.conflict && <p className="wx-conflict">Sources disagree: {card.conflict}</p>}
      {card.respect && (
        <p>
          {openDocument &&
          (card.respect.item?.resourceType === 'DocumentReference' || card.respect.pointer) ? (
            <button
              type="button"
              className="wx-linkbutton"
              data-testid="open-respect"
              onClick={() => openDocument(card.respect!.key)}
            >
              Open the ReSPECT form
            </button>
          ) : (
            <strong>ReSPECT form</strong>
          )}{' '}
          <span className="wx-muted">
            {card.respect.date ? formatDate(card.respect.date) : 'date not recorded'} ·{' '}
            {sourcesText(card.respect.sources)}
          </span>
          {card.respect.heldAt && <HeldAt entry={card.respect} />}
        </p>
      )}
      {card.earlier.length > 0 && (
        <details className="wx-details">
          <summary>Earlier or other decisions ({card.earlier.length})</summary>
          <ul className="wx-list" data-testid="earlier-cpr-decisions">
            {card.earlier.map((l) => (
              <li key={l.key}>
                {l.label}
                {l.current ? '' : ' (withdrawn)'} <span className="wx-muted">{line(l)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
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
            <tr key={m.item.key} data-testid="medication-row">
              <td>
                <strong>{m.name}</strong>
                {m.dosage && <span className="wx-muted wx-block">{m.dosage}</span>}
                {(m.conflict ?? m.item.conflict) && (
                  <span className="wx-conflict wx-block">
                    Sources disagree: {m.conflict ?? m.item.conflict}
                  </span>
                )}
                <DeceasedMarker item={m.item} />
                {m.issues.length > 1 && <IssueHistory name={m.name} issues={m.issues} />}
              </td>
              <td className="wx-medicine-kind">
                {m.kind === 'not stated' ? 'Not stated' : m.kind.charAt(0).toUpperCase() + m.kind.slice(1)}
              </td>
              <td>
                {m.lastIssued ? formatDate(m.lastIssued) : 'Not recorded'}
                {m.started && <span className="wx-muted wx-block">Started {formatDate(m.started)}</span>}
              </td>
              <td>
                <SourceTag provenance={m.provenance} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <More total={current.length} shown={Math.min(LIMIT, current.length)} where="History" />
    </SectionShell>
  );
}

type Issue = SummaryModel['medications']['current'][number]['issues'][number];

/**
 * Every issue of the medicine, newest first: what, how much, by whom, from which source. Laid out only once
 * opened: in a long record the closed histories were most of the summary's page (1,300 of its 1,500 elements
 * for 320 issues), all built and styled before the summary could paint.
 */
function IssueHistory({ name, issues }: { name: string; issues: Issue[] }) {
  const [open, setOpen] = useState(false);
  return (
    <details
      className="wx-details"
      data-testid="issue-history"
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>
        Issue history ({issues.length})<span className="nhsuk-u-visually-hidden"> of {name}</span>
      </summary>
      {open && (
        <ul className="wx-list wx-issues" aria-label={`Issues of ${name}, newest first`}>
          {issues.map((i) => (
            <li key={`${i.date}|${i.what}|${i.source}`} className="wx-issues__item" data-testid="issue">
              <strong>{formatDate(i.date)}</strong> {i.what === 'dispensed' ? 'Dispensed' : 'Prescribed'}
              {i.quantity && (
                <>
                  : <span>{i.quantity}</span>
                </>
              )}
              {i.supply && (
                <>
                  {' '}
                  (<span>{i.supply}</span> supply)
                </>
              )}
              {i.by && (
                <>
                  {' '}
                  by <span>{i.by}</span>
                </>
              )}
              <span className="wx-muted"> · {i.source}</span>
            </li>
          ))}
        </ul>
      )}
    </details>
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

/** Telephone numbers as tel: links, so a click (or a tap on a laptop with a softphone) dials. */
function Phones({ phones }: { phones: SummaryModel['contacts']['entries'][number]['phones'] }) {
  if (!phones.length) return null;
  return (
    <span className="wx-phones">
      {phones.map((p) => (
        <span key={p.dial}>
          {' · '}
          <a href={`tel:${p.dial}`}>{p.value}</a>
          {p.use ? <span className="wx-muted"> ({p.use})</span> : null}
        </span>
      ))}
    </span>
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
          <li key={e.item.key} className="wx-list__item" data-testid="contact">
            <span className="wx-muted">{e.role}: </span>
            <strong>{e.name}</strong>
            {e.relationship && ` (${e.relationship})`}
            {e.organisation && ` · ${e.organisation}`}
            <Phones phones={e.phones} />
            {e.members.length > 0 && (
              <ul className="wx-list wx-members">
                {e.members.map((m, i) => (
                  <li key={i}>
                    {m.role && <span className="wx-muted">{m.role}: </span>}
                    {m.name}
                    <Phones phones={m.phones} />
                  </li>
                ))}
              </ul>
            )}
            <SourceTag provenance={e.item.provenance} />
          </li>
        ))}
      </ul>
    </SectionShell>
  );
}
