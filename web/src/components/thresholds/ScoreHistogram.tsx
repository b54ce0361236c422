import type { FinalOutcome } from '../../../../server/contract/thresholds.ts';
import { formatThreshold } from './format.ts';
import styles from './Thresholds.module.css';

/** Stack order and colours: what happened to the sessions at each score. */
export const outcomeSeries: { key: FinalOutcome; label: string; color: string }[] = [
  { key: 'approved', label: 'Approved', color: 'var(--color-approved)' },
  { key: 'in_review', label: 'Still in review', color: 'var(--color-review)' },
  { key: 'declined_analyst', label: 'Declined by an analyst', color: '#7a3fb0' },
  { key: 'declined_auto', label: 'Declined automatically', color: 'var(--color-declined)' },
];

interface Line {
  value: number | null;
  label: string;
  dashed?: boolean;
}

const W = 480;
const H = 180;
const PAD = { left: 32, right: 8, top: 8, bottom: 22 };

/**
 * A stacked histogram of scores (0–100) split by final outcome, with threshold lines. Pure SVG;
 * the summary in `<desc>` and the table fallback keep it readable without sight.
 */
export function ScoreHistogram({
  title,
  series,
  binWidth,
  lines,
}: {
  title: string;
  series: Record<FinalOutcome, number[]>;
  binWidth: number;
  lines: Line[];
}) {
  const bins = series.approved.length;
  const totals = Array.from({ length: bins }, (_, i) => outcomeSeries.reduce((sum, s) => sum + (series[s.key][i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (score: number) => PAD.left + (score / 100) * innerW;
  const y = (count: number) => PAD.top + innerH - (count / max) * innerH;
  const barW = innerW / bins;
  const total = totals.reduce((a, b) => a + b, 0);
  return (
    <figure style={{ margin: 0 }}>
      <svg className={styles.svg} viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${title}-t ${title}-d`}>
        <title id={`${title}-t`}>{title}</title>
        <desc id={`${title}-d`}>
          {`${total} sessions. ${lines.map((l) => `${l.label} at ${l.value === null ? 'none' : formatThreshold(l.value)}`).join('; ')}.`}
        </desc>
        <line
          x1={PAD.left}
          x2={W - PAD.right}
          y1={PAD.top + innerH}
          y2={PAD.top + innerH}
          style={{ stroke: 'var(--color-border-strong)' }}
        />
        <text x={PAD.left - 4} y={PAD.top + 8} fontSize="9" textAnchor="end" style={{ fill: 'var(--color-text-muted)' }}>
          {max}
        </text>
        {[0, 25, 50, 75, 100].map((tick) => (
          <text key={tick} x={x(tick)} y={H - 6} fontSize="9" textAnchor="middle" style={{ fill: 'var(--color-text-muted)' }}>
            {tick}
          </text>
        ))}
        {Array.from({ length: bins }, (_, i) => {
          let acc = 0;
          return outcomeSeries.map((s) => {
            const n = series[s.key][i] ?? 0;
            if (n === 0) return null;
            const top = y(acc + n);
            const height = y(acc) - top;
            acc += n;
            return (
              <rect
                key={`${i}-${s.key}`}
                x={PAD.left + i * barW + 0.5}
                width={Math.max(barW - 1, 0.5)}
                y={top}
                height={height}
                style={{ fill: s.color }}
              >
                <title>{`${i * binWidth}–${(i + 1) * binWidth}: ${n} ${s.label.toLowerCase()}`}</title>
              </rect>
            );
          });
        })}
        {lines.map((line) =>
          line.value === null ? null : (
            <g key={line.label}>
              <line
                x1={x(line.value)}
                x2={x(line.value)}
                y1={PAD.top}
                y2={PAD.top + innerH}
                style={{ stroke: line.dashed ? 'var(--color-text-muted)' : 'var(--color-text)' }}
                strokeDasharray={line.dashed ? '4 3' : undefined}
                strokeWidth={1.5}
              />
            </g>
          ),
        )}
      </svg>
      <figcaption className={styles.legend}>
        {outcomeSeries.map((s) => (
          <span key={s.key}>
            <span className={styles.swatch} style={{ background: s.color }} aria-hidden="true" />
            {s.label}
          </span>
        ))}
        <span>solid line: proposed · dashed: current</span>
      </figcaption>
    </figure>
  );
}
