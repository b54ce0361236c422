import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type ExpressionWrapper,
  type RawBuilder,
  type SqlBool,
  type Transaction,
} from 'kysely';
import { encodeQueueCursor, queueCursorSchema, type QueueCursor } from '../contract/queue-cursor.ts';
import { effectiveDirection, type QueueQuery, type QueueSort } from '../contract/review.ts';
import type { Database } from '../db/database.ts';
import type { DB, ReviewPushState } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { vendorDataHash } from '../privacy/pseudonym.ts';

/**
 * The queue's SQL: filters, three sort orders, keyset pagination. Each sort expression matches
 * a partial index over the In Review rows (migration 20261125T030000), and the id breaks ties,
 * so a page boundary stays put while webhooks insert or update rows.
 *
 * Paging goes both ways with one kind of cursor, a position (sort value, id) in the view's order:
 * `cursor=` asks for the page after it, `before=` for the page before it, read through the same
 * index in the other direction and turned back. Chosen over a stack of visited cursors in the URL:
 * the URL stays one cursor long however deep the analyst pages, any page's link works on its own,
 * and "previous" is computed from the rows as they are now, like "next" (a stack would replay
 * boundaries from when the pages were first visited).
 */

type Scope = ExpressionBuilder<DB, 'verification_session'>;

const sortExpressions: Record<QueueSort, { expr: RawBuilder<unknown>; cast: RawBuilder<unknown> }> = {
  age: { expr: sql`coalesce(verification_session.in_review_since, verification_session.first_seen_at)`, cast: sql`timestamptz` },
  liveness: { expr: sql`coalesce(verification_session.liveness_score, -1)`, cast: sql`float8` },
  face_match: { expr: sql`coalesce(verification_session.face_match_score, -1)`, cast: sql`float8` },
};

export type { QueueCursor };

export function encodeCursor(cursor: QueueCursor): string {
  return encodeQueueCursor(cursor);
}

/**
 * The position a `cursor=` or `before=` names, for this sort order. A token that is not one this
 * API made (not base64url JSON, a value Postgres would not cast, an id that is no Didit id) or
 * that belongs to another sort order is a 400 naming the parameter, before any SQL runs.
 */
export function decodeCursor(
  raw: string,
  sort: QueueSort,
  dir: 'asc' | 'desc',
  param: 'cursor' | 'before' = 'cursor',
): QueueCursor {
  const parsed = queueCursorSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError(400, 'validation_failed', 'The page cursor is not one this console made; start from the first page.', {
      issues: [{ path: param, message: 'not a cursor from this API' }],
    });
  }
  if (parsed.data.sort !== sort || parsed.data.dir !== dir) {
    throw new AppError(
      400,
      'validation_failed',
      'The page cursor does not belong to this sort order; start from the first page.',
      {
        issues: [{ path: param, message: 'belongs to another sort order' }],
      },
    );
  }
  return parsed.data;
}

export interface QueueScope {
  /** The app_user id of the person asking (for `assignee=me`). */
  actorId: string | null;
  claimIdleMinutes: number;
}

export function activeClaim(eb: Scope, claimIdleMinutes: number): ExpressionWrapper<DB, 'verification_session', SqlBool> {
  return eb.and([
    eb('verification_session.claimed_by', 'is not', null),
    eb('verification_session.claim_touched_at', '>', sql<Date>`now() - make_interval(mins => ${claimIdleMinutes})`),
  ]);
}

