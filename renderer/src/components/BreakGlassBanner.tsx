import { formatDateTime } from '../../../common/summary';
import type { SessionInfo } from '../../../preload/contract';

/** Shown above every view for the rest of a break-glass session: the access is exceptional and audited. */
export function BreakGlassBanner({ breakGlass }: { breakGlass: NonNullable<SessionInfo['breakGlass']> }) {
  return (
    <div className="wx-notice wx-notice--danger" role="alert" data-testid="break-glass-banner">
      <strong>Emergency access (break-glass) in use.</strong> Reason recorded: “{breakGlass.reason}” at{' '}
      {formatDateTime(breakGlass.at)}. This access is audited and will be reviewed.
    </div>
  );
}
