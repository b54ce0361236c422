import { useInfiniteQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link, useSearchParams } from 'react-router';
import { z } from 'zod';
import { diditIdSchema } from '../../../../server/contract/ids.ts';
import {
  secondReviewListSchema,
  type SecondReviewListItem,
  type SecondReviewListQuery,
  type SecondReviewPurpose,
} from '../../../../server/contract/second-review.ts';
import { apiGet } from '../../api/client.ts';
import { useWorkflows } from '../../api/queries.ts';
import { errorMessage } from '../../api/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { useNow } from '../../hooks/use-now.ts';
import { EmptyState } from '../layout/EmptyState.tsx';
import { PageHeader } from '../layout/PageHeader.tsx';
import { formatScore } from '../queue/format.ts';
import { formatDuration, minutesInReview } from '../queue/sla.ts';
import { logTypeOfCode } from '../queue/warning-codes.ts';
import { WarningChip } from '../queue/WarningChip.tsx';
import styles from './SecondReviewList.module.css';

/** `GET /api/second-reviews`: `search` is the list's URL state (defaults omitted); `cursor` a page's `nextCursor`. */
export function listSecondReviews(search: string, cursor: string | null, signal?: AbortSignal) {
  const params = new URLSearchParams(search);
  if (cursor !== null) params.set('cursor', cursor);
  const query = params.toString();
  return apiGet(`/api/second-reviews${query ? `?${query}` : ''}`, secondReviewListSchema, { signal });
}

/** The lists' cache key; a page that answers or settles a review may invalidate `['second-reviews']`. */
export const secondReviewListKey = (search: string) => ['second-reviews', search] as const;

export type ListState = SecondReviewListQuery['state'];

/** The page's URL state: `state` (default `open`) and `workflow`; anything else in the URL is ignored. */
export function listQueryFromSearch(params: URLSearchParams): { state: ListState; workflow: string | undefined } {
  const state = z.enum(['open', 'disagreed']).safeParse(params.get('state'));
  const workflow = diditIdSchema.safeParse(params.get('workflow'));
  return { state: state.success ? state.data : 'open', workflow: workflow.success ? workflow.data : undefined };
}

/** Only what differs from the default, in a fixed order: equal lists share a URL and a cache key. */
export function searchFromListQuery(query: { state: ListState; workflow: string | undefined }): URLSearchParams {
  const params = new URLSearchParams();
  if (query.state !== 'open') params.set('state', query.state);
  if (query.workflow) params.set('workflow', query.workflow);
  return params;
}

const href = (query: { state: ListState; workflow: string | undefined }) => {
  const search = searchFromListQuery(query).toString();
  return `/second-review${search ? `?${search}` : ''}`;
};

export const purposeLabels: Record<SecondReviewPurpose, string> = {
  four_eyes: 'Four eyes (held from Didit)',
  quality: 'Quality check',
};

const emptyText: Record<ListState, { title: string; body: string }> = {
  open: {
    title: 'No decisions wait for a second review.',
    body: 'Approvals held for four eyes, and decisions picked for a quality check once their undo window has closed, show here. Your own decisions are left to someone else.',
  },
  disagreed: {
    title: 'No disagreements to settle.',
    body: 'When a second analyst reaches a different verdict from the first, the session shows here for a lead to decide which stands.',
  },
};

/**
 * The second review page (issue 20, ADR 0021): "To review", the decisions others made that wait
 * for the caller's blind verdict (everyone who decides), and "Disagreements", where the two
 * verdicts differ (leads). The tab and the workflow are the URL's; the server orders, filters and
 * pages the list (oldest first, 200 at a time; "Load more" reads the next page under the rows shown). Read
 * again every `pollMs` while the tab is visible (every page shown).
 */
