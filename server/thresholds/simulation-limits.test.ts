import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { eventually, holdTableLock, lockWaiters, type HeldTableLock } from '../../test/helpers/table-lock.ts';
import { createTestContext, startTestServer, testConfig } from '../../test/helpers/test-context.ts';
import { createContext, type AppContext } from '../context.ts';
import { afterFile } from '../../test/helpers/after-file.ts';

/**
 * Issue 15, finding 11: year-long simulations from one viewer, sixteen at a time, slowed every
 * analyst's queue. Simulations (and score distributions) are capped per actor and per process,
 * their window is capped, and their queries have a statement timeout and die with their client.
 * Requests are held open by locking the table they read, never by timing them.
 */
describe('simulation limits', () => {
  let ctx: AppContext;
  let baseUrl: string;
  let workflowId: string;
  const tokens: Record<'ann' | 'ben' | 'cat', string> = { ann: '', ben: '', cat: '' };
  const thresholds = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 70, faceMatchDecline: 50 };

  beforeAll(async () => {
    ({ ctx } = await createTestContext({ SIMULATION_CONCURRENCY_PER_USER: '2', SIMULATION_CONCURRENCY_PER_PROCESS: '3' }));
    baseUrl = await startTestServer(ctx);
    workflowId = await seedWorkflow(ctx.db);
    for (const score of [30, 55, 62, 80, 95])
      await seedSession(ctx.db, { workflowId, livenessScore: score, faceMatchScore: score });
    for (const name of ['ann', 'ben', 'cat'] as const) tokens[name] = await createApiToken(ctx, 'viewer', `viewer-${name}`);
  });

  const simulate = (who: keyof typeof tokens, window: Record<string, unknown> = { days: 30 }, signal?: AbortSignal) =>
    fetch(`${baseUrl}/api/workflows/${workflowId}/thresholds/simulate`, {
      method: 'POST',
      headers: { ...authHeaders(tokens[who]), 'content-type': 'application/json' },
      body: JSON.stringify({ thresholds, window }),
      signal,
    });
  const distribution = (who: keyof typeof tokens, query = 'days=30', signal?: AbortSignal) =>
    fetch(`${baseUrl}/api/workflows/${workflowId}/score-distribution?${query}`, { headers: authHeaders(tokens[who]), signal });
  /** Replays waiting on the locked table: requests inside their slot, held open. */
  const heldReplays = () => lockWaiters(ctx.db, 'from verification_session vs');
  /** Simulations in their slot now, as the metrics report them. */
  const inFlight = async () =>
    (await ctx.metrics.registry.getSingleMetric('console_concurrency_in_flight')?.get())?.values.find(
      (value) => value.labels.work === 'simulation',
    )?.value ?? -1;
  /** Refusals counted in the metrics, by the cap that refused. */
  const rejections = async (scope: 'actor' | 'process') =>
    (await ctx.metrics.registry.getSingleMetric('console_concurrency_rejections_total')?.get())?.values.find(
      (value) => value.labels.work === 'simulation' && value.labels.scope === scope,
    )?.value ?? 0;

  async function withSessionsLocked(run: (lock: HeldTableLock) => Promise<void>): Promise<void> {
    const lock = await holdTableLock(ctx.db, 'verification_session');
    try {
      await run(lock);
    } finally {
      await lock.release();
    }
  }

  it('refuses a third simulation from one viewer with 429 and Retry-After while two are held open', async () => {
    const before = await rejections('actor');
    await withSessionsLocked(async (lock) => {
      // What the editor sends at once: the distribution and a simulation.
      const held = [distribution('ann'), simulate('ann')];
      await eventually(heldReplays, 2, 'replays held open');

      const third = await simulate('ann');
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('2');
      const body = await bodyOf(third);
      expect(body.error).toMatchObject({ code: 'rate_limited', details: { scope: 'actor', limit: 2, retryAfterSeconds: 2 } });
      expect(body.error.message).toMatch(/^You already have 2 threshold simulations running; wait for one to finish/);
      expect((await distribution('ann')).status).toBe(429);
      expect(await rejections('actor')).toBe(before + 2);

      await lock.release();
      expect((await Promise.all(held)).map((res) => res.status)).toEqual([200, 200]);
    });
    // Both slots are back.
    expect((await simulate('ann')).status).toBe(200);
  });

  it('refuses everyone once the process runs its cap of simulations, whoever holds them', async () => {
    await withSessionsLocked(async (lock) => {
      const held = [simulate('ann'), simulate('ann')];
      await eventually(heldReplays, 2, 'ann held');
      // Ben is under his own cap, and the process has one slot left.
      held.push(simulate('ben'));
      await eventually(heldReplays, 3, 'ben held');

      for (const refused of [await simulate('ben'), await simulate('cat'), await distribution('cat')]) {
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('2');
        const body = await bodyOf(refused);
        expect(body.error.details).toMatchObject({ scope: 'process', limit: 3 });
        expect(body.error.message).toMatch(/^The console is already running 3 threshold simulations, its limit; retry in 2 s/);
      }
      await lock.release();
      expect((await Promise.all(held)).map((res) => res.status)).toEqual([200, 200, 200]);
    });
    expect((await simulate('cat')).status).toBe(200);
  });

  it('refuses a window longer than SIMULATION_MAX_DAYS (90) with a 400 that names the limit', async () => {
    // The editor's longest choice, "last 90 days", is within it.
    expect((await simulate('ann', { days: 90 })).status).toBe(200);
    expect((await distribution('ann', 'days=90')).status).toBe(200);

    const year = await simulate('ann', { days: 365 });
    expect(year.status).toBe(400);
    const body = await bodyOf(year);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toBe('Simulations cover at most 90 days; this window is 365 days. Choose a shorter window.');
    expect(body.error.details.maxDays).toBe(90);

    const to = new Date();
    const from = new Date(to.getTime() - 120 * 86_400_000);
    expect((await simulate('ann', { from: from.toISOString(), to: to.toISOString() })).status).toBe(400);
    const histogram = await distribution('ann', 'days=366');
    expect(histogram.status).toBe(400);
    expect((await bodyOf(histogram)).error.message).toMatch(/at most 90 days/);
  });

  it('cancels the query of a simulation whose client went away, freeing its slot', async () => {
    await withSessionsLocked(async (lock) => {
      const controller = new AbortController();
      const dropped = [simulate('ann', { days: 30 }, controller.signal), distribution('ann', 'days=30', controller.signal)];
      await eventually(heldReplays, 2, 'replays held open');
      // As the editor does when a slider moves on: the browser drops the requests.
      controller.abort();
      await Promise.allSettled(dropped);
      // The table is still locked: the queries are gone because they were cancelled.
      await eventually(heldReplays, 0, 'dropped replays still waiting in Postgres');
      await eventually(inFlight, 0, 'slots of the dropped replays');

      const again = [simulate('ann'), distribution('ann')];
      await eventually(heldReplays, 2, 'new replays held open');
      await lock.release();
      expect((await Promise.all(again)).map((res) => res.status)).toEqual([200, 200]);
    });
  });

  it('stops a simulation that runs past EXPENSIVE_QUERY_TIMEOUT_MS with a 503 naming the limit, and frees its slot', async () => {
    // A second API over the same database whose replays may take 300 ms of statement time.
    const impatient = await createContext(
      testConfig({
        DATABASE_URL: ctx.config.database.url ?? '',
        EXPENSIVE_QUERY_TIMEOUT_MS: '300',
        SIMULATION_CONCURRENCY_PER_USER: '1',
      }),
    );
    afterFile(() => impatient.close());
    const impatientUrl = await startTestServer(impatient);
    const post = () =>
      fetch(`${impatientUrl}/api/workflows/${workflowId}/thresholds/simulate`, {
        method: 'POST',
        headers: { ...authHeaders(tokens.ann), 'content-type': 'application/json' },
        body: JSON.stringify({ thresholds, window: { days: 7 } }),
      });
    await withSessionsLocked(async () => {
      // Held until the lock is released, which happens only after this answer: the timeout ended it.
      const res = await post();
      expect(res.status).toBe(503);
      const body = await bodyOf(res);
      expect(body.error.message).toBe(
        'The simulation ran longer than the 0.3 s limit and was stopped; try a shorter window, or retry when the console is less busy.',
      );
      expect(body.error.details).toEqual({ timeoutMs: 300 });
    });
    // Its only slot was given back.
    expect((await post()).status).toBe(200);
  });
});
