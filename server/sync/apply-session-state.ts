import { sql, type Selectable, type Transaction } from 'kysely';
import type { DB, DecisionSource, VerificationSessionTable } from '../db/schema.ts';
import type { SessionSnapshot } from '../vendors/didit/adapt.ts';
import { sessionStatusSchema, type SessionStatus } from '../contract/review.ts';
import { vendorDataHash } from '../privacy/pseudonym.ts';
import { isErased } from '../privacy/tombstone.ts';
import { recordReviewStay } from './review-intervals.ts';

/**
 * The one place Didit's truth lands in `verification_session`: webhooks, reconciliation repairs
 * and media refreshes all come through `applySessionState`, inside a transaction that holds the
 * session's lock. An event older than what the row already reflects never moves it backwards.
 */

export interface IncomingSessionState {
  sessionId: string;
  status: string;
  /**
   * When Didit's state was this: the webhook's `timestamp`, or when a decision fetch was sent
   * (the state read is at least that new).
   */
  eventAt: Date;
  source: 'webhook' | 'fetch';
  /** Decision-derived fields; null for events that carry no decision (Not Started, In Progress). */
  snapshot: SessionSnapshot | null;
  workflowId?: string | null;
  vendorData?: string | null;
  diditCreatedAt?: Date | null;
}

/**
 * `applied`: the row now reflects the incoming state. `stale`: the row already reflects newer
 * state. `conflict`: same event second, same lifecycle rank, different status — only a fresh
 * decision fetch can say which is current.
 */
export type ApplyOutcome = 'applied' | 'stale' | 'conflict';

/**
 * Lifecycle rank, used only to order two statuses reported for the same second. Keyed by the
 * contract's status list, so a status is ranked exactly when the console accepts it.
 */
const statusRank: Readonly<Record<SessionStatus, number>> = {
  'Not Started': 0,
  Resubmitted: 1,
  'In Progress': 2,
  'Awaiting User': 2,
  'In Review': 3,
  Approved: 4,
  Declined: 4,
  Abandoned: 4,
  Expired: 4,
  'Kyc Expired': 5,
};

function rankOf(status: string): number {
  const known = sessionStatusSchema.safeParse(status);
  return known.success ? statusRank[known.data] : 3;
}

/** Statuses that count as a decision on the session (`decided_at`, decision source). */
export const DECIDED_STATUSES: ReadonlySet<string> = new Set(['Approved', 'Declined']);

/** Statuses whose `status.updated` carries the decision (docs/didit-contract.md §13); a webhook without it is completed by a fetch. */
export const DECISION_BEARING_STATUSES: ReadonlySet<string> = new Set([
  'Approved',
  'Declined',
  'In Review',
  'Abandoned',
  'Expired',
  'Kyc Expired',
]);

/** Advisory-lock namespace for per-session sync work (inbox rows, repairs, media refreshes). */
const SESSION_LOCK_NAMESPACE = 7302;

/**
 * Serialises sync work on one session across connections and replicas, and locks the session
 * row itself when it exists so it also waits for (and holds off) reviewers' row locks.
 */