export function SecondReviewList({
  canResolve,
  pollMs = 30_000,
  now: fixedNow,
}: {
  /** Leads (`second_review.resolve`) also see the disagreements. */
  canResolve: boolean;
  pollMs?: number;
  /** The clock, for tests; the page ticks its own. */
  now?: number;
}) {
  const [params, setParams] = useSearchParams();
  const query = listQueryFromSearch(params);
  const search = searchFromListQuery(query).toString();
  const forbidden = query.state === 'disagreed' && !canResolve;
  const list = useInfiniteQuery({
    queryKey: secondReviewListKey(search),
    queryFn: ({ pageParam, signal }) => listSecondReviews(search, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    enabled: !forbidden,
    staleTime: 0,
    refetchInterval: pollMs > 0 ? pollMs : false,
  });
  const workflows = useWorkflows();
  const ticking = useNow(15_000);
  const now = fixedNow ?? ticking;
  const workflowId = useId();

  const options = (workflows.data ?? []).map((w) => ({ id: w.id, label: w.label ?? w.id }));
  // A workflow in the URL stays selectable while the list of workflows loads (or if it is not in it).
  if (query.workflow && !options.some((o) => o.id === query.workflow))
    options.push({ id: query.workflow, label: query.workflow });

  const pages = list.data?.pages;
  // Every page counts the whole list as it stood when read; the newest page's count is the latest.
  const data = pages ? { items: pages.flatMap((page) => page.items), total: pages.at(-1)?.total ?? 0 } : undefined;
  return (
    <>
      <PageHeader title="Second review" />
      <div className={styles.bar}>
        <nav className={styles.tabs} aria-label="Second review lists">
          <Link
            to={href({ ...query, state: 'open' })}
            className={styles.tab}
            aria-current={query.state === 'open' ? 'page' : undefined}
          >
            To review
          </Link>
          {canResolve ? (
            <Link
              to={href({ ...query, state: 'disagreed' })}
              className={styles.tab}
              aria-current={query.state === 'disagreed' ? 'page' : undefined}
            >
              Disagreements
            </Link>
          ) : null}
        </nav>
        <div className={styles.filter}>
          <label htmlFor={workflowId}>Workflow</label>
          <select
            id={workflowId}
            value={query.workflow ?? ''}
            onChange={(event) => setParams(searchFromListQuery({ ...query, workflow: event.target.value || undefined }))}
          >
            <option value="">All workflows</option>
            {options.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {forbidden ? (
        <EmptyState title="Not available to your role">
          <p>Settling disagreements needs the lead or admin role.</p>
        </EmptyState>
      ) : !data ? (
        list.error ? (
          <p role="alert" className={styles.error}>
            {errorMessage(list.error)}
          </p>
        ) : (
          <p aria-live="polite">Loading…</p>
        )
      ) : data.items.length === 0 ? (
        <EmptyState title={emptyText[query.state].title}>
          <p>{emptyText[query.state].body}</p>
        </EmptyState>
      ) : (
        <>
          {/* A page that failed to load, or a refresh that failed: said above the rows still shown. */}
          {list.error ? (
            <p role="alert" className={styles.error}>
              {errorMessage(list.error)}
            </p>
          ) : null}
          <SecondReviewTable items={data.items} state={query.state} now={now} />
          <div className={styles.footer}>
            <p aria-live="polite">
              {list.hasNextPage
                ? `Showing ${data.items.length} of ${data.total}, oldest first.`
                : `${data.items.length} ${data.items.length === 1 ? 'session' : 'sessions'}, oldest first.`}
            </p>
            {list.hasNextPage ? (
              <button
                type="button"
                className={styles.more}
                disabled={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            ) : null}
          </div>
        </>
      )}
    </>
  );
}

const sessionLabel = (item: SecondReviewListItem) =>
  item.sessionNumber !== null ? `Session #${item.sessionNumber}` : item.sessionId.slice(0, 8);

function Verdict({ side }: { side: { verdict: string; by: string } }) {
  return (
    <>
      <span className={side.verdict === 'Approved' ? styles.approved : styles.declined}>{side.verdict}</span>
      <span className={styles.muted}> · {side.by}</span>
    </>
  );
}

/** The list as a table; the disagreements add both verdicts and why the decision was picked. */
export function SecondReviewTable({ items, state, now }: { items: SecondReviewListItem[]; state: ListState; now: number }) {
  const disagreements = state === 'disagreed';
  return (
    <div className={styles.scroller}>
      <table className={styles.table}>
        <caption className={styles.srOnly}>
          {disagreements ? 'Disagreements to settle, oldest first' : 'Decisions waiting for a second review, oldest first'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Workflow</th>
            <th scope="col">Status before</th>
            <th scope="col" className={styles.numeric}>
              Liveness
            </th>
            <th scope="col" className={styles.numeric}>
              Face match
            </th>
            <th scope="col">Warnings</th>
            <th scope="col">Waiting</th>
            {disagreements ? (
              <>
                <th scope="col">First verdict</th>
                <th scope="col">Second verdict</th>
                <th scope="col">Why picked</th>
              </>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => {
            const minutes = minutesInReview(item.createdAt, now);
            return (
              <tr key={item.id} data-second-review={item.id}>
                <td>
                  <Link to={`/sessions/${encodeURIComponent(item.sessionId)}`} className={styles.sessionLink}>
                    {sessionLabel(item)}
                  </Link>
                </td>
                <td>{item.workflowLabel ?? <span className={styles.muted}>{item.workflowId ?? '—'}</span>}</td>
                <td>{item.statusBefore}</td>
                <td className={styles.numeric}>{formatScore(item.livenessScore)}</td>
                <td className={styles.numeric}>{formatScore(item.faceMatchScore)}</td>
                <td>
                  {item.warningCodes.length === 0 ? (
                    <span className={styles.muted}>none</span>
                  ) : (
                    <span className={styles.chips}>
                      {item.warningCodes.map((code) => (
                        <WarningChip key={code} code={code} logType={logTypeOfCode(code)} />
                      ))}
                    </span>
                  )}
                </td>
                <td>
                  {minutes === null ? (
                    <span className={styles.muted}>—</span>
                  ) : (
                    <time dateTime={item.createdAt} title={`Waiting since ${formatDateTime(item.createdAt)}`}>
                      {formatDuration(minutes)}
                    </time>
                  )}
                </td>
                {disagreements ? <DisagreementCells item={item} /> : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function DisagreementCells({ item }: { item: SecondReviewListItem }) {
  const d = item.disagreement;
  if (!d) {
    return (
      <>
        <td className={styles.muted}>—</td>
        <td className={styles.muted}>—</td>
        <td className={styles.muted}>—</td>
      </>
    );
  }
  return (
    <>
      <td>
        <Verdict side={d.first} />
      </td>
      <td>
        <Verdict side={d.second} />
      </td>
      <td className={styles.why}>
        <span className={styles.purpose}>{purposeLabels[d.purpose]}</span>
        {d.triggers.length > 0 ? (
          <ul className={styles.triggers}>
            {d.triggers.map((trigger) => (
              <li key={`${trigger.rule}-${trigger.detail}`}>{trigger.detail}</li>
            ))}
          </ul>
        ) : null}
      </td>
    </>
  );
}
