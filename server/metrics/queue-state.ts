import { sql } from 'kysely';
import { DEFAULT_SLA_MINUTES } from '../contract/review.ts';
import type { Database } from '../db/database.ts';
import type { Metrics } from '../metrics.ts';
import { DEFAULT_SLA_SETTINGS, subtractBusinessMinutes, type SlaSettings } from '../review/sla.ts';
import { RECONCILE_CURSOR, type CursorState } from '../sync/reconcile.ts';

/**
 * The state an on-call engineer alerts on, read from the database by the worker every 10 s
 * (`server/worker/runner.ts`) and set on the `/metrics` gauges: the In Review queue per workflow,
 * decision pushes Didit refused, parked inbox rows, reconciliation lag and threshold drift.
 *
 * Labels carry workflow ids and nothing else: never vendor_data, session ids, emails or analysts.
 */

/** The label of sessions whose workflow we do not know (`workflow_id` is null). */
export const NO_WORKFLOW = 'none';

export interface WorkflowQueueState {
  /** The workflow's id, or `NO_WORKFLOW`. */
  workflowId: string;
  depth: number;
  oldestSeconds: number;
  slaBreaches: number;
}

export interface QueueState {
  /** Only workflows with sessions waiting for an analyst. */
  inReview: WorkflowQueueState[];
  /** Every known workflow, with whether Didit's thresholds differ from our applied version. */
  drift: { workflowId: string; drifted: boolean }[];
  failedPushes: number;
  parkedInboxRows: number;
  /** `null` when no reconciliation walk has ever started (e.g. the Didit API is not configured). */
  reconciliationLagSeconds: number | null;
}

interface WorkflowRow {
  workflow_id: string | null;
  known: boolean;
  drifted: boolean;
  depth: number | null;
  oldest_seconds: number | null;
  breaches: number | null;
}

interface ScalarRow {
  failed_pushes: number;
  parked: number;
  cursor: CursorState | null;
}

/**
 * Reads the queue state as of `now` in three statements (the SLA targets in use, then two). "In Review" is the analysts' queue: the
 * predicate is `queueFilter`'s (server/review/queue.repository.ts), written exactly as the partial
 * index `verification_session_queue_age_idx`'s, which also covers workflow_id, in_review_since and
 * first_seen_at: an index-only scan over the waiting sessions, never the whole table. Sessions
 * decided here whose push is on its way are not waiting for an analyst any more; the push
 * gauges count them. A session's age runs from `in_review_since`, else `first_seen_at`; it has
 * breached its SLA when that is at or before the target's cutoff in business hours.
 *
 * A failed push is counted when it is the latest decision on its session (an analyst can retry
 * it, or decide again): `review_event_push_idx` finds the failed rows and `review_event_session_idx`
 * finds each one's session's latest decision. Written as a correlated subquery so the planner runs
 * it per failed row; a `not exists` became a hash anti-join over the whole table at 100,000 events.
 * Parked rows come from `webhook_event_parked_idx`. Measured on 1,000,000 sessions (20,000 In
 * Review, bench/queue.ts' spread), 100,000 decisions and 200,000 inbox rows: the In Review
 * statement is an index-only scan with no heap fetches (~55 ms on a loaded 2-core VM), the
 * failed pushes ~90 ms for 1,000 failed rows, the rest under 10 ms.
 */
