import { formatAsOf } from '../../../common/offline-banner';
import type { WessexRecord } from '../../../common/record';
import { ageOfRecord } from '../../../common/summary';

/** One line, sticky with the patient banner: this is a saved copy, from when, how old. */
export function OfflineBanner({
  offline,
  now,
}: {
  offline: NonNullable<WessexRecord['offline']>;
  now: Date;
}) {
  const asOf = new Date(offline.asOf);
  const when = Number.isNaN(asOf.getTime()) ? 'at an unknown time' : formatAsOf(asOf, now);
  return (
    <p className="wx-offline" role="status" data-testid="offline-banner">
      <strong>Offline copy.</strong> This record was saved {when} and is {ageOfRecord(offline.asOf, now)}. It
      may not show recent changes.
    </p>
  );
}
