import type { BannerModel } from '../../../common/summary';

/** Always visible above every view: who this record is about, and any doubt about that. */
export function PatientBanner({ banner, loading }: { banner: BannerModel; loading: boolean }) {
  const name = loading && banner.name === 'Name not recorded' ? 'Loading patient details…' : banner.name;
  return (
    <section className="wx-banner" aria-label="Patient">
      <div className="wx-banner__main">
        <h1 className="wx-banner__name" data-testid="patient-name">
          {name}
        </h1>
        <dl className="wx-banner__facts">
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
          <div>
            <dt>Sex</dt>
            <dd>{banner.sex ?? 'Not known'}</dd>
          </div>
          <div>
            <dt>Address</dt>
            <dd>{banner.address ?? 'Not known'}</dd>
          </div>
          <div>
            <dt>Registered GP</dt>
            <dd>{banner.registeredGp ?? 'Not known'}</dd>
          </div>
        </dl>
      </div>
      {!loading && banner.warnings.length > 0 && (
        <ul className="wx-banner__warnings" role="alert" aria-label="Identity warnings">
          {banner.warnings.map((w, i) => (
            <li key={`${w.kind}-${i}`}>
              <strong>Identity warning:</strong> {w.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