export async function readQueueState(db: Database, now: Date, sla: SlaSettings = DEFAULT_SLA_SETTINGS): Promise<QueueState> {
  // A breach is `in_review_since` at or before the SLA's cutoff (business hours walked back from
  // now, review/sla.ts), one per SLA target in use: still a comparison on the index.
  const targets = await db.selectFrom('workflow').select('sla_minutes').distinct().execute();
  const minutes = [...new Set([DEFAULT_SLA_MINUTES, ...targets.map((row) => row.sla_minutes)])];
  const cutoffs = sql.join(
    minutes.map((target) => sql`(${target}::int, ${subtractBusinessMinutes(now, target, sla.businessHours)}::timestamptz)`),
  );
  const [workflows, scalars] = await Promise.all([
    sql<WorkflowRow>`
      with cutoff (sla_minutes, breached_at) as (values ${cutoffs}),
      review as (
        select s.workflow_id,
               count(*)::int as depth,
               extract(epoch from ${now}::timestamptz - min(coalesce(s.in_review_since, s.first_seen_at)))::float8 as oldest_seconds,
               count(*) filter (where coalesce(s.in_review_since, s.first_seen_at) <= c.breached_at)::int as breaches
          from verification_session s
          left join workflow w on w.id = s.workflow_id
          left join cutoff c on c.sla_minutes = coalesce(w.sla_minutes, ${DEFAULT_SLA_MINUTES})
         where s.status = 'In Review' and (s.review_push_state is null or s.review_push_state = 'failed')
         group by s.workflow_id
      )
      select coalesce(w.id, r.workflow_id)::text as workflow_id, w.id is not null as known,
             coalesce(w.drift is not null, false) as drifted,
             r.depth, r.oldest_seconds, r.breaches
        from review r
        full join workflow w on w.id = r.workflow_id`.execute(db),
    sql<ScalarRow>`
      select (select count(*) from review_event e
               where e.push_state = 'failed' and e.kind in ('approve', 'decline', 'resubmit')
                 and e.id = (select max(latest.id) from review_event latest
                              where latest.session_id = e.session_id and latest.kind in ('approve', 'decline', 'resubmit')))::int as failed_pushes,
             (select count(*) from webhook_event where parked_at is not null and processed_at is null)::int as parked,
             (select state from sync_cursor where name = ${RECONCILE_CURSOR}) as cursor`.execute(db),
  ]);
  const scalar = scalars.rows[0];
  return {
    inReview: workflows.rows
      .filter((row) => row.depth !== null)
      .map((row) => ({
        workflowId: row.workflow_id ?? NO_WORKFLOW,
        depth: row.depth ?? 0,
        oldestSeconds: Math.max(0, Math.floor(row.oldest_seconds ?? 0)),
        slaBreaches: row.breaches ?? 0,
      })),
    drift: workflows.rows
      .filter((row) => row.known && row.workflow_id !== null)
      .map((row) => ({ workflowId: row.workflow_id ?? NO_WORKFLOW, drifted: row.drifted })),
    failedPushes: scalar?.failed_pushes ?? 0,
    parkedInboxRows: scalar?.parked ?? 0,
    reconciliationLagSeconds: reconciliationLag(scalar?.cursor ?? null, now),
  };
}

/**
 * Seconds since the start of the last completed walk, as `GET /api/sync/status` reports it: a walk
 * vouches for Didit's state as of its start. Before any walk has completed, the first walk's own
 * age (the lag is at least that), so a first walk that stalls still shows.
 */
function reconciliationLag(state: CursorState | null, now: Date): number | null {
  const startedAt = state?.lastCompleted?.startedAt ?? state?.active?.startedAt;
  if (startedAt === undefined) return null;
  return Math.max(0, Math.floor((now.getTime() - Date.parse(startedAt)) / 1000));
}

/**
 * Reads the queue state and sets the gauges. All reads come first and the gauges are then reset
 * and set without an await in between, so a scrape never sees a half-written set, and a workflow
 * whose sessions all left review loses its series instead of keeping its last value.
 */
export async function refreshQueueStateGauges(
  db: Database,
  metrics: Metrics,
  now: Date = new Date(),
  sla: SlaSettings = DEFAULT_SLA_SETTINGS,
): Promise<QueueState> {
  const state = await readQueueState(db, now, sla);
  metrics.reviewQueueDepth.reset();
  metrics.reviewQueueOldestSeconds.reset();
  metrics.reviewSlaBreaches.reset();
  for (const row of state.inReview) {
    const labels = { workflow_id: row.workflowId };
    metrics.reviewQueueDepth.set(labels, row.depth);
    metrics.reviewQueueOldestSeconds.set(labels, row.oldestSeconds);
    metrics.reviewSlaBreaches.set(labels, row.slaBreaches);
  }
  metrics.thresholdDrift.reset();
  for (const row of state.drift) metrics.thresholdDrift.set({ workflow_id: row.workflowId }, row.drifted ? 1 : 0);
  metrics.decisionPushesFailed.set(state.failedPushes);
  metrics.inboxParked.set(state.parkedInboxRows);
  if (state.reconciliationLagSeconds === null) metrics.reconciliationLagSeconds.remove();
  else metrics.reconciliationLagSeconds.set(state.reconciliationLagSeconds);
  return state;
}
