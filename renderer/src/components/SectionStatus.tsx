import type { SectionNotice } from '../../../common/summary';

/** The in-section warning: still loading, may be incomplete (each source's reason), withheld, not checked. */
export function SectionStatus({ notice }: { notice: SectionNotice }) {
  if (notice.complete || !notice.heading) return null;
  return (
    <div className={`wx-section-status wx-section-status--${notice.tone}`} data-testid="section-status">
      <p className="wx-section-status__heading">
        <strong>{notice.heading}</strong>
      </p>
      {notice.lines.length > 0 && (
        <ul className="wx-section-status__reasons">
          {notice.lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "None recorded." when the section is complete and empty; the warning otherwise (nothing when it has items). */
export function EmptyOrStatus({ notice, empty }: { notice: SectionNotice; empty: boolean }) {
  if (!notice.complete) return <SectionStatus notice={notice} />;
  return empty ? <p className="wx-muted">{notice.noneText}</p> : null;
}
