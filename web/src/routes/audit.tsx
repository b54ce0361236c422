import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { AuditEntryView } from '../../../server/contract/audit.ts';
import { auditCsvUrl, listAudit } from '../api/audit.ts';
import { AuditFilters } from '../components/audit/AuditFilters.tsx';
import { AuditTable } from '../components/audit/AuditTable.tsx';
import { filtersFromSearch, searchFromFilters } from '../components/audit/audit-url.ts';
import styles from '../components/audit/Audit.module.css';
import { useCan } from '../components/auth/me.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';

interface Loaded {
  key: string;
  entries: AuditEntryView[];
  nextCursor: string | null;
}

/** The audit trail: filters in the URL, newest first, keyset "load more", CSV export of the same filters. */
export function Component() {
  const allowed = useCan('audit.read');
  const canManageTokens = useCan('token.manage');
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const filterSearch = searchFromFilters(filters);
  const key = filterSearch.toString();
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (!allowed) return;
    const controller = new AbortController();
    listAudit(new URLSearchParams(key), controller.signal).then(
      (page) => {
        setError(undefined);
        setLoaded({ key, entries: page.entries, nextCursor: page.nextCursor });
      },
      (failure: unknown) => {
        if (!controller.signal.aborted)
          setError(failure instanceof Error ? failure.message : 'The audit log could not be loaded.');
      },
    );
    return () => controller.abort();
  }, [key, allowed]);

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

  const current = loaded?.key === key ? loaded : undefined;
  const loadMore = async () => {
    if (!current?.nextCursor) return;
    setLoadingMore(true);
    try {
      const search = new URLSearchParams(key);
      search.set('cursor', current.nextCursor);
      const page = await listAudit(search);
      setLoaded({ key, entries: [...current.entries, ...page.entries], nextCursor: page.nextCursor });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'More entries could not be loaded.');
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <PageHeader title="Audit trail">
        <a className={styles.button} href={auditCsvUrl(filterSearch)} download>
          Export CSV
        </a>
      </PageHeader>
      <AuditFilters key={key} value={filters} onApply={(next) => setParams(searchFromFilters(next))} />
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}
      {!current ? (
        <p aria-live="polite">Loading…</p>
      ) : current.entries.length === 0 ? (
        <EmptyState title="Nothing recorded for these filters">
          <p>Sign-ins, decisions, threshold changes, token changes and evidence views are recorded here.</p>
        </EmptyState>
      ) : (
        <>
          <AuditTable entries={current.entries} canManageTokens={canManageTokens} />
          <div className={styles.footer}>
            <span aria-live="polite">{current.entries.length} entries shown</span>
            {current.nextCursor ? (
              <button type="button" className={styles.loadMore} onClick={() => void loadMore()} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load more'}
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
