// A launch from the clinical system under way, or why it failed: shown signed in or not, since a launch that
// fails before anyone is signed in (an EPR not on the allow list, say) must not fail silently.
import type { LaunchStatus } from '../../../preload/contract';

export function LaunchNotice({ launch }: { launch: LaunchStatus | undefined }) {
  if (!launch) return null;
  return (
    <div className="wx-notice wx-notice--warning wx-screen-only" role="alert" data-testid="launch-status">
      <p>
        {launch.state === 'opening'
          ? 'Opening the patient from your clinical system…'
          : `The launch from your clinical system failed: ${launch.message}`}
      </p>
    </div>
  );
}
