import type { BannerModel } from '../../../common/summary';

/**
 * The one line that stays on screen in a narrow or short window (400% zoom, a phone-width window) once the
 * patient banner has scrolled away: name, NHS number, born, died, offline copy, and what must not scroll out
 * of mind (a doubt about identity, the alert flags). The banner itself is what a screen reader reads, so this
 * line is hidden from it.
 */
export function MiniBanner({
  banner,
  offlineAsOf,
  active,
  identityInDoubt,
  alerts,
}: {
  banner: BannerModel;
  offlineAsOf?: string;
  /** Identity warnings, a source held apart or an unverified NHS number: said here too. */
  identityInDoubt: boolean;
  /** The banner's alert flags ("Not for CPR (DNACPR)", "1 allergy: …"): counted here, read there. */
  alerts: string[];
  /** The full banner is off screen: the line shows (in narrow or short windows only). */
  active: boolean;
}) {
  const parts = [
    banner.name,
    banner.nhsNumber ? `NHS ${banner.nhsNumber}` : undefined,
    banner.birthDate ? `Born ${banner.birthDate}` : undefined,
  ].filter(Boolean);
  return (
    <div
      className={`wx-mini-banner wx-screen-only${active ? ' wx-mini-banner--active' : ''}`}
      aria-hidden="true"
      data-testid="mini-banner"
    >
      <strong>{parts.join(' · ')}</strong>
      {banner.died && <strong className="wx-banner__died">{banner.died}</strong>}
      {offlineAsOf && <span className="wx-mini-banner__offline">Offline copy, {offlineAsOf}</span>}
      {(identityInDoubt || alerts.length > 0) && (
        <strong className="wx-mini-banner__alert" title={alerts.join('; ')}>
          {[
            identityInDoubt ? 'Identity warning' : undefined,
            alerts.length ? `${alerts.length} alert${alerts.length === 1 ? '' : 's'}` : undefined,
          ]
            .filter(Boolean)
            .join(', ')}
          : scroll up to the banner
        </strong>
      )}
    </div>
  );
}
