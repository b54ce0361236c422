import { sql, type Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import { isDiditId } from '../contract/ids.ts';
import type { ErasureScope, ErasureStatus } from '../contract/privacy.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import type { Logger } from '../logger.ts';
import type { CallOptions, DiditClient } from '../vendors/didit/didit-client.ts';
import { lockSessionForSync } from '../sync/apply-session-state.ts';
import { DiditApiError } from '../vendors/didit/didit-error.ts';
import { enqueue, jobs } from '../worker/jobs.ts';
import {
  addErasureSessions,
  completeErasureRequest,
  confirmErasureSession,
  findErasureRequest,
  findLocalSessionsOfPerson,
  findOpenRequestBySubject,
  findOpenRequestForSession,
  insertErasureRequest,
  listErasureSessions,
  listPendingErasureSessions,
  lockErasureRequest,
  markDiditSearched,
  recordErasureAttemptFailed,
  reopenErasureRequest,
  setErasureRequestError,
  type ErasureRequestRow,
  type ErasureSessionRow,
} from './erasure.repository.ts';
import { removePersonalData, type RemovalCounts } from './personal-data.ts';
import { vendorDataHash } from './pseudonym.ts';

/**
 * A person's erasure, here and at Didit (issue 19, ADR 0016). `requestErasure` records a durable
 * request naming a reference (a ticket or DSAR number), never the person, and erases the local
 * copies at once, as retention does; `runErasure` (the `process_erasure` job, and the CLI inline)
 * searches Didit's list for the person's sessions the console never stored, then deletes each at
 * Didit until Didit confirms it gone. Both are idempotent: asking again, or running again after a
 * crash, carries on from where the request stands. The request's sessions are also a tombstone:
 * nothing Didit sends or answers later about them is stored (`tombstone.ts`).
 */

export interface ErasureDeps {
  db: Database;
  didit: DiditClient;
  logger: Logger;
}

/** Whom to erase: a person by their `vendor_data` (the CLI), or a session and its person, or that session alone. */
export type ErasureSubject = { vendorData: string } | { sessionId: string; scope: ErasureScope };

/** Who asked: a signed-in person or token (audited as the actor), or the CLI's operator (`actor: null`). */
export interface ErasureRequester {
  actor: Actor | null;
  label: string;
  origin?: RequestOrigin;
}

export interface ErasureRequested {
  requestId: number;
  /** An open request of the same subject and reference was resumed rather than a new one made. */
  resumed: boolean;
  /** What was removed locally now. */
  removed: RemovalCounts;
}

/** The largest page Didit's list serves; a person's sessions rarely need a second. */
const SEARCH_PAGE_SIZE = 100;
/** Pages at most per search (a Didit that ignored the filter would list every session). */
const SEARCH_MAX_PAGES = 1_000;

/**
 * Records (or resumes) the erasure of `subject` and erases the local copies of its known sessions
 * in the same transaction, audits it and queues the job that carries it to Didit. Asking again
 * for the same person while their request is open resumes it (sessions Didit refused are tried
 * again); with another reference it is refused (409), since one person has one open request.
 * The audit entry names the request, its reference and counts, never the person.
 */
export async function requestErasure(
  deps: ErasureDeps,
  subject: ErasureSubject,
  reference: string,
  requester: ErasureRequester,
  now: Date = new Date(),
): Promise<ErasureRequested> {
  return deps.db.transaction().execute(async (trx) => {
    const target = await resolveSubject(trx, subject);
    // Two admins asking at once make one request: requests about one subject take turns.
    await sql`select pg_advisory_xact_lock(hashtext(${`erasure:${target.subjectHash ?? target.sessionId ?? ''}`}))`.execute(trx);
    const open = target.subjectHash
      ? await findOpenRequestBySubject(trx, target.subjectHash)
      : await findOpenRequestForSession(trx, target.sessionId ?? '');
    if (open && open.reference !== reference) {
      throw new AppError(
        409,
        'conflict',
        `An erasure of this ${target.subjectHash ? 'person' : 'session'} is already under way as request ${open.id} (${open.reference}); run it again with that reference to resume it.`,
        { requestId: open.id, reference: open.reference },
      );
    }
    let request: ErasureRequestRow;
    if (open) {
      await reopenErasureRequest(trx, open.id, target.vendorData);
      request = open;
    } else {
      request = await insertErasureRequest(trx, {
        reference,
        subjectHash: target.subjectHash,
        vendorData: target.vendorData,
        requestedById: requester.actor?.id ?? null,
        requestedByLabel: requester.actor?.label ?? requester.label,
        now,
      });
    }
    const sessionIds = target.subjectHash
      ? await findLocalSessionsOfPerson(trx, target.subjectHash, target.vendorData)
      : [target.sessionId ?? ''];
    await lockForErasure(trx, sessionIds);
    await addErasureSessions(trx, request.id, sessionIds);
    const removed = await removePersonalData(trx, sessionIds, { reason: 'erasure', removeNotes: true, now });
    await appendAudit(trx, {
      actor: requester.actor,
      action: 'privacy.erasure_requested',
      targetType: 'erasure_request',
      targetId: String(request.id),
      ...requester.origin,
      details: {
        reference,
        scope: target.subjectHash ? 'person' : 'session',
        resumed: Boolean(open),
        ...(requester.actor ? {} : { requestedBy: requester.label }),
        sessionsKnown: sessionIds.length,
        removed,
      },
    });
    await enqueue(trx, jobs.processErasure, { requestId: request.id });
    return { requestId: request.id, resumed: Boolean(open), removed };
  });
}

interface ResolvedSubject {
  /** The person's keyed hash; null when one session is erased alone. */
  subjectHash: string | null;
  /** The plaintext, when known: Didit's list is searched with it. */
  vendorData: string | null;
  sessionId: string | null;
}

async function resolveSubject(trx: Transaction<DB>, subject: ErasureSubject): Promise<ResolvedSubject> {
  if ('vendorData' in subject) {
    return { subjectHash: vendorDataHash(subject.vendorData), vendorData: subject.vendorData, sessionId: null };
  }
  const session = await trx
    .selectFrom('verification_session')
    .select(['id', 'vendor_data', 'vendor_data_hash'])
    .where('id', '=', subject.sessionId)
    .executeTakeFirst();
  if (!session) throw new AppError(404, 'not_found', `No session ${subject.sessionId}.`);
  const subjectHash = session.vendor_data_hash ?? vendorDataHash(session.vendor_data);
  // A session without vendor_data has no person to link: it is erased alone whatever was asked.
  if (subject.scope === 'session' || subjectHash === null) return { subjectHash: null, vendorData: null, sessionId: session.id };
  return { subjectHash, vendorData: session.vendor_data, sessionId: session.id };
}

/** One step of a run, for the CLI's progress lines. Never carries the person's `vendor_data`. */
export type ErasureProgress =
  | { kind: 'searched'; listed: number; added: number }
  | { kind: 'confirmed'; sessionId: string; outcome: 'deleted' | 'gone' }
  | { kind: 'failed'; sessionId: string; error: string; refused: boolean };

export interface ErasureRunOptions {
  /** Options of each Didit call (the job waits briefly for the rate budget, then retries later). */
  call?: CallOptions;
  onProgress?: (progress: ErasureProgress) => void;
  /** The clock (tests move it). */
  now?: () => Date;
}

export interface ErasureRunResult {
  status: ErasureStatus;
  /** Calls that failed for now (Didit down, slow, rate-limiting): the job is retried for them. */
  transientFailures: number;
  /** The last of those failures, for the job's error. */
  lastError: string | null;
}

/**
 * Carries one request to Didit: searches Didit's list for the person's `vendor_data` (every page;
 * sessions found are added, erased locally if held, then the plaintext is dropped), deletes each
 * pending session (204 and 404 both confirm it gone), and completes the request once every session
 * is confirmed. A failure Didit may get over (5xx, timeout, 429) leaves the session pending and is
 * counted in `transientFailures` (the job throws, so graphile-worker retries it with backoff); any
 * other refusal (a 4xx, e.g. 409 `in_filed_report`) marks the session failed with Didit's answer.
 * Didit is never called inside a transaction.
 */
export async function runErasure(
  deps: ErasureDeps,
  requestId: number,
  options: ErasureRunOptions = {},
): Promise<ErasureRunResult> {
  const now = options.now ?? (() => new Date());
  const request = await findErasureRequest(deps.db, requestId);
  if (!request) throw new AppError(404, 'not_found', `No erasure request ${requestId}.`);
  let transientFailures = 0;
  let lastError: string | null = null;
  if (request.completed_at) return { status: await statusOrThrow(deps.db, requestId), transientFailures, lastError };

  if (request.vendor_data !== null && request.didit_searched_at === null) {
    try {
      const listed = await searchDidit(deps.didit, request.vendor_data, options.call);
      const added = await deps.db.transaction().execute(async (trx) => {
        await lockForErasure(trx, listed);
        const count = await addErasureSessions(trx, requestId, listed);
        // A session stored here since the request was made (or never linked) goes too.
        await removePersonalData(trx, listed, { reason: 'erasure', removeNotes: true, now: now() });
        await markDiditSearched(trx, requestId, now());
        return count;
      });
      options.onProgress?.({ kind: 'searched', listed: listed.length, added });
    } catch (error) {
      if (!isTransient(error)) throw error;
      transientFailures++;
      lastError = `searching Didit's sessions: ${describe(error)}`;
      await setErasureRequestError(deps.db, requestId, lastError);
    }
  }

  for (const sessionId of await listPendingErasureSessions(deps.db, requestId)) {
    try {
      const outcome = await deps.didit.deleteSession(sessionId, options.call);
      await confirmErasureSession(deps.db, requestId, sessionId, outcome, now());
      options.onProgress?.({ kind: 'confirmed', sessionId, outcome });
    } catch (error) {
      if (!(error instanceof DiditApiError)) throw error;
      const refused = !isTransient(error);
      const text = describe(error);
      await recordErasureAttemptFailed(deps.db, requestId, sessionId, text, refused);
      options.onProgress?.({ kind: 'failed', sessionId, error: text, refused });
      if (!refused) {
        transientFailures++;
        lastError = `deleting session ${sessionId} at Didit: ${text}`;
      }
    }
  }

  await finishErasure(deps.db, requestId, lastError, now());
  return { status: await statusOrThrow(deps.db, requestId), transientFailures, lastError };
}

/**
 * Completes the request when Didit has confirmed every session gone (audited once, under the
 * request's row lock); otherwise records what holds it up.
 */
async function finishErasure(db: Database, requestId: number, transientError: string | null, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const request = await lockErasureRequest(trx, requestId);
    if (!request || request.completed_at) return;
    const sessions = await listErasureSessions(trx, requestId);
    const counts = countStates(sessions);
    const searchPending = request.vendor_data !== null && request.didit_searched_at === null;
    if (!searchPending && counts.pending === 0 && counts.failed === 0) {
      await completeErasureRequest(trx, requestId, now);
      await appendAudit(trx, {
        actor: null,
        action: 'privacy.erasure_completed',
        targetType: 'erasure_request',
        targetId: String(requestId),
        details: { reference: request.reference, sessions: counts.total, deleted: counts.deleted, gone: counts.gone },
      });
      return;
    }
    const error =
      transientError ??
      (counts.failed > 0 && counts.pending === 0 && !searchPending
        ? `Didit refused to delete ${counts.failed} session${counts.failed === 1 ? '' : 's'}; run the erasure again to retry.`
        : request.last_error);
    if (error !== request.last_error) await setErasureRequestError(trx, requestId, error);
  });
}

