import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { retentionBatch, retentionCutoff } from './retention.ts';

/**
 * Retention's hourly batch reads an index, not the table: on a table shaped like a console after a
 * few years (most sessions final and already retained, three months of final sessions holding
 * data, a queue In Review, a backlog past the cutoff), its plan is an ordered scan of
 * verification_session_retention_idx that stops after the batch.
 */

let ctx: AppContext;
const now = new Date('2027-06-01T12:00:00.000Z');

beforeAll(async () => {
  ({ ctx } = await createTestContext());
  // Final dates (seconds before `now`) per group; `n` is the row number within the group.
  const groups = [
    // Retained long ago: out of the partial index.
    { count: 30_000, status: 'Approved', ago: sql`(100 + n % 900) * 86400`, removed: true, data: false },
    // The last 90 days: final, holding their data.
    { count: 9_000, status: 'Declined', ago: sql`(n % 89) * 86400 + 60`, removed: false, data: true },
    { count: 1_500, status: 'In Review', ago: sql`(n % 200) * 86400`, removed: false, data: true },
    // Past the cutoff, not yet retained (the worker was down for a while).
    { count: 800, status: 'Abandoned', ago: sql`(91 + n % 5) * 86400`, removed: false, data: true },
  ];
  for (const group of groups) {
    await sql`
      insert into verification_session
        (id, status, vendor_data, vendor_data_hash, decision, media, event_at, decided_at,
         personal_data_removed_at, personal_data_removal, warnings, warning_codes)
      select gen_random_uuid(), ${group.status},
             ${group.data ? sql`'user-' || n` : sql`null`}, md5(n::text),
             ${group.data ? sql`'{"status": "x"}'::jsonb` : sql`null`},
             '{}'::jsonb,
             ${now}::timestamptz - make_interval(secs => ${group.ago}),
             ${group.status === 'Approved' || group.status === 'Declined' ? sql`${now}::timestamptz - make_interval(secs => ${group.ago})` : sql`null`},
             ${group.removed ? sql`${now}::timestamptz - interval '1 day'` : sql`null`},
             ${group.removed ? sql`'retention'` : sql`null`},
             '[]'::jsonb, '{}'::text[]
        from generate_series(1, ${group.count}) as n`.execute(ctx.db);
  }
  await sql`analyze verification_session`.execute(ctx.db);
}, 120_000);

async function planOf(removeNotes: boolean): Promise<string> {
  const rows = await retentionBatch(ctx.db, retentionCutoff(now, 90), removeNotes, 200).explain();
  return rows.map((row) => String(row['QUERY PLAN'])).join('\n');
}

describe("retention's batch query", () => {
  it('scans verification_session_retention_idx in order, without reading the table', async () => {
    const plan = await planOf(false);
    expect(plan).toContain('verification_session_retention_idx');
    expect(plan).not.toMatch(/Seq Scan on verification_session|Sort/);
  });

  it('uses the same index when notes count too (RETENTION_NOTES=remove)', async () => {
    const plan = await planOf(true);
    expect(plan).toContain('verification_session_retention_idx');
    expect(plan).not.toMatch(/Seq Scan on verification_session|Sort/);
  });

  it('takes the 200 oldest candidates', async () => {
    const rows = await retentionBatch(ctx.db, retentionCutoff(now, 90), false, 200).execute();
    expect(rows).toHaveLength(200);
  });
});
