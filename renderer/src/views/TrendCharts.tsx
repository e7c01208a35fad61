// The trend charts of the opened record for a period the clinician chooses, drawn by main's down-sampling.
import { useEffect, useRef, useState } from 'react';
import { TREND_RANGES, type TrendRange } from '../../../common/summary';
import type { BridgeResults } from '../../../preload/contract';
import { errorMessage } from '../bridge';
import { TrendChart } from '../components/TrendChart';
import { invokePrefetched, takeArrived } from '../state/prefetched';
import { useRecordView } from '../state/recordView';
import { ViewChoice } from './ViewChoice';

type Trends = BridgeResults['record:trends'];

/** The period the charts open on. */
export const FIRST_TREND_RANGE: TrendRange = 'all';

export function TrendCharts({ onShown }: { onShown: () => void }) {
  const { nhsNumber, requestId } = useRecordView();
  const [range, setRange] = useState<TrendRange>(FIRST_TREND_RANGE);
  const [trends, setTrends] = useState<{ for: string; value?: Trends; error?: string } | undefined>(() => {
    const value =
      requestId && takeArrived('record:trends', { nhsNumber, requestId, range: FIRST_TREND_RANGE });
    return value ? { for: `${requestId}:${FIRST_TREND_RANGE}`, value } : undefined;
  });
  const arrivedFor = useRef<string | undefined>(trends?.for);
  useEffect(() => {
    if (!requestId) return;
    const asked = `${requestId}:${range}`;
    if (arrivedFor.current === asked) {
      arrivedFor.current = undefined;
      return;
    }
    invokePrefetched('record:trends', { nhsNumber, requestId, range }).then(
      (value) => setTrends({ for: asked, value }),
      (e: unknown) => setTrends({ for: asked, error: errorMessage(e) }),
    );
  }, [nhsNumber, requestId, range]);
  const current = trends?.for === `${requestId}:${range}` ? trends : undefined;
  useEffect(() => {
    if (current) onShown();
  }, [current, onShown]);
  return (
    <>
      <ViewChoice
        legend="Period"
        name="trend-range"
        value={range}
        options={TREND_RANGES.map((r) => ({ value: r.value, label: r.label }))}
        onChange={setRange}
      />
      <Charts trends={current} />
    </>
  );
}

function Charts({ trends }: { trends?: { value?: Trends; error?: string } }) {
  if (!trends) return <p role="status">Loading trends…</p>;
  if (!trends.value) {
    return (
      <p className="wx-error" role="alert">
        The trend charts could not be drawn: {trends.error}
      </p>
    );
  }
  const { charts, total } = trends.value;
  if (!charts.length) return <p className="wx-muted">No observation has been recorded more than once.</p>;
  return (
    <>
      <div className="wx-trends">
        {charts.map((s) => (
          <TrendChart key={s.key} series={s} />
        ))}
      </div>
      {total > charts.length && (
        <p className="wx-muted">
          Showing the {charts.length} most frequently recorded of {total} repeated observations.
        </p>
      )}
    </>
  );
}
