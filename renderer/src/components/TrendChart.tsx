// A small SVG line chart per repeated observation: the period's dates labelled along the axis, flagged
// readings marked, and in words how many readings it draws (down-sampled in main, never silently cut).
import { ukAxisDate } from '../../../common/london-date';
import { formatDate, type TrendChartModel } from '../../../common/summary';

const W = 320;
const H = 150;
const PAD = { left: 40, right: 14, top: 12, bottom: 26 };
/** Intervals along the x axis: four dated labels fit a small chart without touching. */
const X_TICKS = 3;

/** "Showing 150 of 1,825 readings (down-sampled); all 63 abnormal readings shown", or the plain count. */
export function readingsStatement(series: TrendChartModel): string {
  const n = (v: number) => v.toLocaleString('en-GB');
  const inPeriod = series.range === 'all' ? '' : ' in this period';
  const ofAll = series.allReadings > series.readings ? ` (${n(series.allReadings)} in all)` : '';
  if (series.readings === 0) return `No readings${inPeriod}${ofAll}.`;
  const flagged =
    series.flagged === 0
      ? 'no reading is flagged'
      : series.flaggedShown < series.flagged
        ? `${n(series.flaggedShown)} of ${n(series.flagged)} abnormal readings shown (too many to draw each)`
        : series.flagged === 1
          ? 'the 1 abnormal reading shown'
          : `all ${n(series.flagged)} abnormal readings shown`;
  if (series.shown < series.readings) {
    return `Showing ${n(series.shown)} of ${n(series.readings)} readings${inPeriod} (down-sampled); ${flagged}${ofAll ? `; ${n(series.allReadings)} in all` : ''}.`;
  }
  return `${n(series.readings)} ${series.readings === 1 ? 'reading' : 'readings'}${inPeriod}, all shown${ofAll}.`;
}

export function TrendChart({ series }: { series: TrendChartModel }) {
  const { latest } = series;
  const titleId = `trend-${series.key.replace(/[^A-Za-z0-9]/g, '-')}`;
  const statement = readingsStatement(series);
  return (
    <figure className="wx-trend" data-testid="trend-chart">
      <figcaption id={titleId} className="wx-trend__title">
        <span>{series.label}</span>
        {latest && (
          <span className="wx-trend__latest">
            Latest {latest.value} ({formatDate(latest.date)})
          </span>
        )}
      </figcaption>
      {series.readings > 0 && <Plot series={series} titleId={titleId} statement={statement} />}
      <p className="wx-trend__count" data-testid="trend-readings">
        {statement}
      </p>
      {series.lines.length > 1 && (
        <p className="wx-trend__legend">
          {series.lines.map((l, i) => (
            <span key={l.label} className={`wx-trend__key wx-trend__key--${i}`}>
              {l.label}
            </span>
          ))}
        </p>
      )}
    </figure>
  );
}

function Plot({
  series,
  titleId,
  statement,
}: {
  series: TrendChartModel;
  titleId: string;
  statement: string;
}) {
  const all = series.lines.flatMap((l) => l.points);
  const times = all.map((p) => Date.parse(p.date)).filter(Number.isFinite);
  const from = Date.parse(series.from ?? '');
  const to = Date.parse(series.to ?? '');
  const tMin = Number.isFinite(from) ? from : Math.min(...times);
  const tMax = Number.isFinite(to) ? to : Math.max(...times);
  const values = [
    ...all.map((p) => p.value),
    ...(series.low !== undefined ? [series.low] : []),
    ...(series.high !== undefined ? [series.high] : []),
  ];
  const vMin = Math.min(...values);
  const vMax = Math.max(...values);
  const vPad = (vMax - vMin || Math.abs(vMax) || 1) * 0.1;
  const lo = vMin - vPad;
  const hi = vMax + vPad;
  const span = tMax - tMin;
  const x = (t: number) => PAD.left + ((t - tMin) / (span || 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const ticks =
    span > 0 ? Array.from({ length: X_TICKS + 1 }, (_, i) => tMin + (span * i) / X_TICKS) : [tMin];
  const { latest, first } = series;
  const description = `${series.label}: ${statement} From ${formatDate(first?.date)} to ${formatDate(latest?.date)}; latest ${latest?.value ?? ''}.`;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} aria-describedby={`${titleId}-d`}>
      <desc id={`${titleId}-d`}>{description}</desc>
      {series.low !== undefined && series.high !== undefined && (
        <rect
          className="wx-trend__range"
          x={PAD.left}
          width={W - PAD.left - PAD.right}
          y={y(series.high)}
          height={Math.max(0, y(series.low) - y(series.high))}
        />
      )}
      <line className="wx-trend__axis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={H - PAD.bottom} />
      <line
        className="wx-trend__axis"
        x1={PAD.left}
        x2={W - PAD.right}
        y1={H - PAD.bottom}
        y2={H - PAD.bottom}
      />
      <text className="wx-trend__label" x={PAD.left - 4} y={y(vMax) + 4} textAnchor="end">
        {Number(vMax.toFixed(1))}
      </text>
      <text className="wx-trend__label" x={PAD.left - 4} y={y(vMin) + 4} textAnchor="end">
        {Number(vMin.toFixed(1))}
      </text>
      <g data-testid="trend-x-axis">
        {ticks.map((t, i) => (
          <g key={t}>
            <line
              className="wx-trend__tick"
              x1={x(t)}
              x2={x(t)}
              y1={H - PAD.bottom}
              y2={H - PAD.bottom + 3}
            />
            <text
              className="wx-trend__label"
              x={x(t)}
              y={H - 8}
              textAnchor={
                ticks.length === 1 ? 'middle' : i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'
              }
            >
              {ukAxisDate(t, span)}
            </text>
          </g>
        ))}
      </g>
      {series.lines.map((line, i) => (
        <polyline
          key={line.label}
          className={`wx-trend__line wx-trend__line--${i}`}
          points={line.points
            .map((p) => `${x(Date.parse(p.date)).toFixed(1)},${y(p.value).toFixed(1)}`)
            .join(' ')}
        />
      ))}
      {series.lines.map((line) =>
        line.points
          .filter((p) => p.flagged)
          .map((p, i) => (
            <circle
              key={`${line.label}:${i}`}
              className="wx-trend__flag"
              data-testid="trend-flagged-point"
              cx={x(Date.parse(p.date)).toFixed(1)}
              cy={y(p.value).toFixed(1)}
              r={2.5}
            />
          )),
      )}
    </svg>
  );
}
