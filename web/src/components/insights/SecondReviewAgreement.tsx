import { useState } from 'react';
import type { AgreementFigures, SecondReviewInsights } from '../../../../server/contract/insights.ts';
import { CsvSection } from './CsvSection.tsx';
import { formatRate } from './format.ts';
import styles from './Insights.module.css';

/** Below this many answered reviews a rate says little: the row is flagged. */
export const SMALL_SAMPLE = 10;

interface AgreementRow extends AgreementFigures {
  key: string;
  label: string;
}

type SortKey = 'label' | 'answered' | 'agreed' | 'agreementRate';

/**
 * How often a second analyst reached the first analyst's verdict (issue 20): over the reviews
 * answered in the range, in total and per purpose, per first analyst and per warning code; and
 * the second-review work waiting now. Each table downloads as CSV.
 */
export function SecondReviewAgreement({ data, search }: { data: SecondReviewInsights; search: string }) {
  const { totals } = data;
  const purposes = [
    { key: 'fourEyes', label: 'Four eyes', figures: totals.byPurpose.fourEyes },
    { key: 'quality', label: 'Quality', figures: totals.byPurpose.quality },
  ] as const;
  return (
    <section aria-labelledby="second-review-title" className={styles.section}>
      <div className={styles.sectionHeader}>
        <h2 id="second-review-title">Second review</h2>
      </div>
      <p className={styles.note}>
        Reviews a second analyst answered in the range, blind to the first verdict: how often both reached the same verdict. Open
        reviews and disagreements waiting for a lead are counted now, whatever the range.
      </p>
      <div className={`${styles.tiles} ${styles.sectionTiles}`} data-testid="second-review-totals">
        <Figure
          label="Agreement"
          value={formatRate(totals.agreementRate)}
          detail={`${totals.agreed} of ${totals.answered} answered`}
          flag={totals.answered > 0 && totals.answered < SMALL_SAMPLE}
        />
        <Figure label="Answered" value={String(totals.answered)} />
        <Figure label="Open now" value={String(totals.open)} />
        <Figure
          label="Disagreements waiting for a lead"
          value={String(totals.disagreementsWaiting)}
          tone={totals.disagreementsWaiting > 0 ? 'warn' : undefined}
        />
      </div>
      <table className={styles.table} aria-label="Second review by purpose">
        <thead>
          <tr>
            <th scope="col">Purpose</th>
            <th scope="col" className={styles.numeric}>
              Answered
            </th>
            <th scope="col" className={styles.numeric}>
              Agreed
            </th>
            <th scope="col" className={styles.numeric}>
              Agreement
            </th>
            <th scope="col" className={styles.numeric}>
              Open now
            </th>
            <th scope="col" className={styles.numeric}>
              Waiting for a lead
            </th>
          </tr>
        </thead>
        <tbody>
          {purposes.map(({ key, label, figures }) => (
            <tr key={key}>
              <th
                scope="row"
                title={
                  key === 'fourEyes'
                    ? 'Risky approvals held from Didit until confirmed'
                    : 'Sampled decisions and overrides of an automatic Declined, checked after the fact'
                }
              >
                {label}
              </th>
              <td className={styles.numeric}>{figures.answered}</td>
              <td className={styles.numeric}>{figures.agreed}</td>
              <td className={styles.numeric}>
                <Rate figures={figures} />
              </td>
              <td className={styles.numeric}>{figures.open}</td>
              <td className={styles.numeric}>{figures.disagreementsWaiting}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <CsvSection
        id="second-review-analysts"
        title="By analyst"
        search={search}
        section="second-review-analysts"
        level={3}
        downloadLabel="Download CSV: second review by analyst"
      >
        <p className={styles.note}>The analyst whose decision was reviewed.</p>
        <AgreementTable
          label="Second review agreement per analyst"
          firstColumn="Analyst"
          empty="No analyst’s decision was reviewed in this range."
          rows={data.analysts.map((a) => ({ ...a, key: a.actorId }))}
        />
      </CsvSection>

      <CsvSection
        id="second-review-codes"
        title="By warning code"
        search={search}
        section="second-review-warning-codes"
        level={3}
        downloadLabel="Download CSV: second review by warning code"
      >
        <p className={styles.note}>
          The session’s warning codes when the first analyst decided. A review counts under each of its codes.
        </p>
        <AgreementTable
          label="Second review agreement per warning code"
          firstColumn="Warning code"
          empty="No review was answered in this range."
          rows={data.warningCodes.map((c) => ({ ...c, key: c.code ?? '', label: c.code ?? 'No warnings' }))}
        />
      </CsvSection>
    </section>
  );
}

function Figure({
  label,
  value,
  detail,
  tone,
  flag,
}: {
  label: string;
  value: string;
  detail?: string;
  tone?: 'warn';
  flag?: boolean;
}) {
  return (
    <div className={tone === 'warn' ? `${styles.tile} ${styles.warn}` : styles.tile}>
      <span className={styles.tileLabel}>{label}</span>
      <span className={styles.tileValue}>{value}</span>
      {detail || flag ? (
        <span className={styles.tileDetail}>
          {detail}
          {flag ? (
            <>
              {' '}
              <SmallSample />
            </>
          ) : null}
        </span>
      ) : null}
    </div>
  );
}

function SmallSample() {
  return (
    <span className={styles.smallSample} title={`Fewer than ${SMALL_SAMPLE} answered reviews: the rate says little yet`}>
      n &lt; {SMALL_SAMPLE}
    </span>
  );
}

function Rate({ figures }: { figures: AgreementFigures }) {
  return (
    <>
      {formatRate(figures.agreementRate)}
      {figures.answered > 0 && figures.answered < SMALL_SAMPLE ? (
        <>
          {' '}
          <SmallSample />
        </>
      ) : null}
    </>
  );
}

const columns: ReadonlyArray<{ key: SortKey; label: string }> = [
  { key: 'answered', label: 'Answered' },
  { key: 'agreed', label: 'Agreed' },
  { key: 'agreementRate', label: 'Agreement' },
];

const valueOf = (row: AgreementRow, key: SortKey): string | number =>
  key === 'label' ? row.label : key === 'agreementRate' ? (row.agreementRate ?? -1) : row[key];

/** Rows of agreement figures, sortable by any column (most answered first), as the analyst table. */
function AgreementTable({
  label,
  firstColumn,
  empty,
  rows,
}: {
  label: string;
  firstColumn: string;
  empty: string;
  rows: AgreementRow[];
}) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'answered', desc: true });
  if (rows.length === 0) return <p className={styles.note}>{empty}</p>;
  const sorted = [...rows].sort((a, b) => {
    const x = valueOf(a, sort.key);
    const y = valueOf(b, sort.key);
    const order = typeof x === 'string' ? x.localeCompare(String(y)) : x - Number(y);
    return sort.desc ? -order : order;
  });
  const header = (key: SortKey, text: string, numeric: boolean) => {
    const active = sort.key === key;
    return (
      <th
        key={key}
        scope="col"
        className={numeric ? styles.numeric : undefined}
        aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}
      >
        <button
          type="button"
          className={styles.sortButton}
          onClick={() => setSort({ key, desc: active ? !sort.desc : key !== 'label' })}
        >
          {text}
          <span aria-hidden="true">{active ? (sort.desc ? ' ▼' : ' ▲') : ' ↕'}</span>
        </button>
      </th>
    );
  };
  return (
    <table className={styles.table} aria-label={label}>
      <thead>
        <tr>
          {header('label', firstColumn, false)}
          {columns.map((c) => header(c.key, c.label, true))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row) => (
          <tr key={row.key} data-testid="agreement-row">
            <th scope="row">{row.label}</th>
            <td className={styles.numeric}>{row.answered}</td>
            <td className={styles.numeric}>{row.agreed}</td>
            <td className={styles.numeric}>
              <Rate figures={row} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
