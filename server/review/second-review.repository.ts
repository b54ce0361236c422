import { sql, type SqlBool, type Transaction } from 'kysely';
import type { SecondReviewListQuery, SecondReviewSettings } from '../contract/second-review.ts';
import type { Database } from '../db/database.ts';
import type { DB, SecondReviewPurpose, SecondReviewTrigger, Verdict } from '../db/schema.ts';
import { vendorDataHash } from '../privacy/pseudonym.ts';
import { noSecondReview } from './second-review-rules.ts';

/** Kysely queries of second review and four eyes (second-review.ts). Functions that take row locks accept only a transaction. */

/** A workflow's second-review settings; none for a session without a synced workflow. */
export async function findSecondReviewSettings(db: Database, workflowId: string | null): Promise<SecondReviewSettings> {
  if (workflowId === null) return noSecondReview;
  const row = await db
    .selectFrom('workflow')
    .select(['second_review_percent', 'four_eyes_face_match_floor', 'four_eyes_decline_margin', 'four_eyes_repeat_attempts'])
    .where('id', '=', workflowId)
    .executeTakeFirst();
  return row ? toSettings(row) : noSecondReview;
}

export function toSettings(row: {
  second_review_percent: number;
  four_eyes_face_match_floor: number | null;
  four_eyes_decline_margin: number | null;
  four_eyes_repeat_attempts: boolean;
}): SecondReviewSettings {
  return {
    sharePercent: row.second_review_percent,
    faceMatchFloor: row.four_eyes_face_match_floor,
    declineMargin: row.four_eyes_decline_margin,
    repeatAttempts: row.four_eyes_repeat_attempts,
  };
}

/**
 * The user's sessions created in the 24 hours up to this one's creation, this one included: same
 * `vendor_data` (by its keyed hash, which outlives it). 1 when the session names no user.
 */
export async function countAttemptsWithinDay(
  db: Database,
  session: {
    id: string;
    vendor_data: string | null;
    vendor_data_hash: string | null;
    didit_created_at: Date | null;
    first_seen_at: Date;
  },
): Promise<number> {
  const hash = session.vendor_data_hash ?? vendorDataHash(session.vendor_data);
  if (!hash) return 1;
  const createdAt = session.didit_created_at ?? session.first_seen_at;
  const row = await db
    .selectFrom('verification_session')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where((eb) =>
      eb.or([eb('vendor_data_hash', '=', hash), ...(session.vendor_data ? [eb('vendor_data', '=', session.vendor_data)] : [])]),
    )
    .where(
      sql<SqlBool>`coalesce(didit_created_at, first_seen_at) between ${createdAt}::timestamptz - interval '24 hours' and ${createdAt}`,
    )
    .executeTakeFirstOrThrow();
  // The session itself counts even when its own timestamps put it at the edge.
  return Math.max(1, Number(row.count));
}

export interface SecondReviewInsert {
  sessionId: string;
  workflowId: string | null;
  purpose: SecondReviewPurpose;
  triggers: SecondReviewTrigger[];
  decisionEventId: number;
  firstActorId: string;
  firstVerdict: Verdict;
  warningCodes: string[];
}