export async function lockSessionForSync(trx: Transaction<DB>, sessionId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${SESSION_LOCK_NAMESPACE}, hashtext(${sessionId}))`.execute(trx);
}

export async function applySessionState(trx: Transaction<DB>, incoming: IncomingSessionState): Promise<ApplyOutcome> {
  await lockSessionForSync(trx, incoming.sessionId);
  // An erased person's session stays erased: a late delivery or read is older than the erasure.
  if (await isErased(trx, incoming.sessionId)) return 'stale';
  const current = await trx
    .selectFrom('verification_session')
    .selectAll()
    .where('id', '=', incoming.sessionId)
    .forUpdate()
    .executeTakeFirst();

  if (current?.event_at) {
    const known = current.event_at.getTime();
    const at = incoming.eventAt.getTime();
    if (at < known) return 'stale';
    if (at === known && incoming.status !== current.status) {
      const difference = rankOf(incoming.status) - rankOf(current.status);
      if (difference < 0) return 'stale';
      if (difference === 0 && incoming.source === 'webhook') return 'conflict';
    }
  }

  const snapshot = incoming.snapshot;
  const status = incoming.status;
  const workflowId = snapshot?.workflowId ?? incoming.workflowId ?? current?.workflow_id ?? null;
  if (workflowId) {
    // Sessions reference workflows; the workflows issue fills in their details.
    await trx
      .insertInto('workflow')
      .values({ id: workflowId })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  const stillInReview = current?.status === 'In Review' && status === 'In Review';
  const inReviewSince =
    status === 'In Review' ? (stillInReview ? (current?.in_review_since ?? incoming.eventAt) : incoming.eventAt) : null;

  const decided = DECIDED_STATUSES.has(status);
  const sameDecision = decided && current?.status === status && current.decided_at !== null;
  const decidedAt = decided ? (sameDecision ? current.decided_at : (decisionTime(snapshot, status) ?? incoming.eventAt)) : null;
  const decisionSource = decided
    ? sameDecision && current.decision_source
      ? current.decision_source
      : await decisionSourceOf(trx, incoming.sessionId, status, snapshot)
    : null;
  const thresholdVersionId =
    decided && decidedAt && workflowId
      ? sameDecision
        ? current.threshold_version_id
        : await thresholdVersionInForce(trx, workflowId, decidedAt)
      : null;

  const eventAt = current?.event_at && current.event_at > incoming.eventAt ? current.event_at : incoming.eventAt;
  const vendorData = snapshot?.vendorData ?? incoming.vendorData ?? current?.vendor_data ?? null;
  // Personal data arriving again (Didit decided anew after retention removed it) is held anew.
  const holdsPersonalDataAgain = Boolean(snapshot || incoming.vendorData) && current?.personal_data_removed_at;
  const fields = {
    session_number: snapshot?.sessionNumber ?? current?.session_number ?? null,
    workflow_id: workflowId,
    vendor_data: vendorData,
    vendor_data_hash: vendorData !== null ? vendorDataHash(vendorData) : (current?.vendor_data_hash ?? null),
    ...(holdsPersonalDataAgain ? { personal_data_removed_at: null, personal_data_removal: null } : {}),
    status,
    event_at: eventAt,
    didit_created_at: snapshot?.diditCreatedAt ?? incoming.diditCreatedAt ?? current?.didit_created_at ?? null,
    in_review_since: inReviewSince,
    decided_at: decidedAt,
    decision_source: decisionSource,
    threshold_version_id: thresholdVersionId,
    // Back in review after a decision (e.g. resubmitted): a fresh case, nothing on its way to Didit.
    ...(status === 'In Review' && !stillInReview ? { review_push_state: null, review_push_error: null } : {}),
    // Out of review: nobody works on it any more.
    ...(status !== 'In Review' ? { claimed_by: null, claimed_at: null, claim_touched_at: null } : {}),
    // Decided at Didit while a decision here waited for a second analyst: nothing is held any more.
    ...(status !== 'In Review' && current?.review_push_state === 'held' ? { review_push_state: null } : {}),
    updated_at: new Date(),
    ...(snapshot
      ? {
          liveness_status: snapshot.livenessStatus,
          face_match_status: snapshot.faceMatchStatus,
          liveness_score: snapshot.livenessScore,
          face_match_score: snapshot.faceMatchScore,
          liveness_method: snapshot.livenessMethod,
          // Stored as adapted (`SessionWarning`), the shape the session page reads back.
          warnings: JSON.stringify(snapshot.warnings),
          warning_codes: [...new Set(snapshot.warnings.map((w) => w.risk))],
          // Scores out of range arrive as null with their problem named here (and in `warnings`).
          data_problems: snapshot.dataProblems,
          decision: JSON.stringify(snapshot.decision),
          media: JSON.stringify(snapshot.media),
          media_expires_at: snapshot.mediaExpiresAt,
        }
      : {}),
  };

  if (current) {
    await trx
      .updateTable('verification_session')
      // The version guards an analyst's decision: it moves only when what they judged moves, not
      // for fresh media links or a delivery of what we already hold.
      .set({ ...fields, ...(judgedChange(current, fields) ? { version: sql<number>`version + 1` } : {}) })
      .where('id', '=', incoming.sessionId)
      .execute();
  } else {
    await trx
      .insertInto('verification_session')
      .values({ id: incoming.sessionId, warnings: '[]', media: '{}', ...fields })
      .execute();
  }
  if (status !== 'In Review' && current?.review_push_state === 'held') await overtakeHeldDecision(trx, incoming.sessionId);
  await recordReviewStay(trx, {
    sessionId: incoming.sessionId,
    workflowId,
    workflowLearnt: workflowId !== null && !current?.workflow_id,
    before: current?.status ?? null,
    after: status,
    at: inReviewSince ?? incoming.eventAt,
  });
  return 'applied';
}

/**
 * Didit decided a session whose decision here was held for four eyes (ADR 0021): that decision
 * never leaves (no longer held, never pushed) and its second review is overtaken.
 */
async function overtakeHeldDecision(trx: Transaction<DB>, sessionId: string): Promise<void> {
  await trx
    .updateTable('review_event')
    .set({ push_state: null })
    .where('session_id', '=', sessionId)
    .where('push_state', '=', 'held')
    .execute();
  await trx
    .updateTable('second_review')
    .set({ state: 'overtaken' })
    .where('session_id', '=', sessionId)
    .where('purpose', '=', 'four_eyes')
    .where('state', 'in', ['open', 'disagreed'])
    .execute();
}

/** Keys sorted at every level, so jsonb's reordering does not read as a change. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Whether an update changes what an analyst judges the session by: its status and Didit's
 * decision (who decided, when), the per-feature statuses and scores, the liveness method, the
 * warnings, and who holds the claim. Media links, the raw decision JSON (which carries them) and
 * bookkeeping do not count.
 */
export function judgedChange(
  current: Selectable<VerificationSessionTable>,
  next: {
    status: string;
    decided_at: Date | null;
    decision_source: DecisionSource | null;
    claimed_by?: string | null;
    liveness_status?: string | null;
    face_match_status?: string | null;
    liveness_score?: number | null;
    face_match_score?: number | null;
    liveness_method?: string | null;
    warnings?: string;
  },
): boolean {
  const differs = <T>(a: T, b: T | undefined) => b !== undefined && a !== b;
  return (
    current.status !== next.status ||
    current.decision_source !== next.decision_source ||
    (current.decided_at?.getTime() ?? null) !== (next.decided_at?.getTime() ?? null) ||
    differs(current.claimed_by, next.claimed_by) ||
    differs(current.liveness_status, next.liveness_status) ||
    differs(current.face_match_status, next.face_match_status) ||
    differs(current.liveness_score, next.liveness_score) ||
    differs(current.face_match_score, next.face_match_score) ||
    differs(current.liveness_method, next.liveness_method) ||
    (next.warnings !== undefined && stable(current.warnings) !== stable(JSON.parse(next.warnings)))
  );
}

/** A manual decision's time, from the review that set it; automatic decisions have none. */
function decisionTime(snapshot: SessionSnapshot | null, status: string): Date | null {
  const reviews = snapshot?.reviews.filter((r) => r.newStatus === status && r.createdAt) ?? [];
  return reviews[reviews.length - 1]?.createdAt ?? null;
}

/**
 * Who decided: our own analysts (a review pushed from this console, i.e. by our API key, or a
 * pending/confirmed push recorded here), someone in Didit's own console (`outside`), or Didit's
 * automatic verdict (no manual review for this status).
 */
async function decisionSourceOf(
  trx: Transaction<DB>,
  sessionId: string,
  status: string,
  snapshot: SessionSnapshot | null,
): Promise<DecisionSource> {
  const kind = status === 'Approved' ? 'approve' : 'decline';
  const pushed = await trx
    .selectFrom('review_event')
    .select('id')
    .where('session_id', '=', sessionId)
    .where('kind', '=', kind)
    .where('push_state', 'in', ['pending', 'confirmed'])
    .limit(1)
    .executeTakeFirst();
  if (pushed) return 'console';
  const reviews = snapshot?.reviews.filter((r) => r.newStatus === status) ?? [];
  const last = reviews[reviews.length - 1];
  if (!last) return 'didit';
  // Didit names API-key actors "API Client"; only this console holds our key.
  return last.user === 'API Client' ? 'console' : 'outside';
}

async function thresholdVersionInForce(trx: Transaction<DB>, workflowId: string, at: Date): Promise<number | null> {
  const row = await trx
    .selectFrom('threshold_version')
    .select('id')
    .where('workflow_id', '=', workflowId)
    .where('applied_at', 'is not', null)
    .where('applied_at', '<=', at)
    .orderBy('applied_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}
