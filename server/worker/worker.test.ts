import { runOnce } from 'graphile-worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { enqueue, jobs } from './jobs.ts';
import { buildTaskList, startWorker } from './runner.ts';

describe('worker', () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ({ ctx } = await createTestContext());
  });

  it('records its liveness as soon as it starts', async () => {
    const worker = await startWorker(ctx);
    try {
      const row = await ctx.db
        .selectFrom('worker_heartbeat')
        .selectAll()
        .where('worker_id', '=', worker.identity.workerId)
        .executeTakeFirst();
      expect(row).toMatchObject({ pid: process.pid });
      expect(Date.now() - row!.last_seen_at.getTime()).toBeLessThan(60_000);
    } finally {
      await worker.stop();
    }
  });

  it('runs the heartbeat task, refreshing last_seen_at', async () => {
    const identity = { workerId: 'test-worker', startedAt: new Date(Date.now() - 3_600_000) };
    await enqueue(ctx.db, jobs.heartbeat, {});
    await runOnce({ pgPool: ctx.pool, taskList: buildTaskList(ctx, identity) });
    const first = await ctx.db
      .selectFrom('worker_heartbeat')
      .selectAll()
      .where('worker_id', '=', 'test-worker')
      .executeTakeFirstOrThrow();
    expect(first.started_at.toISOString()).toBe(identity.startedAt.toISOString());

    await enqueue(ctx.db, jobs.heartbeat, {});
    await runOnce({ pgPool: ctx.pool, taskList: buildTaskList(ctx, identity) });
    const second = await ctx.db
      .selectFrom('worker_heartbeat')
      .selectAll()
      .where('worker_id', '=', 'test-worker')
      .executeTakeFirstOrThrow();
    expect(second.last_seen_at.getTime()).toBeGreaterThanOrEqual(first.last_seen_at.getTime());
  });
});
