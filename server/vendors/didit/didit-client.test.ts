import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../context.ts';
import { startSandbox, type RunningSandbox } from '../../didit-sandbox/sandbox.ts';
import { stringField } from '../../../test/helpers/didit-events.ts';
import { createTestContext } from '../../../test/helpers/test-context.ts';
import { DiditClient } from './didit-client.ts';
import { DiditApiError } from './didit-error.ts';
import { PostgresRateBudget } from './rate-budget.ts';
import { livenessOnlyWorkflow } from '../../../test/helpers/didit-workflows.ts';

let sandbox: RunningSandbox;
let ctx: AppContext;
let sessionIds: string[];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 21 });
  ({ ctx } = await createTestContext());
  const workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
  sessionIds = Array.from({ length: 12 }, (_, i) => {
    const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: `client-${i}` }), 'session_id');
    sandbox.completeSession(id, { capture: 'match' });
    return id;
  });
});
afterAll(async () => {
  await sandbox.stop();
});

function client(options: Partial<ConstructorParameters<typeof DiditClient>[0]> = {}, budget = new PostgresRateBudget(ctx.db)) {
  return new DiditClient({
    baseUrl: sandbox.url,
    apiKey: sandbox.apiKey,
    budget,
    mediaOrigins: [new URL(sandbox.url).origin],
    baseBackoffMs: 10,
    maxBackoffMs: 50,
    ...options,
  });
}

const decisionCalls = () => sandbox.requests().filter((r) => r.path.endsWith('/decision/'));

