import { sql, type Transaction } from 'kysely';
import type { DB, PersonalDataRemoval } from '../db/schema.ts';
import { vendorDataHash } from './pseudonym.ts';

/**
 * The one place personal data leaves the console's database (ADR 0016): retention (RETENTION_DAYS
 * after a session's final decision) and an erasure request both come through `removePersonalData`.
 *
 * Removed: Didit's decision JSON (metadata, IP analysis, the person's details, and the signed
 * links it carries), the media links, `vendor_data` (its keyed hash stays, so the person's
 * sessions still link), the bodies of the webhook deliveries about the session, quarantined
 * deliveries about it, and, when asked, the text of analysts' notes.
 *
 * Kept: scores, statuses, warning codes and descriptions, threshold versions, review events (who
 * decided what, when, why) and the audit trail, none of which name the person.
 */

export interface RemovalOptions {
  reason: PersonalDataRemoval;
  /** Also remove the text of analysts' notes (RETENTION_NOTES=remove; always on erasure). */
  removeNotes: boolean;
  /** The clock (tests move it). */
  now: Date;
}

export interface RemovalCounts {
  sessions: number;
  webhookBodies: number;
  quarantined: number;
  notes: number;
}

/** Removes the personal data of `sessionIds` inside the caller's transaction; idempotent. */
export async function removePersonalData(
  trx: Transaction<DB>,
  sessionIds: readonly string[],
  { reason, removeNotes, now }: RemovalOptions,
): Promise<RemovalCounts> {
  if (sessionIds.length === 0) return { sessions: 0, webhookBodies: 0, quarantined: 0, notes: 0 };
  const ids = [...sessionIds];

  // The hash outlives vendor_data: rows stored before it existed are hashed on their way out.
  const unhashed = await trx
    .selectFrom('verification_session')
    .select(['id', 'vendor_data'])
    .where('id', 'in', ids)
    .where('vendor_data', 'is not', null)
    .where('vendor_data_hash', 'is', null)
    .execute();
  for (const row of unhashed) {
    await trx
      .updateTable('verification_session')
      .set({ vendor_data_hash: vendorDataHash(row.vendor_data) })
      .where('id', '=', row.id)
      .execute();
  }

  const sessions = await trx
    .updateTable('verification_session')
    .set({
      decision: null,
      media: '{}',
      media_expires_at: null,
      vendor_data: null,
      // Removed again for the same reason (retention taking notes left by an earlier pass): the
      // session page keeps saying when its data first went.
      personal_data_removed_at: sql<Date>`case when personal_data_removal = ${reason} then coalesce(personal_data_removed_at, ${now}) else ${now} end`,
      personal_data_removal: reason,
    })
    .where('id', 'in', ids)
    // An erasure overrides an earlier retention (it also stops later deliveries); nothing overrides an erasure.
    .where((eb) => eb.or([eb('personal_data_removal', 'is', null), eb('personal_data_removal', '<>', 'erasure')]))
    .executeTakeFirst();

  // The deliveries' bodies carry the same decision. Retention leaves a delivery not yet applied
  // alone (it is news about the session); an erasure takes it too, marked done so nothing applies it.
  const webhookBodies = await trx
    .updateTable('webhook_event')
    .set({
      payload: '{}',
      raw_body: null,
      payload_removed_at: now,
      ...(reason === 'erasure' ? { processed_at: sql<Date>`coalesce(processed_at, ${now})`, next_attempt_at: null } : {}),
    })
    .where('session_id', 'in', ids)
    .where('payload_removed_at', 'is', null)
    .$if(reason === 'retention', (qb) =>
      qb.where((eb) => eb.or([eb('processed_at', 'is not', null), eb('parked_at', 'is not', null)])),
    )
    .executeTakeFirst();

  const quarantined = await trx.deleteFrom('webhook_quarantine').where('session_id', 'in', ids).executeTakeFirst();

  if (reason === 'erasure') {
    // Deleted at Didit: nobody works on it any more, and its stay In Review ends here.
    await trx
      .updateTable('verification_session')
      .set({ claimed_by: null, claimed_at: null, claim_touched_at: null })
      .where('id', 'in', ids)
      .execute();
    await trx
      .updateTable('review_interval')
      .set({ left_at: now, left_status: 'Erased' })
      .where('session_id', 'in', ids)
      .where('left_at', 'is', null)
      .execute();
  }

  const notes = removeNotes
    ? await trx
        .updateTable('review_event')
        .set({ note: null, note_removed_at: now })
        .where('session_id', 'in', ids)
        .where('note', 'is not', null)
        .executeTakeFirst()
    : { numUpdatedRows: 0n };
  if (removeNotes) {
    // A face block keeps the analyst's words too (the decline's note, a lead's unblock note).
    await trx
      .updateTable('face_block')
      .set({ note: null, unblock_note: null, note_removed_at: now })
      .where('session_id', 'in', ids)
      .where((eb) => eb.or([eb('note', 'is not', null), eb('unblock_note', 'is not', null)]))
      .execute();
  }

  return {
    sessions: Number(sessions.numUpdatedRows),
    webhookBodies: Number(webhookBodies.numUpdatedRows),
    quarantined: Number(quarantined.numDeletedRows),
    notes: Number(notes.numUpdatedRows),
  };
}
