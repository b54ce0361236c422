import { useState } from 'react';
import type { AnalystFigures } from '../../../../server/contract/insights.ts';
import { formatMinutes, formatShare } from './format.ts';
import styles from './Insights.module.css';

type SortKey = 'label' | 'decisions' | 'perDay' | 'approved' | 'medianHandlingMinutes' | 'overrides' | 'contradicted';

const columns: ReadonlyArray<{ key: SortKey; label: string; numeric?: boolean; help?: string }> = [
  { key: 'label', label: 'Analyst' },
  { key: 'decisions', label: 'Decisions', numeric: true },
  { key: 'perDay', label: 'Per day', numeric: true },
  { key: 'approved', label: 'Approved / declined', numeric: true },
  { key: 'medianHandlingMinutes', label: 'Median handling', numeric: true, help: 'From taking the session to deciding it' },
  { key: 'overrides', label: 'Overrides', numeric: true, help: 'Decisions that overturned Didit’s automatic verdict' },
  {
    key: 'contradicted',
    label: 'Contradicted later',
    numeric: true,
    help: 'Decided otherwise since (in Didit’s console or here), or an approved user’s later session declined for an attack',
  },
];

const contradicted = (a: AnalystFigures) => a.decidedAgain + a.laterAttack;

const valueOf = (a: AnalystFigures, key: SortKey): string | number =>
  key === 'label'
    ? a.label
    : key === 'contradicted'
      ? contradicted(a)
      : key === 'approved'
        ? a.approved / Math.max(a.decisions, 1)
        : (a[key] ?? -1);

/** Each analyst's figures for the range, sortable by any column. */
export function AnalystTable({ analysts }: { analysts: AnalystFigures[] }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'decisions', desc: true });
  if (analysts.length === 0) return <p className={styles.note}>No analyst recorded a decision in this range.</p>;
  const rows = [...analysts].sort((a, b) => {
    const x = valueOf(a, sort.key);
    const y = valueOf(b, sort.key);
    const order = typeof x === 'string' ? x.localeCompare(String(y)) : x - Number(y);
    return sort.desc ? -order : order;
  });
  return (
    <table className={styles.table} aria-label="Decisions per analyst">
      <thead>
        <tr>
          {columns.map((c) => {
            const sorted = sort.key === c.key;
            return (
              <th
                key={c.key}
                scope="col"
                className={c.numeric ? styles.numeric : undefined}
                aria-sort={sorted ? (sort.desc ? 'descending' : 'ascending') : 'none'}
                title={c.help}
              >
                <button
                  type="button"
                  className={styles.sortButton}
                  onClick={() => setSort({ key: c.key, desc: sorted ? !sort.desc : c.key !== 'label' })}
                >
                  {c.label}
                  <span aria-hidden="true">{sorted ? (sort.desc ? ' ▼' : ' ▲') : ' ↕'}</span>
                </button>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {rows.map((a) => (
          <tr key={a.actorId ?? a.label} data-testid="analyst-row">
            <th scope="row">{a.label}</th>
            <td className={styles.numeric}>{a.decisions}</td>
            <td className={styles.numeric}>{a.perDay.toFixed(1)}</td>
            <td className={styles.numeric}>
              <span className={styles.mix} aria-hidden="true">
                <span className={styles.mixApproved} style={{ width: `${(a.approved / Math.max(a.decisions, 1)) * 100}%` }} />
              </span>
              {a.approved} / {a.declined}
            </td>
            <td className={styles.numeric}>{formatMinutes(a.medianHandlingMinutes)}</td>
            <td className={styles.numeric}>
              {a.overrides} ({formatShare(a.overrides, a.decisions)})
            </td>
            <td className={styles.numeric}>
              {contradicted(a)} ({formatShare(contradicted(a), a.decisions)})
              {contradicted(a) > 0 ? (
                <span className={styles.tileDetail}>
                  {' '}
                  {a.decidedAgain} decided again, {a.laterAttack} later attack
                </span>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
