import { useCallback, useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import {
  queuePageSizes,
  type QueuePage,
  type QueueQuery,
  type QueueQueryInput,
  type QueueSort,
} from '../../../../server/contract/review.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import { useClaimNext } from '../../hooks/use-claim-next.ts';
import { useNow } from '../../hooks/use-now.ts';
import { useQueue } from '../../hooks/use-queue.ts';
import { isInteractiveTarget, useShortcuts } from '../../hooks/use-shortcuts.ts';
import { KeyButton } from '../keyboard/KeyButton.tsx';
import { ShortcutsDialog } from '../keyboard/ShortcutsDialog.tsx';
import { queueShortcuts } from '../keyboard/shortcuts.ts';
import { EmptyState } from '../layout/EmptyState.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { EscalatedViewTabs, isEscalatedView } from '../escalation/EscalatedViewTabs.tsx';
import { QueueFilters } from './QueueFilters.tsx';
import { QueueTable, sessionHref } from './QueueTable.tsx';
import { SavedViews } from './SavedViews.tsx';
import { defaultQueueQuery, patchQueueQuery, queueFilters, queueQueryToSearch } from './queue-url.ts';
import styles from './QueueView.module.css';
import { workIntent } from '../session/intent.ts';

export interface QueueViewProps {
  query: QueueQuery;
  /** URL parameters that were invalid and ignored. */
  ignored?: string[];
  /** `replace`: the same view under its canonical URL (no new history entry). */
  onQueryChange: (query: QueueQuery, options?: { replace?: boolean }) => void;
  /** A message handed over by the previous page (e.g. "nothing left to claim"). */
  notice?: string | null;
  pollMs?: number;
}

function isDefaultFilters(query: QueueQuery): boolean {
  return (
    queueQueryToSearch({
      ...query,
      sort: defaultQueueQuery.sort,
      dir: undefined,
      cursor: undefined,
      before: undefined,
      limit: defaultQueueQuery.limit,
    }) === ''
  );
}

export function QueueView({ query, ignored = [], onQueryChange, notice = null, pollMs }: QueueViewProps) {
  const queue = useQueue(query, pollMs);
  const now = useNow(15_000);
  const navigate = useNavigate();
  const filters = useMemo(() => queueFilters(query), [query]);
  const linkSearch = useMemo(() => new URLSearchParams(filters).toString(), [filters]);
  const { claimNext, status: claimStatus, message: claimMessage } = useClaimNext(filters);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [helpOpen, setHelpOpen] = useState(false);
  const canClaim = useCapability('session.claim');
  const closeHelp = useCallback(() => setHelpOpen(false), []);

  const items = queue.page?.items;
  const selectedIndex = items && selectedId ? items.findIndex((item) => item.id === selectedId) : -1;
  const effectiveSelectedId = selectedIndex >= 0 ? selectedId : (items?.[0]?.id ?? null);

  const focusRow = useCallback((id: string) => {
    setSelectedId(id);
    document.querySelector<HTMLElement>(`[data-session-link="${CSS.escape(id)}"]`)?.focus();
  }, []);

  // Keep the selected row in view when it moves (j/k) or the rows change under it.
  useEffect(() => {
    if (!effectiveSelectedId) return;
    document
      .querySelector(`[data-session-link="${CSS.escape(effectiveSelectedId)}"]`)
      ?.closest('tr')
      ?.scrollIntoView?.({ block: 'nearest' });
  }, [effectiveSelectedId]);

  const move = (delta: number) => {
    if (!items || items.length === 0) return;
    const current = items.findIndex((item) => item.id === effectiveSelectedId);
    const next = items[Math.min(items.length - 1, Math.max(0, (current < 0 ? -delta : current) + delta))];
    if (next) focusRow(next.id);
  };

  useShortcuts(
    {
      j: () => move(1),
      k: () => move(-1),
      Enter: (event) => {
        if (isInteractiveTarget(event.target) || !effectiveSelectedId) return false;
        void navigate(sessionHref(effectiveSelectedId, linkSearch), { state: workIntent });
      },
      c: () => (canClaim ? void claimNext() : false),
      '?': () => setHelpOpen(true),
    },
    !helpOpen,
  );

  const apply = (patch: Partial<QueueQueryInput>) => onQueryChange(patchQueueQuery(query, patch));
  const onSortChange = (sort: QueueSort, dir: 'asc' | 'desc') => apply({ sort, dir });
  // Back to the default view, sort included; the page size is a preference of the analyst's, kept.
  const reset = () => onQueryChange(patchQueueQuery(defaultQueueQuery, { limit: query.limit }));
  // A bigger or smaller page from the same position: the keyset cursor does not depend on the size.
  const onPageSizeChange = (limit: number) => apply({ limit, cursor: query.cursor, before: query.before });

  // "Previous" that reached the start is answered with the first page itself: give it the first
  // page's URL too, so it is one view (live updates, no "first page" button) and one link.
  const paged = query.cursor !== undefined || query.before !== undefined;
  const reachedStart = query.before !== undefined && queue.status === 'ready' && !queue.page?.prevCursor;
  useEffect(() => {
    if (reachedStart) onQueryChange({ ...query, before: undefined }, { replace: true });
  }, [reachedStart, query, onQueryChange]);

  const workflows = useMemo(() => {
    const seen = new Map<string, string>();
    for (const item of items ?? []) if (item.workflowId) seen.set(item.workflowId, item.workflowLabel ?? item.workflowId);
    return [...seen].map(([id, label]) => ({ id, label })).sort((a, b) => a.label.localeCompare(b.label));
  }, [items]);

  const total = queue.total;
  const countText =
    total === null
      ? ''
      : `${total}${queue.totalCapped ? '+' : ''} ${total === 1 ? 'session' : 'sessions'} ${isEscalatedView(query) ? 'escalated to a lead' : query.status === 'In Review' ? 'in review' : query.status === 'Resubmitted' ? 'awaiting a new attempt' : query.status}`;

  const statusMessage = claimMessage ?? notice;

  const pageSizes: readonly number[] = queuePageSizes.some((size) => size === query.limit)
    ? queuePageSizes
    : [...queuePageSizes, query.limit].sort((a, b) => a - b);
  const pager = (page: QueuePage) => (
    <nav className={styles.pager} aria-label="Queue pages">
      <label className={styles.pageSize}>
        Rows per page
        <select value={query.limit} onChange={(event) => onPageSizeChange(Number(event.target.value))}>
          {pageSizes.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </label>
      {paged ? (
        <button type="button" className={styles.button} onClick={() => apply({})}>
          ⇤ First page
        </button>
      ) : null}
      <button
        type="button"
        className={styles.button}
        disabled={!page.prevCursor}
        onClick={() => apply({ before: page.prevCursor ?? undefined })}
      >
        ← Previous page
      </button>
      {page.nextCursor ? (
        <button type="button" className={styles.button} onClick={() => apply({ cursor: page.nextCursor ?? undefined })}>
          Next page →
        </button>
      ) : (
        <span className={styles.muted}>End of the queue</span>
      )}
    </nav>
  );

  return (
    <>
      <PageHeader title="Review queue">
        <div className={styles.toolbar}>
          <span className={styles.count} aria-live="polite">
            {countText}
          </span>
          {queue.newCount > 0 ? (
            <button type="button" className={styles.newButton} onClick={queue.showNew}>
              {queue.newCount} new — show
            </button>
          ) : null}
          <SavedViews query={query} onApply={onQueryChange} />
          {canClaim ? (
            <KeyButton shortcut="c" onClick={() => void claimNext()} disabled={claimStatus.state === 'claiming'}>
              Claim next
            </KeyButton>
          ) : null}
          <KeyButton shortcut="?" onClick={() => setHelpOpen(true)} aria-haspopup="dialog">
            Shortcuts
          </KeyButton>
        </div>
      </PageHeader>
      <EscalatedViewTabs query={query} />
      <QueueFilters key={queueQueryToSearch(query)} query={query} workflows={workflows} onApply={apply} onReset={reset} />
      <p className={styles.status} role="status">
        {statusMessage}
      </p>
      {queue.pollError && queue.status !== 'error' ? (
        <p className={styles.warning} role="status">
          Live updates failed ({queue.pollError}); the list may be out of date, trying again.
        </p>
      ) : null}
      {ignored.length > 0 ? <p className={styles.warning}>Ignored invalid link parameters: {ignored.join(', ')}.</p> : null}
      {queue.status === 'error' ? (
        <div role="alert" className={styles.error}>
          <p>The queue could not be loaded: {queue.error}</p>
          <button type="button" className={styles.button} onClick={queue.reload}>
            Try again
          </button>
        </div>
      ) : queue.page === null ? (
        <p className={styles.loading} aria-busy="true">
          Loading the queue…
        </p>
      ) : queue.page.items.length === 0 && paged ? (
        <EmptyState title="Nothing left on this page">
          <p>Its sessions were decided or changed since the page before it loaded.</p>
          {pager(queue.page)}
        </EmptyState>
      ) : queue.page.items.length === 0 ? (
        isEscalatedView(query) && isDefaultFilters({ ...query, escalated: 'exclude' }) ? (
          <EmptyState title="No escalated sessions">
            <p>Sessions an analyst escalates to a lead appear here until a lead decides them or returns them to the queue.</p>
          </EmptyState>
        ) : isDefaultFilters(query) ? (
          <EmptyState title="No sessions waiting for review">
            <p>Sessions that Didit sends to In Review appear here as soon as their webhook arrives.</p>
            <p>This page refreshes by itself.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No sessions match these filters">
            <p>
              Widen the filters or{' '}
              <button type="button" className={styles.linkButton} onClick={reset}>
                reset them
              </button>
              .
            </p>
          </EmptyState>
        )
      ) : (
        <div aria-busy={queue.status === 'loading'} className={queue.status === 'loading' ? styles.stale : undefined}>
          <QueueTable
            items={queue.page.items}
            query={query}
            now={now}
            linkSearch={linkSearch}
            selectedId={effectiveSelectedId}
            onSelect={setSelectedId}
            onSortChange={onSortChange}
          />
          {pager(queue.page)}
        </div>
      )}
      <ShortcutsDialog open={helpOpen} onClose={closeHelp} title="Queue shortcuts" shortcuts={queueShortcuts} />
    </>
  );
}
