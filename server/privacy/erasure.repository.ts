import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { DB, ErasureDiditState, ErasureRequestTable, ErasureSessionTable } from '../db/schema.ts';
import { jobs } from '../worker/jobs.ts';

/** Kysely queries of erasure requests (`erasure.ts`). */

export type ErasureRequestRow = Selectable<ErasureRequestTable>;
export type ErasureSessionRow = Selectable<ErasureSessionTable>;

/** The reference of the (latest) erasure request that holds the session. */
export async function findErasureReference(db: Kysely<DB>, sessionId: string): Promise<string | null> {
  const row = await db
    .selectFrom('erasure_session')
    .innerJoin('erasure_request', 'erasure_request.id', 'erasure_session.request_id')
    .select('erasure_request.reference')
    .where('erasure_session.session_id', '=', sessionId)
    .orderBy('erasure_request.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.reference ?? null;
}

export function findErasureRequest(db: Kysely<DB>, id: number): Promise<ErasureRequestRow | undefined> {
  return db.selectFrom('erasure_request').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the request's row for the rest of the transaction (two runs finishing at once audit once). */
export function lockErasureRequest(trx: Transaction<DB>, id: number): Promise<ErasureRequestRow | undefined> {
  return trx.selectFrom('erasure_request').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** The person's open request (at most one: `erasure_request_open_subject_idx`). */
export function findOpenRequestBySubject(trx: Transaction<DB>, subjectHash: string): Promise<ErasureRequestRow | undefined> {
  return trx
    .selectFrom('erasure_request')
    .selectAll()
    .where('subject_hash', '=', subjectHash)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
}

/** An open request that already holds the session, of either scope; the oldest first. */
export function findOpenRequestForSession(trx: Transaction<DB>, sessionId: string): Promise<ErasureRequestRow | undefined> {
  return trx
    .selectFrom('erasure_request')
    .selectAll('erasure_request')
    .where('completed_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('erasure_session')
          .select('erasure_session.session_id')
          .whereRef('erasure_session.request_id', '=', 'erasure_request.id')
          .where('erasure_session.session_id', '=', sessionId),
      ),
    )
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

export function insertErasureRequest(
  trx: Transaction<DB>,
  values: {
    reference: string;
    subjectHash: string | null;
    vendorData: string | null;
    requestedById: string | null;
    requestedByLabel: string;
    now: Date;
  },
): Promise<ErasureRequestRow> {
  return trx
    .insertInto('erasure_request')
    .values({
      reference: values.reference,
      subject_hash: values.subjectHash,
      vendor_data: values.vendorData,
      requested_by_id: values.requestedById,
      requested_by_label: values.requestedByLabel,
      requested_at: values.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A resumed request: sessions Didit refused are tried again, and with the person's `vendor_data`
 * given again (after its plaintext was dropped), Didit's list is searched again too.
 */
export async function reopenErasureRequest(trx: Transaction<DB>, id: number, vendorData: string | null): Promise<void> {
  await trx
    .updateTable('erasure_session')
    .set({ didit_state: 'pending' })
    .where('request_id', '=', id)
    .where('didit_state', '=', 'failed')
    .execute();
  if (vendorData !== null) {
    await trx
      .updateTable('erasure_request')
      .set({ vendor_data: vendorData, didit_searched_at: null })
      .where('id', '=', id)
      .where('vendor_data', 'is', null)
      .execute();
  }
}

/**
 * The sessions the console holds of a person: by the keyed hash, or by `vendor_data` on rows
 * stored before the hash existed and not hashed yet.
 */
export async function findLocalSessionsOfPerson(
  trx: Transaction<DB>,
  subjectHash: string,
  vendorData: string | null,
): Promise<string[]> {
  const rows = await trx
    .selectFrom('verification_session')
    .select('id')
    .where((eb) =>
      eb.or([eb('vendor_data_hash', '=', subjectHash), ...(vendorData !== null ? [eb('vendor_data', '=', vendorData)] : [])]),
    )
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Adds sessions to the request (and so to the tombstone); ones it already holds are left as they are. */
export async function addErasureSessions(
  trx: Transaction<DB>,
  requestId: number,
  sessionIds: readonly string[],
): Promise<number> {
  if (sessionIds.length === 0) return 0;
  const result = await trx
    .insertInto('erasure_session')
    .values([...new Set(sessionIds)].sort().map((sessionId) => ({ request_id: requestId, session_id: sessionId })))
    .onConflict((oc) => oc.columns(['request_id', 'session_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

export function listErasureSessions(db: Kysely<DB>, requestId: number): Promise<ErasureSessionRow[]> {
  return db.selectFrom('erasure_session').selectAll().where('request_id', '=', requestId).orderBy('session_id').execute();
}

export async function listPendingErasureSessions(db: Kysely<DB>, requestId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('erasure_session')
    .select('session_id')
    .where('request_id', '=', requestId)
    .where('didit_state', '=', 'pending')
    .orderBy('session_id')
    .execute();
  return rows.map((row) => row.session_id);
}

/** Didit no longer holds the session (it deleted it now, or answered 404). Only a pending row moves. */
export async function confirmErasureSession(
  db: Kysely<DB>,
  requestId: number,
  sessionId: string,
  state: Extract<ErasureDiditState, 'deleted' | 'gone'>,
  now: Date,
): Promise<void> {
  await db
    .updateTable('erasure_session')
    .set((eb) => ({ didit_state: state, confirmed_at: now, last_error: null, attempts: eb('attempts', '+', 1) }))
    .where('request_id', '=', requestId)
    .where('session_id', '=', sessionId)
    .where('didit_state', '=', 'pending')
    .execute();
}

/** An attempt that did not delete: `failed` when Didit refused (for good), else still pending. */
export async function recordErasureAttemptFailed(
  db: Kysely<DB>,
  requestId: number,
  sessionId: string,
  error: string,
  refused: boolean,
): Promise<void> {
  await db
    .updateTable('erasure_session')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error,
      ...(refused ? { didit_state: 'failed' as const } : {}),
    }))
    .where('request_id', '=', requestId)
    .where('session_id', '=', sessionId)
    .where('didit_state', '=', 'pending')
    .execute();
}

/** Didit's list has been searched: the plaintext `vendor_data` is not needed any more, and goes. */
export async function markDiditSearched(trx: Transaction<DB>, id: number, now: Date): Promise<void> {
  await trx.updateTable('erasure_request').set({ didit_searched_at: now, vendor_data: null }).where('id', '=', id).execute();
}

export async function setErasureRequestError(db: Kysely<DB>, id: number, error: string | null): Promise<void> {
  await db
    .updateTable('erasure_request')
    .set({ last_error: error })
    .where('id', '=', id)
    .where('completed_at', 'is', null)
    .execute();
}

export async function completeErasureRequest(trx: Transaction<DB>, id: number, now: Date): Promise<void> {
  await trx.updateTable('erasure_request').set({ completed_at: now, last_error: null }).where('id', '=', id).execute();
}

/**
 * Open requests with something left to try (a search, a pending session, or only the finishing
 * step) and no job that will try it: none queued, running or waiting for a retry. A request whose
 * only sessions left were refused by Didit waits for a person to run it again.
 */
export async function listErasuresWithoutJob(db: Kysely<DB>): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select r.id from erasure_request r
     where r.completed_at is null
       and (   (r.vendor_data is not null and r.didit_searched_at is null)
            or exists (select 1 from erasure_session s where s.request_id = r.id and s.didit_state = 'pending')
            or not exists (select 1 from erasure_session s where s.request_id = r.id and s.didit_state = 'failed'))
       and not exists (select 1 from graphile_worker._private_jobs j
                        join graphile_worker._private_tasks t on t.id = j.task_id
                       where t.identifier = ${jobs.processErasure.name}
                         -- the key jobs.processErasure gives the request's job
                         and j.key = 'erasure:' || r.id::text
                         and j.attempts < j.max_attempts)
     order by r.id`.execute(db);
  return rows.map((row) => Number(row.id));
}
