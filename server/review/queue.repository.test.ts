import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext } from '../../test/helpers/test-context.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import type { AppContext } from '../context.ts';
import { queueQuerySchema, type QueueQueryInput } from '../contract/review.ts';
import { listQueue, type QueueScope } from './queue.repository.ts';

describe('queue repository', () => {
  let ctx: AppContext;
  let workflowId: string;
  let scope: QueueScope;

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    workflowId = await seedWorkflow(ctx.db);
    scope = { actorId: null, claimIdleMinutes: ctx.config.review.claimIdleMinutes };
  });

  beforeEach(async () => {
    await sql`truncate review_event, verification_session cascade`.execute(ctx.db);
  });

  const page = (params: QueueQueryInput) => listQueue(ctx.db, queueQuerySchema.parse(params), scope);
  const idsOf = (result: Awaited<ReturnType<typeof page>>) => result.rows.map((row) => row.id);

  /** `count` In Review sessions, oldest first, one second apart; their ids in queue order. */
  async function seedQueue(count: number, scores?: (i: number) => number): Promise<string[]> {
    const base = Date.now() - 10_000_000;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(
        await seedSession(ctx.db, {
          workflowId,
          inReviewSince: new Date(base + i * 1000),
          ...(scores ? { livenessScore: scores(i) } : {}),
        }),
      );
    }
    return ids;
  }

  describe('paging back with before=', () => {
    it('walks back over exactly the pages seen going forward, the first page without a previous one', async () => {
      const ids = await seedQueue(25);
      const first = await page({ limit: '10' });
      expect(first.prevCursor).toBeNull();
      const second = await page({ limit: '10', cursor: first.nextCursor! });
      const third = await page({ limit: '10', cursor: second.nextCursor! });
      expect([idsOf(first), idsOf(second), idsOf(third)]).toEqual([ids.slice(0, 10), ids.slice(10, 20), ids.slice(20)]);
      expect(third.nextCursor).toBeNull();

      const backToSecond = await page({ limit: '10', before: third.prevCursor! });
      expect(idsOf(backToSecond)).toEqual(ids.slice(10, 20));
      expect(backToSecond.nextCursor).not.toBeNull();
      expect(idsOf(await page({ limit: '10', cursor: backToSecond.nextCursor! }))).toEqual(ids.slice(20));

      const backToFirst = await page({ limit: '10', before: backToSecond.prevCursor! });
      expect(idsOf(backToFirst)).toEqual(ids.slice(0, 10));
      expect(backToFirst.prevCursor).toBeNull();
    });

    it('pages back in a descending score order too', async () => {
      // Scores 0, 10, 20 … with two sessions on each, so the id breaks ties across page boundaries.
      const ids = await seedQueue(12, (i) => Math.floor(i / 2) * 10);
      const byScoreDesc = (
        await ctx.db
          .selectFrom('verification_session')
          .select(['id', 'liveness_score'])
          .orderBy('liveness_score', 'desc')
          .orderBy('id', 'desc')
          .execute()
      ).map((row) => row.id);
      const view = { limit: '5', sort: 'liveness', dir: 'desc' } as const;
      const first = await page(view);
      const second = await page({ ...view, cursor: first.nextCursor! });
      const third = await page({ ...view, cursor: second.nextCursor! });
      expect([...idsOf(first), ...idsOf(second), ...idsOf(third)]).toEqual(byScoreDesc);
      expect(byScoreDesc).toHaveLength(ids.length);
      expect(idsOf(await page({ ...view, before: third.prevCursor! }))).toEqual(idsOf(second));
      expect(idsOf(await page({ ...view, before: second.prevCursor! }))).toEqual(idsOf(first));
    });

    it('answers the full first page when fewer than a page is left before the position', async () => {
      const ids = await seedQueue(25);
      const first = await page({ limit: '10' });
      const second = await page({ limit: '10', cursor: first.nextCursor! });
      // Three sessions of the first page are decided while the analyst reads the second.
      await ctx.db.updateTable('verification_session').set({ status: 'Approved' }).where('id', 'in', ids.slice(0, 3)).execute();
      const back = await page({ limit: '10', before: second.prevCursor! });
      expect(idsOf(back)).toEqual([...ids.slice(3, 10), ...ids.slice(10, 13)]);
      expect(back.prevCursor).toBeNull();
      expect(idsOf(await page({ limit: '10', cursor: back.nextCursor! }))).toEqual(ids.slice(13, 23));
    });

    it('offers the way back from a page whose rows were all decided meanwhile', async () => {
      const ids = await seedQueue(15);
      const first = await page({ limit: '10' });
      await ctx.db.updateTable('verification_session').set({ status: 'Declined' }).where('id', 'in', ids.slice(10)).execute();
      const emptied = await page({ limit: '10', cursor: first.nextCursor! });
      expect(emptied.rows).toEqual([]);
      expect(emptied.nextCursor).toBeNull();
      const back = await page({ limit: '10', before: emptied.prevCursor! });
      expect(idsOf(back)).toEqual(ids.slice(0, 10));
      expect(back.prevCursor).toBeNull();
    });

    it('refuses a cursor and a before together, and a before from another sort order', async () => {
      expect(queueQuerySchema.safeParse({ cursor: 'a', before: 'b' }).success).toBe(false);
      const ids = await seedQueue(3);
      expect(ids).toHaveLength(3);
      const first = await page({ limit: '1' });
      await expect(page({ limit: '1', sort: 'liveness', before: first.nextCursor! })).rejects.toMatchObject({ status: 400 });
    });
  });

  it('returns when each session was decided, null for those in review', async () => {
    const inReview = await seedSession(ctx.db, { workflowId });
    const approved = await seedSession(ctx.db, { workflowId, status: 'Approved' });
    const decidedAt = new Date('2026-11-29T22:10:00.000Z');
    await ctx.db.updateTable('verification_session').set({ decided_at: decidedAt }).where('id', '=', approved).execute();
    expect((await page({})).rows.map((row) => [row.id, row.decided_at])).toEqual([[inReview, null]]);
    expect((await page({ status: 'Approved' })).rows.map((row) => [row.id, row.decided_at])).toEqual([[approved, decidedAt]]);
  });
});
