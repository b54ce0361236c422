import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { applyRetention, type RetentionReport } from './retention.ts';

/**
 * RETENTION_NOTES=remove, with a moved clock: notes' text goes with the session's data, including
 * the notes an earlier pass under RETENTION_NOTES=keep left behind; two workers running retention
 * at once share the sessions (`skip locked`) and together remove what the dry run announced.
 */

const now = new Date('2027-06-01T12:00:00.000Z');
const earlier = new Date(now.getTime() - 30 * 86_400_000);
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

let ctx: AppContext;
let baseUrl: string;
const ids = { decided91: '', retainedUnderKeep: '', decided10: '' };
const bulk: string[] = [];
let dryRun: RetentionReport;
let concurrent: RetentionReport[];

async function decided(daysBefore: number, note: string | null): Promise<string> {
  const workflowId = await seedWorkflow(ctx.db);
  const id = await seedSession(ctx.db, { workflowId, status: 'Approved' });
  await ctx.db
    .updateTable('verification_session')
    .set({ decided_at: daysAgo(daysBefore), event_at: daysAgo(daysBefore), decision: JSON.stringify({ status: 'Approved' }) })
    .where('id', '=', id)
    .execute();
  if (note) {
    await ctx.db
      .insertInto('review_event')
      .values({ session_id: id, kind: 'note', actor_id: null, actor_label: 'analyst@example.test', note })
      .execute();
  }
  return id;
}

const notesOf = (id: string) =>
  ctx.db.selectFrom('review_event').select(['note', 'note_removed_at']).where('session_id', '=', id).execute();
const sessionOf = (id: string) =>
  ctx.db.selectFrom('verification_session').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

beforeAll(async () => {
  ({ ctx } = await createTestContext({ RETENTION_NOTES: 'remove' }));
  baseUrl = await startTestServer(ctx);
  ids.decided91 = await decided(91, 'Looked tired; same person.');
  ids.retainedUnderKeep = await decided(150, 'Called the customer back.');
  ids.decided10 = await decided(10, 'Fresh case.');
  for (let i = 0; i < 40; i++) bulk.push(await decided(100 + (i % 7), null));

  // A month ago, under RETENTION_NOTES=keep: the 150-day-old session went, its note stayed.
  const keep = { ...ctx, config: { ...ctx.config, privacy: { ...ctx.config.privacy, removeNotes: false } } };
  await applyRetention(keep, { now: earlier });

  dryRun = await applyRetention(ctx, { now, dryRun: true });
  concurrent = await Promise.all([applyRetention(ctx, { now, batchSize: 3 }), applyRetention(ctx, { now, batchSize: 3 })]);
});

describe('retention with RETENTION_NOTES=remove', () => {
  it("removes the notes' text of a session decided 91 days ago with its data", async () => {
    expect(await notesOf(ids.decided91)).toEqual([{ note: null, note_removed_at: now }]);
    expect(await sessionOf(ids.decided91)).toMatchObject({ vendor_data: null, decision: null, personal_data_removed_at: now });
  });

  it('takes the notes an earlier pass under RETENTION_NOTES=keep left, and keeps when that pass removed the data', async () => {
    expect(await notesOf(ids.retainedUnderKeep)).toEqual([{ note: null, note_removed_at: now }]);
    expect(await sessionOf(ids.retainedUnderKeep)).toMatchObject({
      personal_data_removed_at: earlier,
      personal_data_removal: 'retention',
    });
  });

  it('keeps the notes and data of a session decided 10 days ago', async () => {
    expect(await notesOf(ids.decided10)).toEqual([{ note: 'Fresh case.', note_removed_at: null }]);
    expect((await sessionOf(ids.decided10)).vendor_data).not.toBeNull();
  });

  it('shares the sessions between two concurrent runs, which together remove what the dry run announced', async () => {
    const sum = (key: 'sessions' | 'notes') => concurrent.reduce((total, report) => total + report.counts[key], 0);
    expect(dryRun.counts).toMatchObject({ sessions: 41, notes: 2 });
    expect(sum('sessions')).toBe(41);
    expect(sum('notes')).toBe(2);
    const left = await ctx.db
      .selectFrom('verification_session')
      .select('id')
      .where('id', 'in', bulk)
      .where('personal_data_removed_at', 'is', null)
      .execute();
    expect(left).toEqual([]);
  });

  it('the session page says nothing of the person is held locally, notes included', async () => {
    const token = await createApiToken(ctx, 'analyst');
    const res = await fetch(`${baseUrl}/api/sessions/${ids.decided91}`, { headers: authHeaders(token) });
    expect(res.status).toBe(200);
    expect((await bodyOf(res)).privacy).toMatchObject({
      heldLocally: { decision: false, mediaLinks: false, vendorData: false, notes: false },
      removal: 'retention',
      retentionDays: 90,
    });
  });
});