/** Every filter of the queue query except the cursor, as one WHERE expression. */
export function queueFilter(eb: Scope, query: QueueQuery, scope: QueueScope): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [eb('verification_session.status', '=', query.status)];
  if (query.status === 'In Review') {
    // Decided here and on its way to Didit (or confirmed, webhook not in yet): no longer waiting
    // for anyone. A push Didit refused stays in the queue, it needs attention. Written exactly as
    // the queue indexes' predicate (migration 20261125T030000) so the planner can use them.
    conditions.push(
      sql<SqlBool>`(verification_session.review_push_state is null or verification_session.review_push_state = 'failed')`,
    );
    // An erased person's session has nothing left to judge, here or at Didit (ADR 0016).
    conditions.push(sql<SqlBool>`verification_session.personal_data_removal is distinct from 'erasure'`);
    // Escalated to the leads (issue 20): out of the analysts' queue, the whole of the Escalated view.
    if (query.escalated === 'exclude') conditions.push(sql<SqlBool>`verification_session.escalated_at is null`);
    if (query.escalated === 'only') conditions.push(sql<SqlBool>`verification_session.escalated_at is not null`);
  }
  if (query.workflow) conditions.push(eb('verification_session.workflow_id', '=', query.workflow));
  if (query.method) conditions.push(eb(sql`upper(verification_session.liveness_method)`, '=', query.method));
  if (query.warning.length > 0) conditions.push(eb(sql`verification_session.warning_codes`, '&&', sql`${query.warning}::text[]`));
  if (query.livenessMin !== undefined) conditions.push(eb('verification_session.liveness_score', '>=', query.livenessMin));
  if (query.livenessMax !== undefined) conditions.push(eb('verification_session.liveness_score', '<=', query.livenessMax));
  if (query.faceMatchMin !== undefined) conditions.push(eb('verification_session.face_match_score', '>=', query.faceMatchMin));
  if (query.faceMatchMax !== undefined) conditions.push(eb('verification_session.face_match_score', '<=', query.faceMatchMax));
  if (query.minAgeMinutes !== undefined) {
    conditions.push(eb(sortExpressions.age.expr, '<=', sql`now() - make_interval(mins => ${query.minAgeMinutes})`));
  }
  if (query.q) {
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // The exact id finds a person's sessions after retention removed vendor_data too (its keyed hash stays).
    conditions.push(
      eb.or([
        eb('verification_session.vendor_data', 'ilike', pattern),
        eb('verification_session.vendor_data_hash', '=', vendorDataHash(query.q)),
      ]),
    );
  }
  if (query.assignee === 'me') {
    const me = scope.actorId ?? '00000000-0000-0000-0000-000000000000';
    // Mine: what I hold, and what is assigned to me that nobody else holds (ADR 0020).
    conditions.push(
      eb.or([
        eb.and([eb('verification_session.claimed_by', '=', me), activeClaim(eb, scope.claimIdleMinutes)]),
        eb.and([
          eb('verification_session.assigned_to', '=', me),
          eb.or([eb('verification_session.claimed_by', 'is', null), eb.not(activeClaim(eb, scope.claimIdleMinutes))]),
        ]),
      ]),
    );
  } else if (query.assignee === 'unassigned') {
    conditions.push(eb.not(activeClaim(eb, scope.claimIdleMinutes)));
  }
  return eb.and(conditions);
}

/** The order rows are read in: the view's order, or its reverse for the page before a position. */
function readDirectionOf(query: QueueQuery): 'asc' | 'desc' {
  const dir = effectiveDirection(query);
  if (query.before === undefined) return dir;
  return dir === 'asc' ? 'desc' : 'asc';
}

export interface QueueRow {
  id: string;
  session_number: number | null;
  vendor_data: string | null;
  status: string;
  workflow_id: string | null;
  workflow_label: string | null;
  sla_minutes: number | null;
  has_face_match: boolean | null;
  in_review_since: Date | null;
  liveness_score: number | null;
  liveness_method: string | null;
  face_match_score: number | null;
  warning_codes: string[];
  claimed_by: string | null;
  claimer_label: string | null;
  claimed_at: Date | null;
  claim_touched_at: Date | null;
  claim_active: boolean;
  review_push_state: ReviewPushState | null;
  version: number;
  decided_at: Date | null;
  /** The escalation in force (issue 20): when, who, and the note of its review event. */
  escalated_at: Date | null;
  escalated_by_label: string | null;
  escalation_note: string | null;
  /** Assigned to take first (ADR 0020); optional so the session page's row may leave the label out. */
  assigned_to?: string | null;
  assigned_at?: Date | null;
  assignee_label?: string | null;
  sort_value: string;
}

