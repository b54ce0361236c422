import { useId, useMemo } from 'react';
import type { FinalOutcome } from '../../../../server/contract/thresholds.ts';
import { formatThreshold } from './format.ts';
import styles from './Thresholds.module.css';

/**
 * Stack order and fills: what happened to the sessions at each score. An analyst's approval is
 * the approval green hatched, so it reads as "approved" and as a different source without
 * relying on telling two greens apart.
 */
export const outcomeSeries: { key: FinalOutcome; label: string; color: string; hatched?: boolean }[] = [
  { key: 'approved', label: 'Approved automatically', color: 'var(--color-approved)' },
  { key: 'approved_analyst', label: 'Approved by an analyst', color: 'var(--color-approved)', hatched: true },
  { key: 'in_review', label: 'Still in review', color: 'var(--color-review)' },
  { key: 'declined_analyst', label: 'Declined by an analyst', color: '#7a3fb0' },
  { key: 'declined_auto', label: 'Declined automatically', color: 'var(--color-declined)' },
];

/** A review/decline pair; null where there is no line to draw (no value the server would take). */
export interface ThresholdPair {
  review: number | null;
  decline: number | null;
}

const kinds = ['review', 'decline'] as const;

const W = 480;
const FONT = 9;
/** One row of line labels; labels that would touch move to the next row up. */
const ROW_H = 11;
/** Four lines at most, so four rows at most: the band keeps its height, the plot does not jump while dragging. */
const LABEL_ROWS = 4;
const PLOT_H = 150;
const PAD = { left: 44, right: 10, top: 4 + LABEL_ROWS * ROW_H + 4, bottom: 34 };
const H = PAD.top + PLOT_H + PAD.bottom;
const INNER_W = W - PAD.left - PAD.right;
const x = (score: number) => PAD.left + (score / 100) * INNER_W;

/** SVG text is not measured here; this errs wide for system-ui at 9 units (bold included). */
const textWidth = (text: string) => text.length * FONT * 0.6;

interface Span {
  left: number;
  right: number;
}

interface LineLabel {
  key: string;
  value: number;
  text: string;
  dashed: boolean;
  proposed: boolean;
  anchor: 'start' | 'end';
  left: number;
  right: number;
  row: number;
}

/**
 * One label per drawn line: "current review 70", "proposed review 80", or "review 70, unchanged"
 * when the proposal keeps a value (the lines coincide). Labels that would overlap are stacked in
 * rows above the plot, each line running up to its own label and, where it can, beside the others.
 */
