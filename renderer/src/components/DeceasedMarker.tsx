import type { RecordItem } from '../../../common/record';
import { ACTIVE_AFTER_DEATH_TEXT, recordedActiveAfterDeath } from '../../../common/summary';
import { useRecordView } from '../state/recordView';

/** "Recorded as active – patient has died" on a medication or care plan still shown as active. */
export function DeceasedMarker({ item }: { item: RecordItem }) {
  const { deceased } = useRecordView();
  if (!deceased || !recordedActiveAfterDeath(item)) return null;
  return (
    <strong className="wx-tag wx-tag--deceased wx-block-tag" data-testid="active-after-death">
      {ACTIVE_AFTER_DEATH_TEXT}
    </strong>
  );
}
