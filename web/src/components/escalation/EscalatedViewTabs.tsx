import { Link } from 'react-router';
import type { QueueQuery } from '../../../../server/contract/review.ts';
import { patchQueueQuery, queueQueryToSearch } from '../queue/queue-url.ts';
import styles from './Escalation.module.css';

/** Whether the view is the leads' Escalated view (In Review sessions escalated to a lead). */
export function isEscalatedView(query: QueueQuery): boolean {
  return query.status === 'In Review' && query.escalated === 'only';
}

/** Whether the view's rows may be escalated, so the queue shows the escalation column. */
export function showsEscalations(query: QueueQuery): boolean {
  return query.status === 'In Review' && query.escalated !== 'exclude';
}

/**
 * The queue's two In Review views (issue 20): the analysts' queue (escalated sessions left out)
 * and the leads' Escalated view. Links, so each view is a URL; the other filters are kept.
 * Everyone sees the Escalated view; only leads and admins can claim and decide in it (the server
 * says so on each session), the others read it.
 */
export function EscalatedViewTabs({ query }: { query: QueueQuery }) {
  // Also shown on the Resubmitted view (issue 20: sessions whose user was asked to try again).
  if (query.status !== 'In Review' && query.status !== 'Resubmitted') return null;
  const href = (escalated: QueueQuery['escalated']) => {
    const search = queueQueryToSearch(patchQueueQuery(query, { escalated, status: 'In Review' }));
    return `/queue${search ? `?${search}` : ''}`;
  };
  const resubmittedHref = () => {
    const search = queueQueryToSearch(patchQueueQuery(query, { status: 'Resubmitted', escalated: 'exclude' }));
    return `/queue${search ? `?${search}` : ''}`;
  };
  const resubmittedView = query.status === 'Resubmitted';
  const escalatedView = !resubmittedView && isEscalatedView(query);
  const queueView = !resubmittedView && query.escalated === 'exclude';
  return (
    <nav className={styles.tabs} aria-label="Queue views">
      <Link to={href('exclude')} className={styles.tab} aria-current={queueView ? 'page' : undefined}>
        Analysts’ queue
      </Link>
      <Link to={href('only')} className={styles.tab} aria-current={escalatedView ? 'page' : undefined}>
        Escalated
      </Link>
      <Link to={resubmittedHref()} className={styles.tab} aria-current={resubmittedView ? 'page' : undefined}>
        Resubmitted — awaiting new attempt
      </Link>
    </nav>
  );
}