export function layoutLineLabels(current: ThresholdPair, proposed: ThresholdPair): LineLabel[] {
  const labels: Omit<LineLabel, 'anchor' | 'left' | 'right' | 'row'>[] = [];
  for (const kind of kinds) {
    const now = current[kind];
    const next = proposed[kind];
    if (now !== null && next !== null && formatThreshold(now) === formatThreshold(next)) {
      labels.push({ key: kind, value: next, text: `${kind} ${formatThreshold(next)}, unchanged`, dashed: false, proposed: true });
      continue;
    }
    if (now !== null)
      labels.push({
        key: `current-${kind}`,
        value: now,
        text: `current ${kind} ${formatThreshold(now)}`,
        dashed: true,
        proposed: false,
      });
    if (next !== null)
      labels.push({
        key: `proposed-${kind}`,
        value: next,
        text: `proposed ${kind} ${formatThreshold(next)}`,
        dashed: false,
        proposed: true,
      });
  }
  // Each label may sit right of its line ('start') or left of it ('end'); review labels prefer the
  // right and decline labels the left (decline ≤ review, so they part). Near an edge a label may
  // close up to its line (the 3-unit gap shrinks to 1) before it has to change sides.
  const choices = labels.map((label) => {
    const width = textWidth(label.text);
    const at = x(label.value);
    const startLeft = Math.min(at + 3, W - 1 - width);
    const endLeft = Math.max(at - 3 - width, 1);
    const start = { anchor: 'start' as const, left: startLeft, right: startLeft + width, fits: startLeft >= at + 1 };
    const end = { anchor: 'end' as const, left: endLeft, right: endLeft + width, fits: endLeft + width <= at - 1 };
    const [preferred, other] = label.key.endsWith('decline') ? [end, start] : [start, end];
    const sides = [preferred, other].filter((side) => side.fits).map((side) => ({ ...side, flipped: side !== preferred }));
    return sides.length > 0 ? sides : [{ ...preferred, flipped: false }];
  });
  // Rows stack from the plot up, and a line rises to its label's row. With four labels at most,
  // every placement is tried (two sides, four rows: 8⁴): labels in one row never overlap, then as
  // few lines as possible run through a label below their own, then labels keep their preferred
  // side and sit as low as they can.
  const apart = (a: Span, b: Span) => a.left >= b.right + 4 || a.right + 4 <= b.left;
  const through = (value: number, label: Span) => x(value) >= label.left - 1 && x(value) <= label.right + 1;
  type Placement = Span & { anchor: 'start' | 'end'; flipped: boolean; row: number };
  let best: Placement[] = [];
  let bestCost = Number.POSITIVE_INFINITY;
  const search = (chosen: Placement[], cost: number) => {
    if (cost >= bestCost) return;
    const i = chosen.length;
    const label = labels[i];
    if (!label) {
      best = chosen;
      bestCost = cost;
      return;
    }
    for (const side of choices[i] ?? []) {
      for (let row = 0; row < LABEL_ROWS; row += 1) {
        let added = row + (side.flipped ? 2 : 0);
        chosen.forEach((other, j) => {
          const otherValue = labels[j]?.value ?? 0;
          if (other.row === row && !apart(side, other)) added += 1000;
          if (other.row < row && through(label.value, other)) added += 10;
          if (other.row > row && through(otherValue, side)) added += 10;
        });
        search([...chosen, { ...side, row }], cost + added);
      }
    }
  };
  search([], 0);
  const placed = labels.map((label, i) => {
    const place = best[i] ?? { anchor: 'start' as const, left: x(label.value) + 3, right: x(label.value) + 3, row: 0 };
    return { ...label, anchor: place.anchor, left: place.left, right: place.right, row: place.row };
  });
  return placed;
}

/** Row 0 sits just above the plot; higher rows stack upwards. */
const labelBaseline = (row: number) => PAD.top - 4 - row * ROW_H - 2;

const describeLine = (name: string, value: number | null) =>
  value === null ? `no valid ${name}` : `${name} at ${formatThreshold(value)}`;

/**
 * A stacked histogram of scores (0–100) split by final outcome, with the thresholds in force
 * (dashed) and proposed (solid), each labelled. Pure SVG; the summary in `<desc>` keeps it
 * readable without sight.
 */
