import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { vendorDataHash } from '../privacy/pseudonym.ts';
import { enqueue, faceBlockPushKey, jobs } from '../worker/jobs.ts';

/** Kysely queries of face blocks. Functions that take row locks accept only a transaction. */

export type FaceBlockRow = NonNullable<Awaited<ReturnType<typeof findLatestFaceBlock>>>;

/** The newest block of a session's face (any state but withdrawn: those never reached Didit), or undefined. */
export function findLatestFaceBlock(db: Database | Transaction<DB>, sessionId: string) {
  return db
    .selectFrom('face_block')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where('state', '<>', 'withdrawn')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The newest block of a session's face (withdrawn ones aside), locked for the rest of the transaction. */
export function lockLatestFaceBlock(trx: Transaction<DB>, sessionId: string) {
  return trx
    .selectFrom('face_block')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where('state', '<>', 'withdrawn')
    .orderBy('id', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertFaceBlock(
  trx: Transaction<DB>,
  row: {
    sessionId: string;
    reviewEventId: number;
    reasonCode: string;
    note: string;
    actorId: string | null;
    actorLabel: string;
  },
): Promise<number> {
  const inserted = await trx
    .insertInto('face_block')
    .values({
      session_id: row.sessionId,
      review_event_id: row.reviewEventId,
      state: 'blocking',
      reason_code: row.reasonCode,
      note: row.note,
      blocked_by_id: row.actorId,
      blocked_by_label: row.actorLabel,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

export async function markUnblocking(
  trx: Transaction<DB>,
  id: number,
  by: { actorId: string | null; actorLabel: string; note: string },
): Promise<void> {
  await trx
    .updateTable('face_block')
    .set({
      state: 'unblocking',
      unblocked_by_id: by.actorId,
      unblocked_by_label: by.actorLabel,
      unblocked_at: sql<Date>`now()`,
      unblock_note: by.note,
      push_error: null,
    })
    .where('id', '=', id)
    .execute();
}

/** A failed push back to the outbox: the call Didit refused is made again. */
export async function reopenFaceBlock(trx: Transaction<DB>, id: number, action: 'block' | 'unblock'): Promise<void> {
  await trx
    .updateTable('face_block')
    .set({ state: action === 'block' ? 'blocking' : 'unblocking', failed_action: null, push_error: null })
    .where('id', '=', id)
    .execute();
}

/**
 * Transactional outbox: the push exists if and only if the block (or unblock) committed. A block
 * made with a decision leaves with it, once the decision's undo window closed (`runAt`).
 */
export async function enqueueFaceBlockPush(trx: Transaction<DB>, faceBlockId: number, runAt?: Date | null): Promise<void> {
  await enqueue(trx, jobs.pushFaceBlock, { faceBlockId }, runAt ? { runAt } : undefined);
}

/**
 * Undoing the decision a block came with withdraws the block too, while its push has not left:
 * the row becomes `withdrawn` and its job is removed. Answers what it found: nothing to withdraw,
 * withdrawn, or a push already under way (the caller refuses the undo then).
 */
export async function withdrawFaceBlockOf(
  trx: Transaction<DB>,
  reviewEventId: number,
): Promise<'none' | 'withdrawn' | 'in_flight'> {
  const block = await trx
    .selectFrom('face_block')
    .select(['id', 'state', 'push_attempts'])
    .where('review_event_id', '=', reviewEventId)
    .forUpdate()
    .executeTakeFirst();
  if (!block || block.state === 'withdrawn') return 'none';
  if (block.state !== 'blocking' || block.push_attempts > 0) return 'in_flight';
  const key = faceBlockPushKey(block.id);
  const { rows } = await sql<{ locked_at: Date | null; attempts: number }>`
    select j.locked_at, j.attempts from graphile_worker._private_jobs j where j.key = ${key} for update`.execute(trx);
  const job = rows[0];
  if (job && (job.locked_at !== null || job.attempts > 0)) return 'in_flight';
  if (job) await sql`select graphile_worker.remove_job(${key})`.execute(trx);
  await trx.updateTable('face_block').set({ state: 'withdrawn' }).where('id', '=', block.id).execute();
  return 'withdrawn';
}

/**
 * The console's block that a later session of the same person (same `vendor_data`, by its keyed
 * hash) most likely matched: blocked before that session was created and not lifted by then.
 * Only used when Didit names no blocked session (docs/didit-contract.md "Face blocklist").
 */
export function findInferredBlock(
  db: Database,
  session: { id: string; vendor_data: string | null; vendor_data_hash: string | null; createdAt: Date },
) {
  const hash = session.vendor_data_hash ?? vendorDataHash(session.vendor_data);
  if (!hash) return Promise.resolve(undefined);
  return db
    .selectFrom('face_block')
    .innerJoin('verification_session as blocked', 'blocked.id', 'face_block.session_id')
    .selectAll('face_block')
    .where((eb) =>
      eb.or([
        eb('blocked.vendor_data_hash', '=', hash),
        // Rows the worker has not hashed yet (as `listOtherSessions` does).
        ...(session.vendor_data ? [eb('blocked.vendor_data', '=', session.vendor_data)] : []),
      ]),
    )
    .where('face_block.session_id', '<>', session.id)
    .where('face_block.state', '<>', 'withdrawn')
    .where('face_block.blocked_at', '<=', session.createdAt)
    .where((eb) => eb.or([eb('face_block.unblocked_at', 'is', null), eb('face_block.unblocked_at', '>=', session.createdAt)]))
    .where((eb) => eb.or([eb('face_block.failed_action', 'is', null), eb('face_block.failed_action', '<>', 'block')]))
    .orderBy('face_block.blocked_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
