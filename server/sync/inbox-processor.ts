import { sql, type Kysely } from 'kysely';
import { ZodError } from 'zod';
import type { DB } from '../db/schema.ts';
import { isErased } from '../privacy/tombstone.ts';
import type { SessionSnapshot } from '../vendors/didit/adapt.ts';
import { DiditApiError } from '../vendors/didit/didit-error.ts';
import { sessionEventSchema } from '../vendors/didit/didit-schemas.ts';
import { enqueue, INBOX_SHARDS, jobs } from '../worker/jobs.ts';
import {
  applySessionState,
  DECISION_BEARING_STATUSES,
  type ApplyOutcome,
  type IncomingSessionState,
} from './apply-session-state.ts';
import type { SyncDeps } from './sync-deps.ts';

/**
 * Applies inbox rows to `verification_session`, per session, in event-time order. Each row is
 * applied in its own transaction (session locked) and marked processed in it. A row that fails
 * is retried with backoff (`next_attempt_at`), then parked with its error for a person to look
 * at and replay; other rows and other sessions carry on. A row about an erased session (ADR 0016)
 * is never applied: it is marked processed with its body removed.
 */

export const MAX_ROW_ATTEMPTS = 6;
const BASE_RETRY_MS = 10_000;
const MAX_RETRY_MS = 15 * 60_000;

export type RowOutcome = ApplyOutcome | 'retry' | 'parked' | 'skipped' | 'erased';

export interface InboxRunSummary {
  rows: number;
  outcomes: Partial<Record<RowOutcome, number>>;
}

export async function processSessionInbox(
  deps: SyncDeps,
  sessionId: string,
  options: { maxRows?: number } = {},
): Promise<InboxRunSummary> {
  const maxRows = options.maxRows ?? 500;
  const rows = await deps.db
    .selectFrom('webhook_event')
    .select('id')
    .where('session_id', '=', sessionId)
    .where('processed_at', 'is', null)
    .where('parked_at', 'is', null)
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', sql<Date>`now()`)]))
    .orderBy('event_timestamp')
    .orderBy('id')
    .limit(maxRows)
    .execute();
  const summary: InboxRunSummary = { rows: rows.length, outcomes: {} };
  for (const row of rows) {
    const outcome = await processInboxRow(deps, row.id);
    summary.outcomes[outcome] = (summary.outcomes[outcome] ?? 0) + 1;
  }
  if (rows.length === maxRows) await enqueue(deps.db, jobs.processSessionInbox, { sessionId });
  // Rows waiting for a retry: one delayed job (its own key, so it never delays a fresh wake-up).
  const next = await deps.db
    .selectFrom('webhook_event')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where('session_id', '=', sessionId)
    .where('processed_at', 'is', null)
    .where('parked_at', 'is', null)
    .where('next_attempt_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  if (next?.next) {
    await enqueue(deps.db, jobs.processSessionInbox, { sessionId }, { runAt: next.next, jobKey: `inbox-retry:${sessionId}` });
  }
  return summary;
}

/**
 * Applies the due rows of every session in one shard (see `INBOX_SHARDS`), session by session,
 * until none is left or the time budget is spent. Returns whether rows remain, so the task can
 * queue its own continuation instead of holding a worker slot indefinitely.
 */
export async function drainInboxShard(
  deps: SyncDeps,
  shard: number,
  options: { timeBudgetMs?: number } = {},
): Promise<'drained' | 'more'> {
  const deadline = Date.now() + (options.timeBudgetMs ?? 30_000);
  for (;;) {
    const sessions = await deps.db
      .selectFrom('webhook_event')
      .select('session_id')
      .distinct()
      .where('processed_at', 'is', null)
      .where('parked_at', 'is', null)
      .where('session_id', 'is not', null)
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', sql<Date>`now()`)]))
      .where(sql<boolean>`abs(hashtext(session_id::text)) % ${INBOX_SHARDS} = ${shard}`)
      .limit(100)
      .execute();
    if (sessions.length === 0) return 'drained';
    for (const { session_id: sessionId } of sessions) {
      if (Date.now() > deadline) return 'more';
      if (sessionId) await processSessionInbox(deps, sessionId);
    }
  }
}

/** Applies one inbox row; never throws for the row's own failure (it is recorded on the row). */
export async function processInboxRow(deps: SyncDeps, rowId: number): Promise<RowOutcome> {
  const row = await deps.db.selectFrom('webhook_event').selectAll().where('id', '=', rowId).executeTakeFirst();
  if (!row || row.processed_at || row.parked_at) return 'skipped';
  // Before anything else, Didit included: nothing about an erased person is read or stored again.
  if (row.session_id !== null && (await isErased(deps.db, row.session_id))) {
    await dropErasedRow(deps.db, rowId);
    deps.metrics.inboxRowsProcessed.inc({ outcome: 'erased' });
    return 'erased';
  }
  try {
    const incoming = await incomingFromRow(deps, row.payload, row.event_timestamp);
    let outcome = await applyAndMark(deps, rowId, incoming);
    if (outcome === 'conflict') {
      // Two statuses for one second: ask Didit which is current.
      const snapshot = await deps.didit.getDecision(incoming.sessionId);
      outcome = await applyAndMark(deps, rowId, fromFetchedSnapshot(snapshot));
    }
    deps.metrics.inboxRowsProcessed.inc({ outcome });
    return outcome;
  } catch (error) {
    const attempts = row.attempts + 1;
    const permanent = error instanceof ZodError || (error instanceof DiditApiError && isPermanent(error));
    const park = permanent || attempts >= MAX_ROW_ATTEMPTS;
    const delay = Math.min(MAX_RETRY_MS, BASE_RETRY_MS * 4 ** (attempts - 1)) * (0.75 + Math.random() * 0.5);
    await deps.db
      .updateTable('webhook_event')
      .set({
        attempts,
        last_error: describeError(error),
        next_attempt_at: park ? null : new Date(Date.now() + delay),
        parked_at: park ? new Date() : null,
      })
      .where('id', '=', rowId)
      .where('processed_at', 'is', null)
      .execute();
    const outcome = park ? 'parked' : 'retry';
    deps.metrics.inboxRowsProcessed.inc({ outcome });
    deps.logger[park ? 'error' : 'warn'](
      { webhookEventId: rowId, sessionId: row.session_id, attempts, error: describeError(error) },
      park ? 'inbox row parked' : 'inbox row failed; will retry',
    );
    return outcome;
  }
}

