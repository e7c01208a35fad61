// Resuscitation status, allergies and safety alerts, always in the sticky banner; each opens its section.
import type { SectionId } from '../../../common/record';
import type { BannerFlag } from '../../../common/summary';

export function BannerFlags({
  flags,
  onOpen,
}: {
  flags: BannerFlag[];
  onOpen: (section: SectionId) => void;
}) {
  if (!flags.length) return null;
  return (
    <nav aria-label="Patient flags">
      <ul className="wx-flags" data-testid="banner-flags">
        {flags.map((f) => (
          <li key={f.section}>
            <button
              type="button"
              className={`wx-flag wx-flag--${f.tone}`}
              onClick={() => onOpen(f.section)}
              data-testid={`flag-${f.section}`}
            >
              {f.text}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