/**
 * Waits for any sync work on these sessions (a delivery or a read of Didit being applied) and holds
 * it off until the erasure commits: without this, a sync that checked the tombstone just before it
 * existed could commit the session's data after the erasure removed it (seen in the reliability
 * suite's erasure scenario). In id order, so two erasures never wait on each other crosswise.
 */
async function lockForErasure(trx: Transaction<DB>, sessionIds: readonly string[]): Promise<void> {
  for (const id of [...sessionIds].sort()) await lockSessionForSync(trx, id);
}

/** The sessions Didit lists for `vendorData`, every page; only rows that carry exactly it. */
async function searchDidit(didit: DiditClient, vendorData: string, call: CallOptions | undefined): Promise<string[]> {
  const found = new Set<string>();
  let offset = 0;
  for (let page = 0; page < SEARCH_MAX_PAGES; page++) {
    const listed = await didit.listSessions({ limit: SEARCH_PAGE_SIZE, offset, vendorData }, call);
    for (const row of listed.results) {
      // A Didit that ignored the filter must not have everyone's sessions deleted.
      if (row.vendor_data === vendorData && isDiditId(row.session_id)) found.add(row.session_id.toLowerCase());
    }
    if (!listed.hasMore) return [...found];
    offset += listed.results.length;
  }
  throw new Error(`Didit's session list did not end within ${SEARCH_MAX_PAGES} pages`);
}

