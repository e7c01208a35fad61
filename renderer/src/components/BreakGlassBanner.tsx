import { formatUkDateTime } from '../../../common/london-date';
import type { PatientAccessReason } from '../../../preload/contract';

/** Shown above every view of a patient opened by break-glass: the access is exceptional and audited. */
export function BreakGlassBanner({
  breakGlass,
}: {
  breakGlass: NonNullable<PatientAccessReason['breakGlass']>;
}) {
  return (
    <div className="wx-notice wx-notice--danger" role="alert" data-testid="break-glass-banner">
      <strong>Emergency access (break-glass) to this patient.</strong> Reason recorded: “
      <bdi>{breakGlass.reason}</bdi>” at {formatUkDateTime(breakGlass.at)}. This access is audited and will be
      reviewed.
    </div>
  );
}
