import { useId } from 'react';
import styles from './Insights.module.css';

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  /** One value per x position; null leaves a gap (no data that day). */
  values: ReadonlyArray<number | null>;
  dashed?: boolean;
}

export interface ReferenceLine {
  value: number;
  label: string;
}

const W = 720;
const H = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };
const INNER_W = W - PAD.left - PAD.right;
const INNER_H = H - PAD.top - PAD.bottom;

/** Steps a duration axis (in minutes) reads well in: minutes, quarter hours, hours, days. */
const durationSteps = [1, 2, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440, 2880, 10080];

/**
 * Round-number ticks from 0 to at least `max`: 1, 2 or 5 times a power of ten, or for durations
 * (minutes) one of `durationSteps`.
 */
export function niceTicks(max: number, count = 4, durations = false): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = durations
    ? (durationSteps.find((s) => s >= rough) ?? Math.ceil(rough / 1440) * 1440)
    : ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? rough);
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return ticks;
}

/**
 * A line chart in SVG (no charting library: a few lines the page draws itself). Lines with
 * reference lines (an SLA) drawn dashed across; the x axis labels every `labelEvery`th position.
 * The numbers are in the table and CSV beside it; the chart carries a text summary for screen readers.
 */
export function LineChart({
  title,
  summary,
  series,
  xLabels,
  labelEvery = 1,
  yFormat = String,
  references = [],
  bars = false,
  durations = false,
}: {
  title: string;
  summary: string;
  series: ChartSeries[];
  xLabels: string[];
  labelEvery?: number;
  yFormat?: (value: number) => string;
  references?: ReferenceLine[];
  /** Draw the series as grouped bars instead of lines (counts per day). */
  bars?: boolean;
  /** Values are minutes: ticks fall on whole minutes, hours or days. */
  durations?: boolean;
}) {
  const id = useId();
  const n = xLabels.length;
  const max = Math.max(
    0,
    ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)),
    ...references.map((r) => r.value),
  );
  const ticks = niceTicks(max, 4, durations);
  const top = ticks[ticks.length - 1] || 1;
  const y = (value: number) => PAD.top + INNER_H - (value / top) * INNER_H;
  const slot = INNER_W / Math.max(n, 1);
  const x = (i: number) => (bars ? PAD.left + slot * (i + 0.5) : PAD.left + (n <= 1 ? INNER_W / 2 : (i / (n - 1)) * INNER_W));

  return (
    <figure className={styles.chart}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} className={styles.svg}>
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className={styles.grid} />
            <text x={PAD.left - 6} y={y(t) + 3} textAnchor="end" className={styles.tick}>
              {yFormat(t)}
            </text>
          </g>
        ))}
        {xLabels.map((label, i) =>
          i % labelEvery === 0 ? (
            <text key={i} x={x(i)} y={H - 8} textAnchor="middle" className={styles.tick}>
              {label}
            </text>
          ) : null,
        )}
        {bars
          ? series.map((s, k) =>
              s.values.map((v, i) =>
                v === null || v === 0 ? null : (
                  <rect
                    key={`${s.key}-${i}`}
                    x={PAD.left + slot * i + slot * 0.1 + ((slot * 0.8) / series.length) * k}
                    width={Math.max(1, (slot * 0.8) / series.length - 1)}
                    y={y(v)}
                    height={PAD.top + INNER_H - y(v)}
                    fill={s.color}
                  />
                ),
              ),
            )
          : series.map((s) => (
              <g key={s.key}>
                <path
                  d={linePath(s.values, x, y)}
                  fill="none"
                  stroke={s.color}
                  strokeWidth={2}
                  strokeDasharray={s.dashed ? '5 3' : undefined}
                />
                {/* Daily points are marked, so a day between two gaps still shows. */}
                {n <= 62
                  ? s.values.map((v, i) => (v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r={2.5} fill={s.color} />))
                  : null}
              </g>
            ))}
        {references.map((r) => (
          <g key={r.label}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(r.value)} y2={y(r.value)} className={styles.reference} />
            <text x={W - PAD.right} y={y(r.value) - 4} textAnchor="end" className={styles.referenceLabel}>
              {r.label}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className={styles.legend}>
        {series.map((s) => (
          <span key={s.key} className={styles.legendItem}>
            <svg width="18" height="10" aria-hidden="true">
              {bars ? (
                <rect width="18" height="10" fill={s.color} />
              ) : (
                <line
                  x1="0"
                  x2="18"
                  y1="5"
                  y2="5"
                  stroke={s.color}
                  strokeWidth="2"
                  strokeDasharray={s.dashed ? '5 3' : undefined}
                />
              )}
            </svg>
            {s.label}
          </span>
        ))}
        {references.length > 0 ? (
          <span className={styles.legendItem}>
            <svg width="18" height="10" aria-hidden="true">
              <line x1="0" x2="18" y1="5" y2="5" className={styles.reference} />
            </svg>
            SLA
          </span>
        ) : null}
      </figcaption>
    </figure>
  );
}

/** Segments through the known points; a null breaks the line. */
function linePath(values: ReadonlyArray<number | null>, x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let open = false;
  values.forEach((v, i) => {
    if (v === null) {
      open = false;
      return;
    }
    d += `${open ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    open = true;
  });
  return d;
}
