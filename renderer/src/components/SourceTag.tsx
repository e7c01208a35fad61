import type { Provenance } from '../../../common/record';
import { itemSavedCopyAsOf, provenanceName, savedCopyText, sourceLabels } from '../../../common/summary';
import { useRecordView } from '../state/recordView';

/**
 * Where an entry came from. An entry held only in saved copies carries its own label ("Saved copy, 09:14
 * today"); an entry also held live names the source whose copy is saved ("CHIE (saved copy, 09:14 today)").
 * In a record opened offline every entry is a saved copy: the sticky banner says so once, not every entry.
 */
export function SourceTag({
  sources,
  provenance,
}: {
  sources?: string[];
  provenance?: readonly Provenance[];
}) {
  const { now, offline } = useRecordView();
  const savedAsOf = provenance && !offline ? itemSavedCopyAsOf(provenance) : undefined;
  const labels = !provenance
    ? (sources ?? [])
    : savedAsOf || offline
      ? [...new Set(provenance.map(provenanceName))]
      : sourceLabels(provenance, now);
  return (
    <>
      {savedAsOf && (
        <span className="wx-tag wx-tag--saved" data-testid="saved-copy-label">
          {capitalise(savedCopyText(savedAsOf, now))}
        </span>
      )}
      <span className="wx-source">{labels.length ? labels.join(' · ') : 'Source not stated'}</span>
    </>
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