/**
 * The page query, unexecuted (the benchmark compiles it to run the same SQL without the app).
 * The inner query reads only columns the queue indexes cover, so it is an index-only scan that
 * stops after `limit + 1` matches; the outer query fetches the full rows of that page alone.
 * With `before`, both read in the reverse order (nearest the position first); `listQueue` turns
 * the page back.
 */
export function buildQueuePageQuery(db: Database, query: QueueQuery, scope: QueueScope) {
  const readDir = readDirectionOf(query);
  const { expr, cast } = sortExpressions[query.sort];
  const cursor =
    query.before !== undefined
      ? decodeCursor(query.before, query.sort, effectiveDirection(query), 'before')
      : query.cursor !== undefined
        ? decodeCursor(query.cursor, query.sort, effectiveDirection(query), 'cursor')
        : undefined;
  const page = db
    .selectFrom('verification_session')
    .select('verification_session.id')
    .where((eb) => queueFilter(eb, query, scope))
    .$if(cursor !== undefined, (qb) =>
      qb.where(
        sql<SqlBool>`(${expr}, verification_session.id) ${sql.raw(readDir === 'asc' ? '>' : '<')} (${cursor!.value}::${cast}, ${cursor!.id}::uuid)`,
      ),
    )
    .orderBy(expr, readDir)
    .orderBy('verification_session.id', readDir)
    .limit(query.limit + 1);
  return queueSelect(db, scope, query.sort)
    .innerJoin(page.as('page'), 'page.id', 'verification_session.id')
    .orderBy(expr, readDir)
    .orderBy('verification_session.id', readDir);
}

export interface QueuePageRows {
  rows: QueueRow[];
  /** The page after this one, or null at the end of the view. */
  nextCursor: string | null;
  /** The page before this one, or null on the first page. */
  prevCursor: string | null;
}

export async function listQueue(db: Database, query: QueueQuery, scope: QueueScope): Promise<QueuePageRows> {
  const backward = query.before !== undefined;
  const rows: QueueRow[] = await buildQueuePageQuery(db, query, scope).execute();
  const more = rows.length > query.limit;
  if (backward && !more) {
    // No more than a page left before the position: the page before it is the first page. Answer
    // that page itself (full, with whatever arrived at the top since) rather than a short one.
    return listQueue(db, { ...query, before: undefined, cursor: undefined }, scope);
  }
  const page = rows.slice(0, query.limit);
  if (backward) page.reverse();
  const dir = effectiveDirection(query);
  const at = (row: QueueRow | undefined) =>
    row ? encodeCursor({ sort: query.sort, dir, value: row.sort_value, id: row.id }) : null;
  if (backward) {
    // A page read backwards from a position has rows after it: at least the one at the position.
    return { rows: page, nextCursor: at(page.at(-1)), prevCursor: at(page[0]) };
  }
  return {
    rows: page,
    nextCursor: more ? at(page.at(-1)) : null,
    // After a position there were rows before this page. If the page came back empty (its rows
    // were decided meanwhile), the page before it is the one before the position itself.
    prevCursor: query.cursor === undefined ? null : (at(page[0]) ?? query.cursor),
  };
}

