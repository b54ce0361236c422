import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { createTestContext } from '../../test/helpers/test-context.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import type { AppContext } from '../context.ts';
import { enqueue, enqueueEach, jobs, jobSpec, taskList, type JobPayload } from './jobs.ts';
import { buildCronItems, buildTaskList, startupJobs } from './runner.ts';

let ctx: AppContext;
beforeAll(async () => {
  ({ ctx } = await createTestContext());
});

interface QueuedJob {
  task_identifier: string;
  payload: unknown;
  queue_name: string | null;
  max_attempts: number;
  attempts: number;
  last_error: string | null;
  key: string | null;
}

async function queued(key: string): Promise<QueuedJob[]> {
  // The public `jobs` view leaves the payload out.
  const { rows } =
    await sql<QueuedJob>`select t.identifier as task_identifier, j.payload, q.queue_name, j.max_attempts, j.attempts,
        j.last_error, j.key
      from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
      left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
     where j.key = ${key}`.execute(ctx.db);
  return rows;
}

class Rollback extends Error {}

describe('enqueue', () => {
  it("queues in the caller's transaction: nothing if it rolls back, the job with its defaults if it commits", async () => {
    const sessionId = randomUUID();
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await enqueue(trx, jobs.repairSession, { sessionId });
        expect(await queued(`repair:${sessionId}`)).toEqual([]); // not visible outside the transaction yet
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await queued(`repair:${sessionId}`)).toEqual([]);

    await ctx.db.transaction().execute((trx) => enqueue(trx, jobs.repairSession, { sessionId }));
    expect(await queued(`repair:${sessionId}`)).toEqual([
      expect.objectContaining({ task_identifier: 'repair_session', payload: { sessionId }, max_attempts: 8 }),
    ]);
  });

  it('lets the caller override a default, and keeps one pending job per key', async () => {
    const sessionId = randomUUID();
    await enqueue(ctx.db, jobs.repairSession, { sessionId });
    await enqueue(ctx.db, jobs.repairSession, { sessionId }, { maxAttempts: 10 });
    expect(await queued(`repair:${sessionId}`)).toEqual([expect.objectContaining({ max_attempts: 10 })]);
  });

  it("refuses a payload its job's schema rejects, and queues nothing", async () => {
    const error = await enqueue(ctx.db, jobs.repairSession, { sessionId: 'not-a-session' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZodError);
    expect(await queued('repair:not-a-session')).toEqual([]);
  });

  it('queues a batch in one statement, each job with its own key', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
    await ctx.db.transaction().execute((trx) =>
      enqueueEach(
        trx,
        jobs.repairSession,
        ids.map((sessionId) => ({ sessionId })),
      ),
    );
    for (const sessionId of ids) {
      expect(await queued(`repair:${sessionId}`)).toEqual([expect.objectContaining({ payload: { sessionId } })]);
    }
  });
});

describe('the worker runs what the registry lists', () => {
  it('has exactly one task per registered job, under its name', () => {
    const tasks = buildTaskList(ctx);
    expect(Object.keys(tasks).sort()).toEqual(
      Object.values(jobs)
        .map((job) => job.name)
        .sort(),
    );
  });

  it('schedules and starts only registered jobs, with their registry options', () => {
    const names = new Set(Object.values(jobs).map((job) => job.name));
    for (const item of buildCronItems(ctx)) {
      expect(names).toContain(item.task);
      const job = Object.values(jobs).find((j) => j.name === item.task);
      const spec = jobSpec(job as typeof jobs.reconcile, {});
      expect(item).toMatchObject({ identifier: item.task, options: { backfillPeriod: 0 } });
      expect(item.options?.jobKey).toBe(spec.job_key ?? undefined);
      expect(item.options?.maxAttempts).toBe(spec.max_attempts ?? undefined);
    }
    for (const job of startupJobs) expect(names).toContain(job.name);
  });

  it("hands each handler its payload parsed by the job's schema, and fails a job whose payload it rejects", async () => {
    const seen: JobPayload<typeof jobs.repairSession>[] = [];
    const tasks = taskList({
      repairSession: (payload) => {
        seen.push(payload);
        return Promise.resolve();
      },
    });
    const sessionId = randomUUID();
    // Queued by hand, as an older release or a person at psql might: the handler still sees the parsed form.
    await sql`select graphile_worker.add_job('repair_session', json_build_object('sessionId', ${sessionId.toUpperCase()}::text),
        job_key => ${`repair:${sessionId}`})`.execute(ctx.db);
    await sql`select graphile_worker.add_job('repair_session', '{"sessionId": "nope"}'::json, job_key => 'repair:nope')`.execute(
      ctx.db,
    );
    await runJobsOnce(ctx.pool, tasks);

    expect(seen.filter((p) => p.sessionId === sessionId)).toEqual([{ sessionId }]);
    expect(seen.some((p) => p.sessionId.startsWith('nope'))).toBe(false);
    const [failed] = await queued('repair:nope');
    expect(failed).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/Didit id/) });
  });
});
