import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, ReviewEventKind, ReviewPushState } from '../db/schema.ts';
import { vendorDataHash } from '../privacy/pseudonym.ts';
import { decisionPushKey, enqueue, jobs } from '../worker/jobs.ts';
import { activeClaim } from './queue.repository.ts';

/** Kysely queries of the review loop. Functions that take row locks accept only a transaction. */

export function findSessionById(db: Database | Transaction<DB>, id: string) {
  return db
    .selectFrom('verification_session')
    .leftJoin('workflow', 'workflow.id', 'verification_session.workflow_id')
    .leftJoin('app_user as claimer', 'claimer.id', 'verification_session.claimed_by')
    .leftJoin('app_user as assignee', 'assignee.id', 'verification_session.assigned_to')
    .selectAll('verification_session')
    .select([
      'workflow.label as workflow_label',
      'workflow.sla_minutes',
      'workflow.has_face_match',
      'workflow.didit_settings',
      'workflow.viewers_may_reveal',
      sql<string | null>`coalesce(claimer.email, claimer.display_name)`.as('claimer_label'),
      sql<string | null>`coalesce(assignee.email, assignee.display_name)`.as('assignee_label'),
    ])
    .where('verification_session.id', '=', id)
    .executeTakeFirst();
}

export type SessionRow = NonNullable<Awaited<ReturnType<typeof findSessionById>>>;

/** Locks the session row for the rest of the transaction (decisions, claims, notes). */
export function lockSessionForReview(trx: Transaction<DB>, id: string) {
  return (
    trx
      .selectFrom('verification_session')
      .select([
        'id',
        'status',
        'version',
        'claimed_by',
        'claim_touched_at',
        'review_push_state',
        'threshold_version_id',
        'in_review_since',
        'personal_data_removal',
      ])
      // Escalated to the leads: only they claim and decide it (escalation.ts).
      .select(['escalated_at', 'escalation_event_id'])
      // Which reasons fit depends on whether the session matched faces (see `toQueueItem`).
      .select(['face_match_score'])
      .select((eb) =>
        eb
          .selectFrom('workflow')
          .select('workflow.has_face_match')
          .whereRef('workflow.id', '=', 'verification_session.workflow_id')
          .as('workflow_has_face_match'),
      )
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()
  );
}

export type LockedSession = NonNullable<Awaited<ReturnType<typeof lockSessionForReview>>>;

/** The person holding a claim, as a conflict names them. */
export function findClaimHolder(trx: Transaction<DB>, userId: string) {
  return trx.selectFrom('app_user').select(['email', 'display_name']).where('id', '=', userId).executeTakeFirst();
}

