import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { enqueue, jobs } from './jobs.ts';
import { recordHeartbeat, unlockDeadWorkers } from './liveness.ts';

let ctx: AppContext;
beforeAll(async () => {
  ({ ctx } = await createTestContext());
});

/** A repair job locked by `holder` since `lockedSecondsAgo`, as a worker that took it leaves it. */
async function lockedJob(holder: string, lockedSecondsAgo: number): Promise<string> {
  const key = `repair:${randomUUID()}`;
  await enqueue(ctx.db, jobs.repairSession, { sessionId: key.slice('repair:'.length) });
  await sql`update graphile_worker._private_jobs
               set locked_by = ${holder}, locked_at = now() - make_interval(secs => ${lockedSecondsAgo}), attempts = 1
             where key = ${key}`.execute(ctx.db);
  return key;
}

async function holderOf(key: string): Promise<string | null> {
  const { rows } = await sql<{
    locked_by: string | null;
  }>`select locked_by from graphile_worker._private_jobs where key = ${key}`.execute(ctx.db);
  return rows[0]?.locked_by ?? null;
}

/** A worker process's heartbeat row, last written `secondsAgo`. */
async function heartbeat(graphileWorkerIds: string[], secondsAgo: number): Promise<void> {
  const identity = { workerId: `host:${randomUUID()}`, startedAt: new Date() };
  await recordHeartbeat(ctx.db, identity, graphileWorkerIds);
  await sql`update worker_heartbeat set last_seen_at = now() - make_interval(secs => ${secondsAgo})
             where worker_id = ${identity.workerId}`.execute(ctx.db);
}

describe('freeing the jobs of dead workers', () => {
  it("frees a stale process's jobs, and leaves a live one's and a fresh unknown holder's alone", async () => {
    const id = (name: string) => `${name}-${randomUUID()}`;
    const dead = id('dead');
    const alive = id('alive');
    const unknownFresh = id('unknown-fresh');
    const unknownOld = id('unknown-old');
    await heartbeat([dead, `${dead}-sibling`], 45);
    await heartbeat([alive], 2);
    const deadJob = await lockedJob(dead, 50);
    const aliveJob = await lockedJob(alive, 600);
    const unknownFreshJob = await lockedJob(unknownFresh, 60);
    const unknownOldJob = await lockedJob(unknownOld, 400);

    const unlocked = await unlockDeadWorkers(ctx.db, { deadAfterSeconds: 30, unknownAfterSeconds: 300 });

    expect(unlocked.workerIds.sort()).toEqual([dead, unknownOld].sort());
    expect(unlocked.jobs).toBe(2);
    expect(await holderOf(deadJob)).toBeNull();
    expect(await holderOf(unknownOldJob)).toBeNull();
    expect(await holderOf(aliveJob)).toBe(alive);
    expect(await holderOf(unknownFreshJob)).toBe(unknownFresh);
  });

  it('frees a named queue a dead worker held, so the jobs behind it run in order again', async () => {
    const dead = `dead-${randomUUID()}`;
    await heartbeat([dead], 120);
    const queue = `thresholds:${randomUUID()}`;
    await enqueue(ctx.db, jobs.pushThresholdVersion, { versionId: 1 }, { queueName: queue });
    await sql`update graphile_worker._private_job_queues set locked_by = ${dead}, locked_at = now() - interval '2 minutes'
               where queue_name = ${queue}`.execute(ctx.db);

    expect((await unlockDeadWorkers(ctx.db)).workerIds).toContain(dead);
    const { rows } = await sql<{ locked_by: string | null }>`
      select locked_by from graphile_worker._private_job_queues where queue_name = ${queue}`.execute(ctx.db);
    expect(rows).toEqual([{ locked_by: null }]);
  });

  it('does nothing when every lock belongs to a live worker', async () => {
    const alive = `alive-${randomUUID()}`;
    await heartbeat([alive], 0);
    await lockedJob(alive, 10);
    const unlocked = await unlockDeadWorkers(ctx.db);
    expect(unlocked.workerIds).not.toContain(alive);
  });
});