export async function insertSecondReview(trx: Transaction<DB>, review: SecondReviewInsert): Promise<number> {
  const row = await trx
    .insertInto('second_review')
    .values({
      session_id: review.sessionId,
      workflow_id: review.workflowId,
      purpose: review.purpose,
      triggers: JSON.stringify(review.triggers),
      decision_event_id: review.decisionEventId,
      first_actor_id: review.firstActorId,
      first_verdict: review.firstVerdict,
      warning_codes: review.warningCodes,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The review with its decision event, locked for the rest of the transaction. */
export function lockSecondReview(trx: Transaction<DB>, id: number, sessionId: string) {
  return trx
    .selectFrom('second_review')
    .innerJoin('review_event as decision', 'decision.id', 'second_review.decision_event_id')
    .selectAll('second_review')
    .select([
      'decision.actor_label as first_actor_label',
      'decision.push_state as decision_push_state',
      'decision.undone_at as decision_undone_at',
      'decision.undo_until as decision_undo_until',
    ])
    .where('second_review.id', '=', id)
    .where('second_review.session_id', '=', sessionId)
    .forUpdate('second_review')
    .executeTakeFirst();
}

export type LockedSecondReview = NonNullable<Awaited<ReturnType<typeof lockSecondReview>>>;

/** The second review the session page shows: the latest one that is not withdrawn. */
export function findSessionSecondReview(db: Database, sessionId: string) {
  return db
    .selectFrom('second_review')
    .innerJoin('review_event as decision', 'decision.id', 'second_review.decision_event_id')
    .leftJoin('review_event as second', 'second.id', 'second_review.second_event_id')
    .leftJoin('review_event as resolve', 'resolve.id', 'second_review.resolve_event_id')
    .selectAll('second_review')
    .select([
      'decision.actor_label as first_label',
      'decision.reason_code as first_reason',
      'decision.note as first_note',
      'decision.created_at as first_at',
      'decision.undo_until as decision_undo_until',
      'decision.from_status as first_from_status',
      'second.actor_label as second_label',
      'second.reason_code as second_reason',
      'second.note as second_note',
      'resolve.actor_label as resolve_label',
      'resolve.reason_code as resolve_reason',
      'resolve.note as resolve_note',
    ])
    .where('second_review.session_id', '=', sessionId)
    .where('second_review.state', 'not in', ['withdrawn'])
    .orderBy('second_review.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export type SessionSecondReviewRow = NonNullable<Awaited<ReturnType<typeof findSessionSecondReview>>>;

/**
 * An open review is ready for a second analyst once its decision can no longer be undone: a
 * quality review after the decision's undo window, a four-eyes one at once (held, it waits for them).
 */
const readyForSecond = sql<SqlBool>`(second_review.purpose = 'four_eyes' or decision.undo_until is null or decision.undo_until <= now())`;

/**
 * One page of the open reviews `actorId` may answer (not their own decisions), or of the
 * disagreements; oldest first by id (the order they were asked for), after `query.cursor`. One row
 * more than the page is read: it says whether there is a next page. `total` counts every page.
 */
export async function listSecondReviews(db: Database, query: SecondReviewListQuery, actorId: string | null) {
  let base = db
    .selectFrom('second_review')
    .innerJoin('review_event as decision', 'decision.id', 'second_review.decision_event_id')
    .innerJoin('verification_session as session', 'session.id', 'second_review.session_id')
    .where('second_review.state', '=', query.state);
  if (query.state === 'open') {
    base = base.where(readyForSecond).where(
      // A four-eyes review is answered while its decision is held; Didit deciding meanwhile overtakes it.
      sql<SqlBool>`(second_review.purpose = 'quality' or session.review_push_state = 'held')`,
    );
    if (actorId !== null) base = base.where('second_review.first_actor_id', '<>', actorId);
  }
  if (query.workflow) base = base.where('second_review.workflow_id', '=', query.workflow);
  const after = query.cursor === undefined ? null : Number(query.cursor);
  const [rows, count] = await Promise.all([
    base
      .$if(after !== null, (qb) => qb.where('second_review.id', '>', after ?? 0))
      .leftJoin('workflow', 'workflow.id', 'second_review.workflow_id')
      .leftJoin('review_event as second', 'second.id', 'second_review.second_event_id')
      .select([
        'second_review.id',
        'second_review.session_id',
        'second_review.workflow_id',
        'second_review.purpose',
        'second_review.triggers',
        'second_review.first_verdict',
        'second_review.second_verdict',
        'second_review.created_at',
        'decision.actor_label as first_label',
        'decision.from_status',
        'second.actor_label as second_label',
        'workflow.label as workflow_label',
        'session.session_number',
        'session.liveness_score',
        'session.face_match_score',
        'session.warning_codes',
      ])
      .orderBy('second_review.id')
      .limit(query.limit + 1)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
  ]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    rows: page,
    total: Number(count.count),
    nextCursor: rows.length > query.limit && last ? String(last.id) : null,
  };
}

/** The state of the review of `decisionEventId`, if it has one (locked: undo decides on it). */
export async function lockSecondReviewOf(trx: Transaction<DB>, decisionEventId: number) {
  return trx
    .selectFrom('second_review')
    .select(['id', 'state'])
    .where('decision_event_id', '=', decisionEventId)
    .forUpdate()
    .executeTakeFirst();
}

/** Open reviews of `decisionEventId` are withdrawn with it (its decision was undone or replaced). */
export async function withdrawSecondReviewOf(trx: Transaction<DB>, decisionEventId: number): Promise<number | null> {
  const row = await trx
    .updateTable('second_review')
    .set({ state: 'withdrawn' })
    .where('decision_event_id', '=', decisionEventId)
    .where('state', 'in', ['open', 'agreed', 'disagreed'])
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Records the second analyst's verdict. */
export async function recordSecondVerdict(
  trx: Transaction<DB>,
  id: number,
  answer: { actorId: string; verdict: Verdict; eventId: number; agreed: boolean; at: Date },
): Promise<void> {
  await trx
    .updateTable('second_review')
    .set({
      state: answer.agreed ? 'agreed' : 'disagreed',
      second_actor_id: answer.actorId,
      second_verdict: answer.verdict,
      second_event_id: answer.eventId,
      answered_at: answer.at,
    })
    .where('id', '=', id)
    .execute();
}

/** A lead settled the disagreement with `resolution`. */
export async function recordResolution(
  trx: Transaction<DB>,
  id: number,
  resolution: { actorId: string | null; verdict: Verdict; eventId: number; at: Date },
): Promise<void> {
  await trx
    .updateTable('second_review')
    .set({
      state: 'resolved',
      resolved_by: resolution.actorId,
      resolution: resolution.verdict,
      resolve_event_id: resolution.eventId,
      resolved_at: resolution.at,
    })
    .where('id', '=', id)
    .execute();
}

/** Marks a review Didit overtook (it decided the session while the decision was held). */
export async function markOvertaken(trx: Transaction<DB>, id: number): Promise<void> {
  await trx.updateTable('second_review').set({ state: 'overtaken' }).where('id', '=', id).execute();
}

/** A held decision goes on its way: the event and the session pending, no longer undoable (a second analyst confirmed it). */
export async function releaseHeldDecision(trx: Transaction<DB>, sessionId: string, reviewEventId: number): Promise<void> {
  await trx
    .updateTable('review_event')
    .set({ push_state: 'pending', undo_until: null })
    .where('id', '=', reviewEventId)
    .execute();
  await trx
    .updateTable('verification_session')
    .set((eb) => ({ review_push_state: 'pending', version: eb('version', '+', 1), updated_at: sql<Date>`now()` }))
    .where('id', '=', sessionId)
    .execute();
}

/** Changes a workflow's second-review settings; returns the settings before and after, or undefined for an unknown workflow. */
export async function updateSecondReviewSettings(trx: Transaction<DB>, workflowId: string, settings: SecondReviewSettings) {
  const before = await trx
    .selectFrom('workflow')
    .select(['second_review_percent', 'four_eyes_face_match_floor', 'four_eyes_decline_margin', 'four_eyes_repeat_attempts'])
    .where('id', '=', workflowId)
    .forUpdate()
    .executeTakeFirst();
  if (!before) return undefined;
  const after = await trx
    .updateTable('workflow')
    .set({
      second_review_percent: settings.sharePercent,
      four_eyes_face_match_floor: settings.faceMatchFloor,
      four_eyes_decline_margin: settings.declineMargin,
      four_eyes_repeat_attempts: settings.repeatAttempts,
      updated_at: new Date(),
    })
    .where('id', '=', workflowId)
    .returning(['id', 'label'])
    .executeTakeFirstOrThrow();
  return { before: toSettings(before), after: settings, workflow: after };
}
