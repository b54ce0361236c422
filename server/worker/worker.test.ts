import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.ts';
import { createTestContext, testConfig } from '../../test/helpers/test-context.ts';
import { createContext, type AppContext } from '../context.ts';
import { enqueue, jobs, taskList } from './jobs.ts';
import { buildTaskList, startWorker } from './runner.ts';

async function pendingJobs(ctx: AppContext, key: string): Promise<Array<{ attempts: number; locked_by: string | null }>> {
  const { rows } = await sql<{ attempts: number; locked_by: string | null }>`
    select attempts, locked_by from graphile_worker._private_jobs where key = ${key}`.execute(ctx.db);
  return rows;
}

/** A job that holds its worker slot until the test lets it finish. */
function gate() {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let finish!: () => void;
  const finishing = new Promise<void>((resolve) => (finish = resolve));
  return { started, running, finish, finishing };
}

/** Jobs queued or running other than the one under `key`. */
async function otherJobs(ctx: AppContext, key: string): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    select count(*)::int as count from graphile_worker._private_jobs where key is distinct from ${key} and run_at <= now()`.execute(
    ctx.db,
  );
  return rows[0]?.count ?? 0;
}

describe('worker', () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ({ ctx } = await createTestContext());
  });

  it('records its liveness and the id its running jobs are locked by', async () => {
    const sessionId = randomUUID();
    const { started, running, finish, finishing } = gate();
    const tasks = {
      ...buildTaskList(ctx),
      ...taskList({
        repairSession: async () => {
          started();
          await finishing;
        },
      }),
    };
    const worker = await startWorker(ctx, { taskList: tasks });
    try {
      await enqueue(ctx.db, jobs.repairSession, { sessionId });
      await running;
      const [job] = await pendingJobs(ctx, `repair:${sessionId}`);
      const row = await ctx.db
        .selectFrom('worker_heartbeat')
        .selectAll()
        .where('worker_id', '=', worker.identity.workerId)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ pid: process.pid });
      // What the dead-worker sweep matches locks against: the holder of a job this process runs.
      expect(job?.locked_by).toBeTruthy();
      expect(row.graphile_worker_ids).toContain(job?.locked_by);
      const { rows } = await sql<{ fresh: boolean }>`
        select last_seen_at > now() - interval '1 minute' as fresh from worker_heartbeat where worker_id = ${worker.identity.workerId}`.execute(
        ctx.db,
      );
      expect(rows[0]?.fresh).toBe(true);
    } finally {
      finish();
      await worker.stop();
    }
  });
});

describe('a job outcome lost with its connection', () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ({ ctx } = await createTestContext());
  });

  it('restarts the pool (new graphile-worker ids) and goes on taking jobs; anything else is not its to handle', async () => {
    const sessionId = randomUUID();
    const ran: string[] = [];
    const tasks = {
      ...buildTaskList(ctx),
      ...taskList({
        repairSession: async ({ sessionId: id }) => {
          ran.push(id);
          return Promise.resolve();
        },
      }),
    };
    const worker = await startWorker(ctx, { taskList: tasks });
    try {
      const idsNow = async () =>
        (
          await ctx.db
            .selectFrom('worker_heartbeat')
            .select('graphile_worker_ids')
            .where('worker_id', '=', worker.identity.workerId)
            .executeTakeFirstOrThrow()
        ).graphile_worker_ids;
      const before = await idsNow();

      expect(worker.recoverFromLostOutcome(new Error('a bug of ours'))).toBe(false);
      const cut = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      expect(worker.recoverFromLostOutcome(cut)).toBe(true);

      await vi.waitFor(async () => expect((await idsNow()).some((id) => before.includes(id))).toBe(false), {
        timeout: 30_000,
        interval: 200,
      });
      await enqueue(ctx.db, jobs.repairSession, { sessionId });
      await vi.waitFor(() => expect(ran).toContain(sessionId), { timeout: 30_000, interval: 200 });
    } finally {
      await worker.stop();
    }
  }, 90_000);
});

describe('a worker whose database goes away while a job finishes', () => {
  let proxy: TcpProxy;
  let ctx: AppContext;

  beforeAll(async () => {
    const database = await createTestDatabase();
    // The worker reaches Postgres through a proxy the test can cut, like a database going away.
    const target = new URL(database.url);
    proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    target.host = `127.0.0.1:${proxy.port}`;
    ctx = await createContext(testConfig({ DATABASE_URL: target.toString(), LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' }));
  });
  afterAll(async () => {
    await ctx.close();
    await proxy.close();
  });

  it('waits the outage out: records the job once the database is back, and goes on taking jobs', async () => {
    const first = randomUUID();
    const second = randomUUID();
    const runs = new Map<string, number>();
    const { started, running, finish, finishing } = gate();
    const tasks = {
      ...buildTaskList(ctx),
      ...taskList({
        repairSession: async ({ sessionId }) => {
          runs.set(sessionId, (runs.get(sessionId) ?? 0) + 1);
          if (sessionId === first) {
            started();
            await finishing;
          }
        },
      }),
    };
    const worker = await startWorker(ctx, { taskList: tasks });
    try {
      await enqueue(ctx.db, jobs.repairSession, { sessionId: first });
      await running;
      // The worker's start-up jobs first: one of them finishing at the very moment of the cut would
      // lose its outcome mid-query, which only the process's handler (recoverLostJobOutcomes) catches.
      await vi.waitFor(async () => expect(await otherJobs(ctx, `repair:${first}`)).toBe(0), { timeout: 30_000, interval: 200 });

      // The job ends while Postgres is unreachable: its outcome cannot be written yet.
      await proxy.cut();
      finish();
      await sleep(3_000);
      await proxy.restore();

      await vi.waitFor(async () => expect(await pendingJobs(ctx, `repair:${first}`)).toEqual([]), {
        timeout: 60_000,
        interval: 500,
      });
      await enqueue(ctx.db, jobs.repairSession, { sessionId: second });
      await vi.waitFor(async () => expect(await pendingJobs(ctx, `repair:${second}`)).toEqual([]), {
        timeout: 60_000,
        interval: 500,
      });
      expect(Object.fromEntries(runs)).toEqual({ [first]: 1, [second]: 1 });
    } finally {
      await proxy.restore();
      await worker.stop();
    }
  }, 150_000);
});