describe('Didit client', () => {
  it('reads and adapts a decision', async () => {
    const id = sessionIds[0] ?? '';
    // The client's clock, stopped just before the call: the sandbox signs the links after it.
    const sentAt = Date.now();
    const snapshot = await client({ now: () => sentAt }).getDecision(id);
    expect(snapshot).toMatchObject({ sessionId: id, status: 'Approved', livenessMethod: 'PASSIVE', faceMatchScore: null });
    expect(snapshot.media.selfie).toMatch(/X-Amz-Signature=/);
    expect(snapshot.fetchedAt).toEqual(new Date(sentAt));
    // Signed for an hour (X-Amz-Date is in whole seconds).
    expect(snapshot.mediaExpiresAt?.getTime()).toBeGreaterThanOrEqual(sentAt + 3_599_000);
  });

  it('lists sessions newest first with the limit/offset envelope', async () => {
    const page = await client().listSessions({ limit: 5, offset: 0, dateFrom: new Date(Date.now() - 86_400_000) });
    expect(page.count).toBe(12);
    expect(page.hasMore).toBe(true);
    expect(page.results).toHaveLength(5);
    const last = await client().listSessions({ limit: 5, offset: 10 });
    expect(last.hasMore).toBe(false);
  });

  it('retries 5xx with backoff and jitter, and every attempt is counted in the budget', async () => {
    sandbox.setFaults({ apiErrorRate: 0.5, seed: 3 });
    sandbox.clearRequests();
    const before = await ctx.db
      .selectFrom('didit_rate_grant')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('scope', '=', 'session-decision')
      .executeTakeFirstOrThrow();
    try {
      const c = client({ maxAttempts: 8 });
      for (const id of sessionIds.slice(0, 6)) expect((await c.getDecision(id)).sessionId).toBe(id);
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    const calls = decisionCalls();
    expect(calls.filter((r) => r.status === 503).length).toBeGreaterThan(0);
    expect(calls.filter((r) => r.status === 200)).toHaveLength(6);
    const after = await ctx.db
      .selectFrom('didit_rate_grant')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('scope', '=', 'session-decision')
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(calls.length);
  });

  it('waits until X-RateLimit-Reset when Didit reports 0 remaining, so Didit never has to answer 429', async () => {
    // A Didit of its own: a call another test gave up on can still reach the shared sandbox's
    // limiter later (the timeout test's calls do, after its injected latency) and take one of the three.
    const own = await startSandbox({ seed: 22, rateLimits: { sessionDecision: 3, windowMs: 1_500 } });
    const ownWorkflow = stringField(own.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
    const ids = Array.from({ length: 5 }, (_, i) => {
      const id = stringField(own.createSession({ workflow_id: ownWorkflow, vendor_data: `limited-${i}` }), 'session_id');
      own.completeSession(id, { capture: 'match' });
      return id;
    });
    own.clearRequests();
    // When each call went out, and what Didit said of the scope in its answer.
    const calls: { sentAt: number; remaining: string | null; resetAt: string | null }[] = [];
    try {
      const c = client({
        baseUrl: own.url,
        apiKey: own.apiKey,
        mediaOrigins: [new URL(own.url).origin],
        maxAttempts: 4,
        fetch: async (input, init) => {
          const sentAt = Date.now();
          const res = await fetch(input, init);
          calls.push({
            sentAt,
            remaining: res.headers.get('x-ratelimit-remaining'),
            resetAt: res.headers.get('x-ratelimit-reset'),
          });
          return res;
        },
      });
      for (const id of ids) await c.getDecision(id);
    } finally {
      await own.stop();
    }
    expect(
      own
        .requests()
        .filter((r) => r.path.endsWith('/decision/'))
        .map((r) => r.status),
    ).toEqual([200, 200, 200, 200, 200]);
    // The third answer reports 0 remaining: the fourth call waits for the reset it names.
    expect(calls[2]?.remaining).toBe('0');
    expect(calls[3]?.sentAt).toBeGreaterThanOrEqual(Number(calls[2]?.resetAt) * 1000);
    const scope = await ctx.db
      .selectFrom('didit_rate_scope')
      .selectAll()
      .where('scope', '=', 'session-decision')
      .executeTakeFirstOrThrow();
    expect(scope.reported_limit).toBe(3);
  });

  it('retries a 429 after its Retry-After and records the throttle for every replica', async () => {
    sandbox.setFaults({ apiRateLimitRate: 1 });
    sandbox.clearRequests();
    const waits: number[] = [];
    const c = client({
      maxAttempts: 3,
      // The first attempt is throttled; Didit recovers while the client waits.
      sleep: (ms) => {
        waits.push(ms);
        sandbox.setFaults({ apiRateLimitRate: 0 });
        return Promise.resolve();
      },
    });
    try {
      expect((await c.getDecision(sessionIds[2] ?? '')).sessionId).toBe(sessionIds[2]);
    } finally {
      sandbox.setFaults({ apiRateLimitRate: 0 });
    }
    expect(waits).toEqual([1_000]); // Retry-After: 1, longer than any backoff here (at most 10 ms)
    expect(decisionCalls().map((r) => r.status)).toEqual([429, 200]);
    const scope = await ctx.db
      .selectFrom('didit_rate_scope')
      .selectAll()
      .where('scope', '=', 'session-decision')
      .executeTakeFirstOrThrow();
    expect(scope.last_throttled_at).not.toBeNull();
  });

  it('shares the decision budget across replicas through Postgres', async () => {
    // Two clients, two budgets objects (two replicas), one table: 4 calls per window in all.
    const limits = { 'session-decision': 4 };
    await ctx.db.deleteFrom('didit_rate_grant').execute();
    await ctx.db.deleteFrom('didit_rate_scope').execute();
    const a = client({ maxBudgetWaitMs: 0 }, new PostgresRateBudget(ctx.db, { limits, windowMs: 60_000 }));
    const b = client({ maxBudgetWaitMs: 0 }, new PostgresRateBudget(ctx.db, { limits, windowMs: 60_000 }));
    const results = await Promise.allSettled(sessionIds.slice(0, 10).map((id, i) => (i % 2 === 0 ? a : b).getDecision(id)));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(refused).toHaveLength(6);
    for (const error of refused) expect(error).toMatchObject({ code: 'rate_limited' });
  });

  it('waits for room in the budget instead of failing when allowed to', async () => {
    await ctx.db.deleteFrom('didit_rate_grant').execute();
    const budget = new PostgresRateBudget(ctx.db, { limits: { 'session-decision': 2 }, windowMs: 1_000 });
    const c = client({ maxBudgetWaitMs: 5_000 }, budget);
    await Promise.all(sessionIds.slice(0, 4).map((id) => c.getDecision(id)));
    // Every call was granted, never more than 2 in a second by the budget's own clock (the
    // database's): the last two waited a window. (Grants older than two windows are pruned.)
    const grants = await ctx.db
      .selectFrom('didit_rate_grant')
      .select('granted_at')
      .where('scope', '=', 'session-decision')
      .orderBy('granted_at')
      .execute();
    const at = grants.map((g) => g.granted_at.getTime());
    expect(at).toHaveLength(4);
    for (let i = 2; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 2] ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it('does not retry 4xx other than 429, and names the error with a stable code', async () => {
    const bad = new DiditClient({ baseUrl: sandbox.url, apiKey: 'wrong-key-123', budget: new PostgresRateBudget(ctx.db) });
    sandbox.clearRequests();
    await expect(bad.getDecision(sessionIds[0] ?? '')).rejects.toMatchObject({
      code: 'unauthorized',
      status: 401,
      retryable: false,
    });
    expect(decisionCalls()).toHaveLength(1);
    await expect(client().getDecision('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('times out a slow call and retries it', async () => {
    sandbox.setFaults({ apiLatencyMinMs: 300, apiLatencyMaxMs: 300 });
    try {
      const error = await client({ timeoutMs: 100, maxAttempts: 2 })
        .getDecision(sessionIds[1] ?? '')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiditApiError);
      expect(error).toMatchObject({ code: 'timeout' });
    } finally {
      sandbox.setFaults({ apiLatencyMinMs: 0, apiLatencyMaxMs: 0 });
    }
  });

  it('rejects a decision that does not fit the contract as invalid_response, and accepts a bare-array list', async () => {
    const fake =
      (body: unknown): typeof fetch =>
      () =>
        Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
    const budget = new PostgresRateBudget(ctx.db);
    const broken = new DiditClient({
      baseUrl: 'http://didit.invalid',
      apiKey: 'k-12345678',
      budget,
      fetch: fake({ status: 42 }),
    });
    await expect(broken.getDecision(sessionIds[0] ?? '')).rejects.toMatchObject({ code: 'invalid_response' });
    const bare = new DiditClient({
      baseUrl: 'http://didit.invalid',
      apiKey: 'k-12345678',
      budget,
      fetch: fake([{ session_id: 'a', status: 'Approved' }]),
    });
    expect(await bare.listSessions({ limit: 10, offset: 0 })).toEqual({
      count: 1,
      hasMore: false,
      results: [{ session_id: 'a', status: 'Approved' }],
    });
  });

  it('refuses to call when not configured', async () => {
    const none = new DiditClient({ baseUrl: undefined, apiKey: undefined, budget: new PostgresRateBudget(ctx.db) });
    await expect(none.getDecision('x')).rejects.toMatchObject({ code: 'not_configured' });
  });
});