export function queueSelect(db: Database | Transaction<DB>, scope: QueueScope, sort: QueueSort = 'age') {
  return db
    .selectFrom('verification_session')
    .leftJoin('workflow', 'workflow.id', 'verification_session.workflow_id')
    .leftJoin('app_user as claimer', 'claimer.id', 'verification_session.claimed_by')
    .leftJoin('review_event as escalation', 'escalation.id', 'verification_session.escalation_event_id')
    .leftJoin('app_user as assignee', 'assignee.id', 'verification_session.assigned_to')
    .select((eb) => [
      'verification_session.id',
      'verification_session.session_number',
      'verification_session.vendor_data',
      'verification_session.status',
      'verification_session.workflow_id',
      'workflow.label as workflow_label',
      'workflow.sla_minutes',
      'workflow.has_face_match',
      'verification_session.in_review_since',
      'verification_session.liveness_score',
      'verification_session.liveness_method',
      'verification_session.face_match_score',
      // As JSON: node-postgres parses a text[] one character at a time (~60 KB of garbage for a
      // page of 50); JSON.parse does it natively.
      sql<string[]>`to_json(verification_session.warning_codes)`.as('warning_codes'),
      'verification_session.claimed_by',
      sql<string | null>`coalesce(claimer.email, claimer.display_name)`.as('claimer_label'),
      'verification_session.claimed_at',
      'verification_session.claim_touched_at',
      activeClaim(eb, scope.claimIdleMinutes).$castTo<boolean>().as('claim_active'),
      'verification_session.review_push_state',
      'verification_session.version',
      'verification_session.decided_at',
      'verification_session.escalated_at',
      'escalation.actor_label as escalated_by_label',
      'escalation.note as escalation_note',
      'verification_session.assigned_to',
      'verification_session.assigned_at',
      sql<string | null>`coalesce(assignee.email, assignee.display_name)`.as('assignee_label'),
      sql<string>`(${sortExpressions[sort].expr})::text`.as('sort_value'),
    ]);
}

/**
 * Locks the first session of the view in its order, skipping rows other transactions hold
 * (`FOR UPDATE SKIP LOCKED`): two analysts pressing "claim next" together get different sessions.
 */
export async function lockFirstInView(
  trx: Transaction<DB>,
  query: QueueQuery,
  scope: QueueScope,
  assignment?: 'mine' | 'takeable',
): Promise<string | undefined> {
  const dir = effectiveDirection(query);
  const me = scope.actorId ?? '00000000-0000-0000-0000-000000000000';
  const row = await trx
    .selectFrom('verification_session')
    .select('verification_session.id')
    .where((eb) => queueFilter(eb, query, scope))
    // Assignments (ADR 0020): only mine; or any but those assigned to someone else who is
    // available, until they pass the SLA due time recorded when they were assigned.
    .$if(assignment === 'mine', (qb) => qb.where('verification_session.assigned_to', '=', me))
    .$if(assignment === 'takeable', (qb) =>
      qb.where(
        sql<SqlBool>`(verification_session.assigned_to is null
          or verification_session.assigned_to = ${me}::uuid
          or verification_session.assignment_due_at <= now()
          or not exists (select 1 from analyst_availability a
                          where a.user_id = verification_session.assigned_to and a.available))`,
      ),
    )
    .orderBy(sortExpressions[query.sort].expr, dir)
    .orderBy('verification_session.id', dir)
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row?.id;
}

/** Matching sessions, counted up to `cap` so a broad filter never scans the whole table. */
export function buildQueueCountQuery(db: Database, query: QueueQuery, scope: QueueScope, cap: number) {
  return db
    .selectFrom((qb) =>
      qb
        .selectFrom('verification_session')
        .select(sql`1`.as('one'))
        .where((eb) => queueFilter(eb, query, scope))
        .limit(cap + 1)
        .as('matching'),
    )
    .select((eb) => eb.fn.countAll<number>().as('total'));
}

export async function countQueue(
  db: Database,
  query: QueueQuery,
  scope: QueueScope,
  cap: number,
): Promise<{ total: number; capped: boolean }> {
  const result = await buildQueueCountQuery(db, query, scope, cap).executeTakeFirstOrThrow();
  return { total: Math.min(result.total, cap), capped: result.total > cap };
}
