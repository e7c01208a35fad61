import { useId, useState, type ReactNode, type RefCallback } from 'react';
import type { BannerModel } from '../../../common/summary';

/**
 * Always visible above every view: who this record is about, and any doubt about that. In a narrow window
 * (400% zoom) it is one strip — name, NHS number, born — with the rest behind a button.
 */
export function PatientBanner({
  ref,
  banner,
  loading,
  confirmation,
  heldApart,
  urgent = false,
}: {
  ref?: RefCallback<HTMLElement>;
  banner: BannerModel;
  loading: boolean;
  /** "Identity confirmed by … at …" once the clinician confirmed an unverified NHS number. */
  confirmation?: string;
  /** The warning and link to the held-apart records, when a source may hold another person. */
  heldApart?: ReactNode;
  /** A decision about who this record is about is waiting: the warnings are shown as danger. */
  urgent?: boolean;
}) {
  const name = loading && banner.name === 'Name not recorded' ? 'Loading patient details…' : banner.name;
  const warnings = loading ? [] : banner.warnings;
  const [expanded, setExpanded] = useState(false);
  const detailsId = useId();
  return (
    <section ref={ref} className={`wx-banner${expanded ? ' wx-banner--expanded' : ''}`} aria-label="Patient">
      <div className="wx-banner__main">
        <h1 className="wx-banner__name" data-testid="patient-name">
          {name}
        </h1>
        {banner.died && (
          <strong className="wx-banner__died" data-testid="deceased">
            {banner.died}
          </strong>
        )}
        <dl className="wx-banner__facts" id={detailsId}>
          <div>
            <dt>NHS number</dt>
            <dd data-testid="nhs-number">
              {banner.nhsNumber ?? 'Not known'}{' '}
              {!loading && (
                <strong className={banner.verified ? 'wx-tag wx-tag--ok' : 'wx-tag wx-tag--warn'}>
                  {banner.verificationLabel}
                </strong>
              )}
            </dd>
          </div>
          <div>
            <dt>Born</dt>
            <dd data-testid="dob">
              {banner.birthDate ?? 'Not known'}
              {banner.age ? ` (${banner.age})` : ''}
            </dd>
          </div>
          <div className="wx-banner__more">
            <dt>Sex</dt>
            <dd>{banner.sex ?? 'Not known'}</dd>
          </div>
          <div className="wx-banner__more">
            <dt>Address</dt>
            <dd>{banner.address ?? 'Not known'}</dd>
          </div>
          <div className="wx-banner__more">
            <dt>Registered GP</dt>
            <dd>{banner.registeredGp ?? 'Not known'}</dd>
          </div>
        </dl>
        <button
          type="button"
          className="wx-linkbutton wx-banner__toggle"
          aria-expanded={expanded}
          aria-controls={detailsId}
          data-testid="banner-details-toggle"
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'Hide sex, address and GP' : 'Show sex, address and GP'}
        </button>
      </div>
      {(warnings.length > 0 || heldApart) && (
        <div
          className={`wx-banner__warnings${urgent ? ' wx-banner__warnings--danger' : ''}`}
          role="alert"
          data-testid="identity-warnings"
        >
          {heldApart}
          {warnings.length > 0 && (
            <ul aria-label="Identity warnings">
              {warnings.map((w, i) => (
                <li key={`${w.kind}-${i}`}>
                  <strong>Identity warning:</strong> {w.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {confirmation && (
        <p className="wx-banner__confirmed" data-testid="identity-confirmed">
          {confirmation}
        </p>
      )}
    </section>
  );
}
