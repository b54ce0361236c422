import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { downloadAuditCsv } from '../api/audit.ts';
import { useAuditLog } from '../api/queries.ts';
import { errorMessage } from '../api/review.ts';
import { AuditFilters } from '../components/audit/AuditFilters.tsx';
import { AuditTable } from '../components/audit/AuditTable.tsx';
import { filtersFromSearch, searchFromFilters } from '../components/audit/audit-url.ts';
import styles from '../components/audit/Audit.module.css';
import { useCan } from '../components/auth/me.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';

/** The audit trail: filters in the URL, newest first, keyset "load more", CSV export of the same filters. */
export function Component() {
  const allowed = useCan('audit.read');
  const canManageTokens = useCan('token.manage');
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const filterSearch = searchFromFilters(filters);
  const key = filterSearch.toString();
  const audit = useAuditLog(key, allowed);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string>();

  const exportCsv = () => {
    setExporting(true);
    setExportError(undefined);
    downloadAuditCsv(filterSearch)
      .catch((problem: unknown) => setExportError(errorMessage(problem)))
      .finally(() => setExporting(false));
  };

  if (!allowed) {
    return (
      <>
        <PageHeader title="Audit trail" />
        <EmptyState title="Not available to your role">
          <p>Reading the audit trail needs the lead or admin role.</p>
        </EmptyState>
      </>
    );
  }

  // The first page, or every page loaded so far ("Load more" appends keyset pages).
  const entries = audit.data?.pages.flatMap((page) => page.entries);
  const error = audit.error ? errorMessage(audit.error) : undefined;

  return (
    <>
      <PageHeader title="Audit trail">
        <button type="button" className={styles.button} onClick={exportCsv} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </PageHeader>
      {exportError ? (
        <p role="alert" className={styles.error}>
          {exportError}
        </p>
      ) : null}
      <AuditFilters key={key} value={filters} onApply={(next) => setParams(searchFromFilters(next))} />
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}
      {!entries ? (
        error ? null : (
          <p aria-live="polite">Loading…</p>
        )
      ) : entries.length === 0 ? (
        <EmptyState title="Nothing recorded for these filters">
          <p>
            Sign-ins, decisions, threshold changes, token changes and reveals of faces (with their purpose) are recorded here.
          </p>
        </EmptyState>
      ) : (
        <>
          <AuditTable entries={entries} canManageTokens={canManageTokens} />
          <div className={styles.footer}>
            <span aria-live="polite">
              {entries.length} {entries.length === 1 ? 'entry' : 'entries'} shown
            </span>
            {audit.hasNextPage ? (
              <button
                type="button"
                className={styles.loadMore}
                onClick={() => void audit.fetchNextPage()}
                disabled={audit.isFetchingNextPage}
              >
                {audit.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            ) : (
              <span>End of the trail for these filters.</span>
            )}
          </div>
        </>
      )}
    </>
  );
}