export function ScoreHistogram({
  title,
  scoreLabel,
  series,
  binWidth,
  current,
  proposed,
}: {
  title: string;
  /** The x axis: "Liveness score" (the axis reads "Liveness score (0–100)"). */
  scoreLabel: string;
  series: Record<FinalOutcome, number[]>;
  binWidth: number;
  current: ThresholdPair;
  proposed: ThresholdPair;
}) {
  const id = useId();
  const hatchId = `${id}-hatch`;
  const bins = series.approved.length;
  const count = (key: FinalOutcome, i: number) => series[key]?.[i] ?? 0;
  const totals = Array.from({ length: bins }, (_, i) => outcomeSeries.reduce((sum, s) => sum + count(s.key, i), 0));
  const max = Math.max(1, ...totals);
  const y = (n: number) => PAD.top + PLOT_H - (n / max) * PLOT_H;
  const barW = INNER_W / bins;
  const total = totals.reduce((a, b) => a + b, 0);
  const perOutcome = outcomeSeries.map((s) => {
    const n = (series[s.key] ?? []).reduce((a, b) => a + b, 0);
    return `${n} ${s.label.toLowerCase()}`;
  });
  const labels = useMemo(
    () =>
      layoutLineLabels(
        { review: current.review, decline: current.decline },
        { review: proposed.review, decline: proposed.decline },
      ),
    [current.review, current.decline, proposed.review, proposed.decline],
  );
  const description =
    `${total} sessions in ${binWidth}-point bins (${perOutcome.join(', ')}). ` +
    `${kinds.map((k) => describeLine(`current ${k}`, current[k])).join('; ')}; ` +
    `${kinds.map((k) => describeLine(`proposed ${k}`, proposed[k])).join('; ')}.`;
  const muted = { fill: 'var(--color-text-muted)' };
  const fillOf = (s: (typeof outcomeSeries)[number]) => (s.hatched ? `url(#${hatchId})` : s.color);
  return (
    <figure className={styles.histogram}>
      <svg className={styles.svg} viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{description}</desc>
        <defs>
          <pattern id={hatchId} patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">
            <rect width="4" height="4" style={{ fill: 'var(--color-surface)' }} />
            <rect width="2.2" height="4" style={{ fill: 'var(--color-approved)' }} />
          </pattern>
        </defs>
        <line
          x1={PAD.left}
          x2={W - PAD.right}
          y1={PAD.top + PLOT_H}
          y2={PAD.top + PLOT_H}
          style={{ stroke: 'var(--color-border-strong)' }}
        />
        <text x={PAD.left - 4} y={PAD.top + FONT} fontSize={FONT} textAnchor="end" style={muted}>
          {max}
        </text>
        <text x={PAD.left - 4} y={PAD.top + PLOT_H} fontSize={FONT} textAnchor="end" style={muted}>
          0
        </text>
        <text
          data-axis="y"
          x={0}
          y={0}
          fontSize={FONT}
          textAnchor="middle"
          transform={`translate(12 ${PAD.top + PLOT_H / 2}) rotate(-90)`}
          style={muted}
        >
          {`Sessions per ${binWidth}-point bin`}
        </text>
        {[0, 25, 50, 75, 100].map((tick) => (
          <text key={tick} x={x(tick)} y={PAD.top + PLOT_H + 12} fontSize={FONT} textAnchor="middle" style={muted}>
            {tick}
          </text>
        ))}
        <text data-axis="x" x={PAD.left + INNER_W / 2} y={H - 4} fontSize={FONT} textAnchor="middle" style={muted}>
          {`${scoreLabel} (0–100)`}
        </text>
        {Array.from({ length: bins }, (_, i) => {
          let acc = 0;
          return outcomeSeries.map((s) => {
            const n = count(s.key, i);
            if (n === 0) return null;
            const top = y(acc + n);
            const height = y(acc) - top;
            acc += n;
            return (
              <rect
                key={`${i}-${s.key}`}
                data-outcome={s.key}
                x={PAD.left + i * barW + 0.5}
                width={Math.max(barW - 1, 0.5)}
                y={top}
                height={height}
                style={{ fill: fillOf(s), ...(s.hatched ? { stroke: s.color, strokeWidth: 0.75 } : {}) }}
              >
                <title>{`${i * binWidth}–${(i + 1) * binWidth}: ${n} ${s.label.toLowerCase()}`}</title>
              </rect>
            );
          });
        })}
        {labels.map((label) => (
          <line
            key={`line-${label.key}`}
            x1={x(label.value)}
            x2={x(label.value)}
            y1={labelBaseline(label.row) - FONT + 1}
            y2={PAD.top + PLOT_H}
            style={{ stroke: label.dashed ? 'var(--color-text-muted)' : 'var(--color-text)' }}
            strokeDasharray={label.dashed ? '4 3' : undefined}
            strokeWidth={1.5}
          />
        ))}
        {labels.map((label) => (
          <text
            key={`label-${label.key}`}
            data-line-label={label.key}
            className={styles.lineLabel}
            x={label.anchor === 'start' ? label.left : label.right}
            y={labelBaseline(label.row)}
            fontSize={FONT}
            fontWeight={label.proposed ? 600 : undefined}
            textAnchor={label.anchor}
            style={{ fill: label.proposed ? 'var(--color-text)' : 'var(--color-text-muted)' }}
          >
            {label.text}
          </text>
        ))}
      </svg>
      <figcaption className={styles.legend}>
        {outcomeSeries.map((s) => (
          <span key={s.key}>
            <span
              className={`${styles.swatch} ${s.hatched ? styles.hatched : ''}`}
              style={s.hatched ? undefined : { background: s.color }}
              aria-hidden="true"
            />
            {s.label}
          </span>
        ))}
        <span>solid line: proposed · dashed: current</span>
      </figcaption>
    </figure>
  );
}