/** Didit may get over it: down, slow, rate-limiting, or not configured yet. */
function isTransient(error: unknown): boolean {
  return error instanceof DiditApiError && (error.retryable || error.code === 'not_configured');
}

/** Didit's answer as the request shows it: our code and message, which quote Didit's `code` and `detail`. */
function describe(error: unknown): string {
  if (error instanceof DiditApiError) return `${error.code}: ${error.message}`.slice(0, 1_000);
  return (error instanceof Error ? error.message : String(error)).slice(0, 1_000);
}

function countStates(sessions: readonly ErasureSessionRow[]): ErasureStatus['counts'] {
  const counts = { total: sessions.length, pending: 0, deleted: 0, gone: 0, failed: 0 };
  for (const session of sessions) counts[session.didit_state] += 1;
  return counts;
}

/** Where a request stands, or undefined when there is none. */
export async function loadErasureStatus(db: Database, requestId: number): Promise<ErasureStatus | undefined> {
  const request = await findErasureRequest(db, requestId);
  if (!request) return undefined;
  return statusOf(request, await listErasureSessions(db, requestId));
}

async function statusOrThrow(db: Database, requestId: number): Promise<ErasureStatus> {
  const status = await loadErasureStatus(db, requestId);
  if (!status) throw new AppError(404, 'not_found', `No erasure request ${requestId}.`);
  return status;
}

function statusOf(request: ErasureRequestRow, sessions: readonly ErasureSessionRow[]): ErasureStatus {
  const counts = countStates(sessions);
  const diditSearch = request.didit_searched_at
    ? 'done'
    : request.vendor_data !== null
      ? 'pending'
      : request.subject_hash === null
        ? 'not_needed'
        : 'not_possible';
  const state = request.completed_at
    ? 'completed'
    : diditSearch !== 'pending' && counts.pending === 0 && counts.failed > 0
      ? 'failed'
      : 'in_progress';
  return {
    id: request.id,
    reference: request.reference,
    scope: request.subject_hash === null ? 'session' : 'person',
    requestedAt: request.requested_at.toISOString(),
    requestedBy: request.requested_by_label,
    state,
    diditSearch,
    diditSearchedAt: request.didit_searched_at?.toISOString() ?? null,
    completedAt: request.completed_at?.toISOString() ?? null,
    lastError: request.last_error,
    counts,
    sessions: sessions.map((session) => ({
      sessionId: session.session_id,
      diditState: session.didit_state,
      attempts: session.attempts,
      lastError: session.last_error,
      confirmedAt: session.confirmed_at?.toISOString() ?? null,
    })),
  };
}
