import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { isDiditId } from '../contract/ids.ts';
import type { Database } from '../db/database.ts';
import type { QuarantineReason, QuarantineRepairState, SignatureVariant } from '../db/schema.ts';
import { enqueue, jobs } from '../worker/jobs.ts';

/**
 * Authentic deliveries that cannot be stored as inbox events. A delivery whose signature verifies
 * is Didit's word about a session even when it cannot be applied (its timestamp is outside the
 * window, its body does not fit the envelope, Postgres refuses it as jsonb). The receiver still
 * answers as the contract says, but first keeps the bytes here and queues a re-read of that
 * session's decision (through the shared rate budget), so the session is repaired in seconds
 * rather than at the next reconciliation walk. The Sync page lists these rows.
 */

export interface QuarantineInput {
  rawBody: Buffer;
  reason: QuarantineReason;
  /** What did not fit, in words: never a fragment of the body (it carries signed media links). */
  detail: string;
  variant: SignatureVariant;
  headerTimestamp: string | undefined;
  /** The parsed body, when it is JSON. */
  payload: unknown;
}

export interface QuarantineResult {
  id: number;
  sessionId: string | null;
  repairQueued: boolean;
}

/** The same session is not re-read more than once a minute for replays of the same bytes. */
const REQUEUE_AFTER = '1 minute';

export async function quarantineDelivery(db: Database, input: QuarantineInput): Promise<QuarantineResult> {
  const fields = salvage(input.payload);
  const bodySha256 = createHash('sha256').update(input.rawBody).digest('hex');
  const initialState: QuarantineRepairState = fields.sessionId ? 'queued' : 'not_possible';
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('webhook_quarantine')
      .values({
        body_sha256: bodySha256,
        body: input.rawBody,
        reason: input.reason,
        detail: input.detail.slice(0, 500),
        signature_variant: input.variant,
        header_timestamp: input.headerTimestamp?.slice(0, 40) ?? null,
        webhook_type: fields.webhookType,
        session_id: fields.sessionId,
        event_timestamp: fields.eventTimestamp,
        repair_state: initialState,
      })
      .onConflict((oc) =>
        oc.column('body_sha256').doUpdateSet((eb) => ({
          deliveries: eb('webhook_quarantine.deliveries', '+', 1),
          last_received_at: new Date(),
          repair_state: sql<QuarantineRepairState>`case
              when webhook_quarantine.session_id is null then 'not_possible'
              when webhook_quarantine.repaired_at is null or webhook_quarantine.repaired_at < now() - ${REQUEUE_AFTER}::interval
                then 'queued'
              else webhook_quarantine.repair_state end`,
        })),
      )
      .returning(['id', 'session_id', 'repair_state', 'repaired_at'])
      .executeTakeFirstOrThrow();
    const sessionId = row.session_id;
    const repairQueued = sessionId !== null && row.repair_state === 'queued';
    if (repairQueued) {
      // More attempts than a reconciliation repair, which the next walk would queue again anyway.
      await enqueue(trx, jobs.repairSession, { sessionId }, { maxAttempts: 10 });
    }
    return { id: Number(row.id), sessionId: row.session_id, repairQueued };
  });
}

/** After a session was re-read from Didit: its quarantined deliveries are repaired (or it is gone). */
export async function markQuarantineRepaired(db: Database, sessionId: string, outcome: 'repaired' | 'gone'): Promise<void> {
  await db
    .updateTable('webhook_quarantine')
    .set({ repair_state: outcome, repaired_at: new Date(), repair_error: null })
    .where('session_id', '=', sessionId)
    .where('repair_state', 'in', ['queued', 'failed'])
    .execute();
}

export async function markQuarantineRepairFailed(db: Database, sessionId: string, error: string): Promise<void> {
  await db
    .updateTable('webhook_quarantine')
    .set({ repair_state: 'failed', repair_error: error.slice(0, 500) })
    .where('session_id', '=', sessionId)
    .where('repair_state', 'in', ['queued', 'failed'])
    .execute();
}

/** What can still be read from a body that did not fit: only values that are safe to store and show. */
function salvage(payload: unknown): { webhookType: string | null; sessionId: string | null; eventTimestamp: Date | null } {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    return { webhookType: null, sessionId: null, eventTimestamp: null };
  }
  const record = payload as Record<string, unknown>;
  const type = record['webhook_type'];
  const id = record['session_id'];
  const timestamp = record['timestamp'];
  const eventTimestamp =
    typeof timestamp === 'number' && Number.isInteger(timestamp) && timestamp > 0 && timestamp < 1e11
      ? new Date(timestamp * 1000)
      : null;
  return {
    webhookType: typeof type === 'string' && /^[\w.-]{1,100}$/.test(type) ? type : null,
    sessionId: isDiditId(id) ? id.toLowerCase() : null,
    eventTimestamp,
  };
}
