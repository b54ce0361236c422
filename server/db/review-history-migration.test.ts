import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBeforeMigration } from '../../test/helpers/migration.ts';
import type { Database } from './database.ts';

/**
 * The stays In Review before issue 18 are rebuilt from the inbox's status changes and the
 * sessions as they stand; decisions already recorded get the stay they fell in.
 */

const MIGRATION = '20261201T000000-review-history';

describe(`migration ${MIGRATION}`, () => {
  let db: Database;
  const at = (hhmm: string) => new Date(`2026-11-02T${hhmm}:00.000Z`);
  const ids = { a: randomUUID(), b: randomUUID(), c: randomUUID(), d: randomUUID(), e: randomUUID() };
  const decisions: Record<string, number> = {};

  async function session(id: string, status: string, fields: { inReviewSince?: string; decidedAt?: string } = {}) {
    await sql`insert into verification_session (id, status, warnings, media, in_review_since, decided_at, event_at)
              values (${id}, ${status}, '[]'::jsonb, '{}'::jsonb, ${fields.inReviewSince ? at(fields.inReviewSince) : null},
                      ${fields.decidedAt ? at(fields.decidedAt) : null}, ${at('12:00')})`.execute(db);
  }
  async function delivered(id: string, status: string, hhmm: string) {
    await sql`insert into webhook_event (dedupe_key, webhook_type, session_id, status, event_timestamp, signature_variant, payload, processed_at)
              values (${randomUUID()}, 'status.updated', ${id}, ${status}, ${at(hhmm)}, 'v2', '{}'::jsonb, now())`.execute(db);
  }
  async function decision(id: string, kind: 'approve' | 'decline', hhmm: string) {
    const { rows } = await sql<{ id: number }>`insert into review_event (session_id, kind, actor_label, created_at)
              values (${id}, ${kind}, 'analyst@example.test', ${at(hhmm)}) returning id`.execute(db);
    return rows[0]!.id;
  }

  beforeAll(async () => {
    let migrateTo: (name: string) => Promise<void>;
    ({ db, migrateTo } = await databaseBeforeMigration(MIGRATION));
    // a: into review at 09:00 (09:05 repeats it), decided by an analyst at 10:00, Approved 10:30.
    await session(ids.a, 'Approved', { decidedAt: '10:30' });
    for (const [status, hhmm] of [
      ['In Progress', '08:00'],
      ['In Review', '09:00'],
      ['In Review', '09:05'],
      ['Approved', '10:30'],
    ]) {
      await delivered(ids.a, status!, hhmm!);
    }
    decisions.a = await decision(ids.a, 'approve', '10:00');
    // b: in review now, synced by reconciliation only (no webhook).
    await session(ids.b, 'In Review', { inReviewSince: '11:00' });
    // c: the inbox saw it enter review; it is Declined now (decided 12:00) without a webhook saying so.
    await session(ids.c, 'Declined', { decidedAt: '12:00' });
    await delivered(ids.c, 'In Review', '09:00');
    // d: two stays: 08:00–08:30, then resubmitted and back 09:30–10:00; decided in the second.
    await session(ids.d, 'Declined', { decidedAt: '10:00' });
    for (const [status, hhmm] of [
      ['In Review', '08:00'],
      ['Approved', '08:30'],
      ['Resubmitted', '09:00'],
      ['In Review', '09:30'],
      ['Declined', '10:00'],
    ]) {
      await delivered(ids.d, status!, hhmm!);
    }
    decisions.d = await decision(ids.d, 'decline', '09:45');
    // e: an override of an automatic Approved, never in review.
    await session(ids.e, 'Declined', { decidedAt: '11:30' });
    await delivered(ids.e, 'Approved', '11:00');
    decisions.e = await decision(ids.e, 'decline', '11:20');
    await migrateTo(MIGRATION);
  });
  afterAll(() => db.destroy());

  const stays = (id: string) =>
    db
      .selectFrom('review_interval')
      .select(['entered_at', 'left_at', 'left_status'])
      .where('session_id', '=', id)
      .orderBy('entered_at')
      .execute();

  it('rebuilds each stay from the status changes Didit sent, repeats counted once', async () => {
    expect(await stays(ids.a)).toEqual([{ entered_at: at('09:00'), left_at: at('10:30'), left_status: 'Approved' }]);
    expect(await stays(ids.d)).toEqual([
      { entered_at: at('08:00'), left_at: at('08:30'), left_status: 'Approved' },
      { entered_at: at('09:30'), left_at: at('10:00'), left_status: 'Declined' },
    ]);
    expect(await stays(ids.e)).toEqual([]);
  });

  it('closes a stay whose end the inbox never saw, and opens one for a session in review now', async () => {
    expect(await stays(ids.c)).toEqual([{ entered_at: at('09:00'), left_at: at('12:00'), left_status: 'Declined' }]);
    expect(await stays(ids.b)).toEqual([{ entered_at: at('11:00'), left_at: null, left_status: null }]);
  });

  it('gives recorded decisions the stay they fell in; an override has none', async () => {
    const rows = await db.selectFrom('review_event').select(['id', 'in_review_since', 'from_status']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: decisions.a, in_review_since: at('09:00'), from_status: 'In Review' },
      { id: decisions.d, in_review_since: at('09:30'), from_status: 'In Review' },
      { id: decisions.e, in_review_since: null, from_status: null },
    ]);
  });
});
