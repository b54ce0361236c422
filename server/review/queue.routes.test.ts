import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { queuePageSchema } from '../contract/review.ts';

/** `GET /api/queue` over HTTP: both page cursors, the page size, and the decided-at of decided views. */
describe('GET /api/queue', () => {
  let ctx: AppContext;
  let baseUrl: string;
  let viewer: string;
  let workflowId: string;
  const inReview: string[] = [];
  let approved: string;
  const decidedAt = '2026-11-29T22:10:00.000Z';

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    baseUrl = await startTestServer(ctx);
    viewer = await createApiToken(ctx, 'viewer');
    workflowId = await seedWorkflow(ctx.db);
    const base = Date.now() - 10_000_000;
    for (let i = 0; i < 5; i++)
      inReview.push(await seedSession(ctx.db, { workflowId, inReviewSince: new Date(base + i * 1000) }));
    approved = await seedSession(ctx.db, { workflowId, status: 'Approved' });
    await ctx.db
      .updateTable('verification_session')
      .set({ decided_at: new Date(decidedAt) })
      .where('id', '=', approved)
      .execute();
  });

  const get = (query: string) => fetch(`${baseUrl}/api/queue${query}`, { headers: authHeaders(viewer) });
  const page = async (query: string) => {
    const res = await get(query);
    expect(res.status).toBe(200);
    return queuePageSchema.parse(await bodyOf(res));
  };

  it('answers a previous-page cursor from the second page on, and pages back with before=', async () => {
    const first = await page('?limit=2');
    expect(first.items.map((item) => item.id)).toEqual(inReview.slice(0, 2));
    expect(first.prevCursor).toBeNull();
    const second = await page(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((item) => item.id)).toEqual(inReview.slice(2, 4));
    expect(second.prevCursor).toEqual(expect.any(String));
    const back = await page(`?limit=2&before=${second.prevCursor}`);
    expect(back.items.map((item) => item.id)).toEqual(inReview.slice(0, 2));
    expect(back.prevCursor).toBeNull();
    expect(back.total).toBe(5);
  });

  it('refuses a cursor with a before, and a page size out of range, naming the parameter', async () => {
    const both = await get('?cursor=a&before=b');
    expect(both.status).toBe(400);
    expect(JSON.stringify(await bodyOf(both))).toContain('before');
    expect((await get('?limit=0')).status).toBe(400);
    expect((await get('?limit=201')).status).toBe(400);
    expect((await page('?limit=100')).items).toHaveLength(5);
  });

  it('says when each session of a decided view was decided', async () => {
    const decided = await page('?status=Approved');
    expect(decided.items.map((item) => [item.id, item.decidedAt])).toEqual([[approved, decidedAt]]);
    expect((await page('?limit=1')).items[0]?.decidedAt).toBeNull();
  });
});
