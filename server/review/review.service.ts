import type { Transaction } from 'kysely';
import type { Actor } from '../auth/rbac.ts';
import type { QueuePage, QueueQuery, SessionDetail } from '../contract/review.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { claims } from './claims.ts';
import { decisions } from './decisions.ts';
import { notes } from './notes.ts';
import { countQueue, listQueue, type QueueScope } from './queue.repository.ts';
import { touchActiveClaimOf } from './review.repository.ts';
import type { ReviewDeps } from './review-deps.ts';
import { loadSessionDetail, toQueueItem } from './session-detail.ts';
import { withPreviousAttempt, withResubmissions } from './resubmission.ts';
import { undo, withUndo } from './undo.ts';
import { withSecondReview } from './second-review.ts';
import { findLatestDecision } from './undo.repository.ts';

/**
 * The rules of the review loop (who may claim, decide and note what, and when), bound to the
 * transaction a route opened: `reviewService(trx, deps).recordDecision(...)`. The rules live in
 * claims.ts, decisions.ts and notes.ts; their SQL in review.repository.ts and queue.repository.ts.
 */
export function reviewService(trx: Transaction<DB>, deps: ReviewDeps) {
  return { ...claims(trx, deps), ...decisions(trx, deps), ...notes(trx, deps), ...undo(trx, deps) };
}

export type ReviewService = ReturnType<typeof reviewService>;

/** Counting stops here: past it the queue says "10,000+" instead of scanning everything. */
const QUEUE_COUNT_CAP = 10_000;

/** What the queue and the session page read, bound to the database. */
export function reviewReads(db: Database, deps: ReviewDeps) {
  const { settings } = deps;
  return {
    async queuePage(query: QueueQuery, actor: Actor): Promise<QueuePage> {
      const scope: QueueScope = { actorId: actor.kind === 'user' ? actor.id : null, claimIdleMinutes: settings.claimIdleMinutes };
      const [page, count] = await Promise.all([listQueue(db, query, scope), countQueue(db, query, scope, QUEUE_COUNT_CAP)]);
      return {
        items: await withResubmissions(
          db,
          page.rows.map((row) => toQueueItem(row, settings, deps.now?.())),
        ),
        nextCursor: page.nextCursor,
        prevCursor: page.prevCursor,
        total: count.total,
        totalCapped: count.capped,
      };
    },

    /** Everything the session page shows, for this actor (with the undo of their decision, undo.ts). */
    async sessionDetail(id: string, actor: Actor): Promise<SessionDetail> {
      const [detail, decision] = await Promise.all([loadSessionDetail(db, id, actor, settings), findLatestDecision(db, id)]);
      const withAttempt = await withPreviousAttempt(db, detail, settings);
      const at = (deps.now ?? (() => new Date()))();
      return withSecondReview(db, withUndo(withAttempt, decision, actor, at), actor, settings, at);
    },

    /** Opening a session you hold keeps your claim alive. */
    async touchClaim(id: string, actor: Actor): Promise<void> {
      if (actor.kind !== 'user') return;
      await touchActiveClaimOf(db, id, actor.id, settings.claimIdleMinutes);
    },
  };
}