/** Gives the session to `userId`, touched now; `renew` keeps the time the claim was first taken. */
export async function setClaim(trx: Transaction<DB>, id: string, userId: string, { renew }: { renew: boolean }): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set({
      claimed_by: userId,
      claimed_at: renew ? undefined : sql<Date>`now()`,
      claim_touched_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function clearClaim(trx: Transaction<DB>, id: string): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set({ claimed_by: null, claimed_at: null, claim_touched_at: null })
    .where('id', '=', id)
    .execute();
}

/** Clears every claim `userId` holds except on `exceptId`; returns the sessions it freed. */
export async function clearClaimsHeldBy(trx: Transaction<DB>, userId: string, exceptId: string): Promise<string[]> {
  const released = await trx
    .updateTable('verification_session')
    .set({ claimed_by: null, claimed_at: null, claim_touched_at: null })
    .where('claimed_by', '=', userId)
    .where('id', '<>', exceptId)
    .returning('id')
    .execute();
  return released.map((row) => row.id);
}

/** Marks the claim on the session as worked on now. */
export async function touchClaim(trx: Transaction<DB>, id: string): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set({ claim_touched_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** Marks `userId`'s claim on the session as worked on now, if it is theirs and has not lapsed. */
export async function touchActiveClaimOf(db: Database, id: string, userId: string, claimIdleMinutes: number): Promise<void> {
  await db
    .updateTable('verification_session')
    .set({ claim_touched_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('claimed_by', '=', userId)
    .where((eb) => activeClaim(eb, claimIdleMinutes))
    .execute();
}

/**
 * A decision is on its way to Didit (or `held` for a second analyst's confirmation): the session
 * leaves everyone's hands and moves a version.
 */
export async function markDecisionPending(
  trx: Transaction<DB>,
  id: string,
  state: 'pending' | 'held' = 'pending',
): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set((eb) => ({
      review_push_state: state,
      review_push_error: null,
      claimed_by: null,
      claimed_at: null,
      claim_touched_at: null,
      version: eb('version', '+', 1),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', id)
    .execute();
}

/** The session's latest decision event (approve, decline or resubmit). */
export async function findLatestDecisionEvent(
  trx: Transaction<DB>,
  sessionId: string,
): Promise<{ id: number; kind: ReviewEventKind }> {
  return trx
    .selectFrom('review_event')
    .select(['id', 'kind'])
    .where('session_id', '=', sessionId)
    .where('kind', 'in', ['approve', 'decline', 'resubmit'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

/** Puts a decision whose push failed back on its way: the event and the session pending again. */
export async function reopenDecisionPush(trx: Transaction<DB>, sessionId: string, reviewEventId: number): Promise<void> {
  await trx
    .updateTable('review_event')
    .set({ push_state: 'pending', push_error: null })
    .where('id', '=', reviewEventId)
    .execute();
  await trx
    .updateTable('verification_session')
    .set((eb) => ({ review_push_state: 'pending', review_push_error: null, version: eb('version', '+', 1) }))
    .where('id', '=', sessionId)
    .execute();
}

export interface ReviewEventInsert {
  sessionId: string;
  kind: ReviewEventKind;
  actorId: string | null;
  actorLabel: string;
  reasonCode?: string | null;
  note?: string | null;
  thresholdVersionId?: number | null;
  sessionVersion?: number | null;
  pushState?: ReviewPushState | null;
  /** On a decision: when the session entered review, and the status it was decided from. */
  inReviewSince?: Date | null;
  fromStatus?: string | null;
  /** On a decision: until when its decider may undo it (null: it cannot be undone). */
  undoUntil?: Date | null;
}

export async function insertReviewEvent(trx: Transaction<DB>, event: ReviewEventInsert): Promise<number> {
  const row = await trx
    .insertInto('review_event')
    .values({
      session_id: event.sessionId,
      kind: event.kind,
      actor_id: event.actorId,
      actor_label: event.actorLabel,
      reason_code: event.reasonCode ?? null,
      note: event.note ?? null,
      threshold_version_id: event.thresholdVersionId ?? null,
      session_version: event.sessionVersion ?? null,
      push_state: event.pushState ?? null,
      in_review_since: event.inReviewSince ?? null,
      from_status: event.fromStatus ?? null,
      undo_until: event.undoUntil ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export function listReviewEvents(db: Database, sessionId: string) {
  return db
    .selectFrom('review_event')
    .selectAll()
    .where('session_id', '=', sessionId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Didit's status changes for a session, as received (one per distinct status and time). */
export function listStatusEvents(db: Database, sessionId: string) {
  return db
    .selectFrom('webhook_event')
    .select(['status', 'event_timestamp', 'webhook_type'])
    .where('session_id', '=', sessionId)
    .where('status', 'is not', null)
    .orderBy('event_timestamp')
    .orderBy('id')
    .execute();
}

/**
 * The same end user's other sessions, newest first: same `vendor_data_hash` (which outlives
 * `vendor_data` once retention removed it), or the same `vendor_data` on rows the worker has not
 * hashed yet (stored before the hash existed).
 */
export function listOtherSessions(
  db: Database,
  session: { id: string; vendor_data: string | null; vendor_data_hash: string | null },
  limit = 20,
) {
  const hash = session.vendor_data_hash ?? vendorDataHash(session.vendor_data);
  if (!hash) return Promise.resolve([]);
  return db
    .selectFrom('verification_session')
    .leftJoin('workflow', 'workflow.id', 'verification_session.workflow_id')
    .select([
      'verification_session.id',
      'verification_session.status',
      'workflow.label as workflow_label',
      'verification_session.didit_created_at',
      'verification_session.first_seen_at',
      'verification_session.decided_at',
      'verification_session.decision_source',
      'verification_session.liveness_score',
      'verification_session.face_match_score',
    ])
    .where((eb) =>
      eb.or([
        eb('verification_session.vendor_data_hash', '=', hash),
        ...(session.vendor_data ? [eb('verification_session.vendor_data', '=', session.vendor_data)] : []),
      ]),
    )
    .where('verification_session.id', '<>', session.id)
    .orderBy(sql`coalesce(verification_session.didit_created_at, verification_session.first_seen_at)`, 'desc')
    .limit(limit)
    .execute();
}

/** When Didit scored the session: its decision, else its entry into review, else now. */
export function scoredAt(session: { decided_at: Date | null; in_review_since: Date | null }): Date {
  return session.decided_at ?? session.in_review_since ?? new Date();
}

/**
 * The threshold version the session was scored under: the one recorded on it, else the latest
 * applied before Didit scored it (a session in review keeps the version it entered review under).
 */
export function findThresholdVersionInForce(
  db: Database,
  session: {
    threshold_version_id: number | null;
    workflow_id: string | null;
    decided_at: Date | null;
    in_review_since: Date | null;
  },
) {
  if (session.threshold_version_id !== null) {
    return db.selectFrom('threshold_version').selectAll().where('id', '=', session.threshold_version_id).executeTakeFirst();
  }
  return latestAppliedAt(db, session.workflow_id, scoredAt(session));
}

/** The applied version nearest `at`: the last one at or before it, or the first one after it. */
function appliedNear(db: Database, workflowId: string | null, at: Date, side: 'at or before' | 'after') {
  if (!workflowId) return Promise.resolve(undefined);
  return db
    .selectFrom('threshold_version')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('state', '=', 'applied')
    .where('applied_at', side === 'after' ? '>' : '<=', at)
    .orderBy('applied_at', side === 'after' ? 'asc' : 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The first version applied after `at`: what it replaced is what was in force at `at`. */
export const firstAppliedAfter = (db: Database, workflowId: string | null, at: Date) => appliedNear(db, workflowId, at, 'after');

/** The latest version applied at or before `at` (now: the version in force today). */
export const latestAppliedAt = (db: Database, workflowId: string | null, at: Date) =>
  appliedNear(db, workflowId, at, 'at or before');

export async function enqueueDecisionPush(
  trx: Transaction<DB>,
  reviewEventId: number,
  sessionId: string,
  /** Not before this (the decision's undo window: Didit hears nothing while it can be undone). */
  runAt?: Date | null,
  /** A resubmission's email to the user (kept in the job's payload only). */
  email?: { address: string; language?: string | undefined },
): Promise<void> {
  // Transactional outbox: the job exists if and only if the decision committed.
  await enqueue(
    trx,
    jobs.pushReviewDecision,
    { reviewEventId, ...(email ? { email } : {}) },
    { jobKey: decisionPushKey(sessionId), ...(runAt ? { runAt } : {}) },
  );
}
