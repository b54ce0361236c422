import { useState } from 'react';
import { downloadInsightsCsv, type InsightsCsvSection } from '../../api/insights.ts';
import { errorMessage } from '../../api/review.ts';
import formStyles from '../audit/Audit.module.css';
import styles from './Insights.module.css';

/**
 * A section of the insights page with its own CSV download (the same numbers, an audited
 * export): a top-level section (`h2`), or a table within one (`h3`, with a download label that
 * names its parent, since several tables share a title like "By analyst").
 */
export function CsvSection({
  id,
  title,
  search,
  section,
  level = 2,
  downloadLabel,
  children,
}: {
  id: string;
  title: string;
  search: string;
  section: InsightsCsvSection;
  level?: 2 | 3;
  downloadLabel?: string;
  children: React.ReactNode;
}) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const download = () => {
    setState({ busy: true });
    downloadInsightsCsv(search, section)
      .then(() => setState({ busy: false }))
      .catch((problem: unknown) => setState({ busy: false, error: errorMessage(problem) }));
  };
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <section aria-labelledby={`${id}-title`} className={level === 2 ? styles.section : styles.subSection}>
      <div className={styles.sectionHeader}>
        <Heading id={`${id}-title`}>{title}</Heading>
        <button
          type="button"
          className={`${formStyles.button} ${formStyles.secondary}`}
          onClick={download}
          disabled={state.busy}
          aria-label={downloadLabel}
        >
          {state.busy ? 'Preparing…' : 'Download CSV'}
        </button>
      </div>
      {state.error ? (
        <p role="alert" className={styles.error}>
          {state.error}
        </p>
      ) : null}
      {children}
    </section>
  );
}