async function applyAndMark(
  deps: SyncDeps,
  rowId: number,
  incoming: IncomingSessionState,
): Promise<ApplyOutcome | 'skipped' | 'erased'> {
  return deps.db.transaction().execute(async (trx) => {
    const locked = await trx
      .selectFrom('webhook_event')
      .select('processed_at')
      .where('id', '=', rowId)
      .forUpdate()
      .executeTakeFirst();
    if (!locked || locked.processed_at) return 'skipped';
    // Erased since the row was read (the erasure waits for this lock, or went first).
    if (await isErased(trx, incoming.sessionId)) {
      await dropErasedRow(trx, rowId);
      return 'erased';
    }
    const outcome = await applySessionState(trx, incoming);
    if (outcome === 'conflict') return outcome;
    // A late delivery retention has already outlived: not applied, so its body must not stay either.
    const outlived = outcome === 'stale' && (await personalDataRemoved(trx, incoming.sessionId));
    await trx
      .updateTable('webhook_event')
      .set({
        processed_at: new Date(),
        attempts: sql<number>`attempts + 1`,
        last_error: null,
        next_attempt_at: null,
        ...(outlived ? { payload: '{}', raw_body: null, payload_removed_at: new Date() } : {}),
      })
      .where('id', '=', rowId)
      .execute();
    return outcome;
  });
}

/**
 * What a stored event says. A decision-bearing status without a decision body is completed
 * with a decision fetch; if Didit has moved on since, the fetched (newer) state is applied.
 */
async function incomingFromRow(deps: SyncDeps, payload: unknown, eventTimestamp: Date): Promise<IncomingSessionState> {
  const event = sessionEventSchema.parse(payload);
  const base = {
    sessionId: event.session_id,
    status: event.status,
    eventAt: eventTimestamp,
    source: 'webhook' as const,
    workflowId: event.workflow_id ?? null,
    vendorData: event.vendor_data ?? null,
    diditCreatedAt: event.created_at ? new Date(event.created_at * 1000) : null,
  };
  if (event.decision) {
    // Through the client: the same media-origin policy as a decision read.
    const snapshot = deps.didit.adaptDecision(
      { session_id: event.session_id, status: event.status, ...event.decision },
      { receivedAt: eventTimestamp },
    );
    return { ...base, snapshot };
  }
  if (!DECISION_BEARING_STATUSES.has(event.status)) return { ...base, snapshot: null };
  const fetched = await deps.didit.getDecision(event.session_id);
  return fetched.status === event.status ? { ...base, snapshot: fetched } : fromFetchedSnapshot(fetched);
}

async function personalDataRemoved(db: Kysely<DB>, sessionId: string): Promise<boolean> {
  const row = await db
    .selectFrom('verification_session')
    .select('personal_data_removed_at')
    .where('id', '=', sessionId)
    .executeTakeFirst();
  return Boolean(row?.personal_data_removed_at);
}

/** A delivery about an erased session: done, never applied, its body (the person's decision) gone. */
async function dropErasedRow(db: Kysely<DB>, rowId: number): Promise<void> {
  await db
    .updateTable('webhook_event')
    .set({
      payload: '{}',
      raw_body: null,
      payload_removed_at: sql<Date>`coalesce(payload_removed_at, now())`,
      processed_at: sql<Date>`coalesce(processed_at, now())`,
      next_attempt_at: null,
    })
    .where('id', '=', rowId)
    .execute();
}

export function fromFetchedSnapshot(snapshot: SessionSnapshot): IncomingSessionState {
  return {
    sessionId: snapshot.sessionId,
    status: snapshot.status,
    eventAt: snapshot.fetchedAt ?? new Date(),
    source: 'fetch',
    snapshot,
  };
}

/** Errors that retrying cannot fix: the session is gone, our key or request is refused. */
function isPermanent(error: DiditApiError): boolean {
  return error.code === 'not_found' || error.code === 'bad_request' || error.code === 'invalid_response';
}

/** Error text for the row: ours, never a body or URL. */
function describeError(error: unknown): string {
  if (error instanceof ZodError) {
    return `payload does not match the event schema: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`.slice(
      0,
      2000,
    );
  }
  if (error instanceof DiditApiError) return `${error.code}: ${error.message}`.slice(0, 2000);
  if (error instanceof Error) return error.message.slice(0, 2000);
  return String(error).slice(0, 2000);
}
