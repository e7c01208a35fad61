// A small SVG line chart per repeated observation, with the numbers in words for screen readers.
import { formatDate, type TrendChartModel } from '../../../common/summary';

const W = 320;
const H = 140;
const PAD = { left: 40, right: 12, top: 12, bottom: 24 };

export function TrendChart({ series }: { series: TrendChartModel }) {
  const all = series.lines.flatMap((l) => l.points);
  const times = all.map((p) => Date.parse(p.date)).filter(Number.isFinite);
  const values = [
    ...all.map((p) => p.value),
    ...(series.low !== undefined ? [series.low] : []),
    ...(series.high !== undefined ? [series.high] : []),
  ];
  const tMin = Math.min(...times);
  const tMax = Math.max(...times);
  const vMin = Math.min(...values);
  const vMax = Math.max(...values);
  const vPad = (vMax - vMin || Math.abs(vMax) || 1) * 0.1;
  const lo = vMin - vPad;
  const hi = vMax + vPad;
  const x = (t: number) => PAD.left + ((t - tMin) / (tMax - tMin || 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const { latest, first } = series;
  const titleId = `trend-${series.key.replace(/[^A-Za-z0-9]/g, '-')}`;
  const shown = series.readings > series.shown ? ` (latest ${series.shown} of ${series.readings} shown)` : '';
  const description = `${series.label}${shown}: ${series.shown} readings from ${formatDate(first?.date)} to ${formatDate(latest?.date)}; latest ${latest?.value ?? ''}.`;
  return (
    <figure className="wx-trend" data-testid="trend-chart">
      <figcaption id={titleId} className="wx-trend__title">
        {series.label}
        <span className="wx-trend__latest">
          Latest {latest?.value} ({formatDate(latest?.date)})
        </span>
      </figcaption>
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
        <text className="wx-trend__label" x={PAD.left} y={H - 6}>
          {formatDate(first?.date)}
        </text>
        <text className="wx-trend__label" x={W - PAD.right} y={H - 6} textAnchor="end">
          {formatDate(latest?.date)}
        </text>
        {series.lines.map((line, i) => (
          <polyline
            key={line.label}
            className={`wx-trend__line wx-trend__line--${i}`}
            points={line.points
              .map((p) => `${x(Date.parse(p.date)).toFixed(1)},${y(p.value).toFixed(1)}`)
              .join(' ')}
          />
        ))}
      </svg>
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
