import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../context.ts';
import { createTestContext } from '../../../test/helpers/test-context.ts';
import { DiditApiError } from './didit-error.ts';
import { PostgresRateBudget, type RateScope } from './rate-budget.ts';

let ctx: AppContext;

beforeAll(async () => {
  ({ ctx } = await createTestContext());
});
// Every test starts from an empty window (the log is shared by every budget over this database).
beforeEach(async () => {
  await ctx.db.deleteFrom('didit_rate_grant').execute();
  await ctx.db.deleteFrom('didit_rate_scope').execute();
});

const decisionRead: readonly RateScope[] = ['generic-get', 'session-decision'];

/** Acquires without waiting: true when granted, false when the budget said `rate_limited`. */
async function tryAcquire(budget: PostgresRateBudget, priority: 'interactive' | 'background'): Promise<boolean> {
  try {
    await budget.acquire(decisionRead, { maxWaitMs: 0, priority });
    return true;
  } catch (error) {
    if (error instanceof DiditApiError && error.code === 'rate_limited') return false;
    throw error;
  }
}

async function grants(budget: PostgresRateBudget, priority: 'interactive' | 'background', count: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) out.push(await tryAcquire(budget, priority));
  return out;
}

describe('the Didit rate budget keeps a reserve for the worker', () => {
  it('stops interactive calls at their share of a scope, while the worker still finds the rest', async () => {
    const budget = new PostgresRateBudget(ctx.db, { limits: { 'session-decision': 10 }, interactiveShare: 0.3 });
    expect(budget.interactiveLimit('session-decision')).toBe(3);

    // People asking as fast as they like: 3 of the 10 decision reads, then refused.
    expect(await grants(budget, 'interactive', 6)).toEqual([true, true, true, false, false, false]);
    // The worker's reads still have the other 7.
    expect(await grants(budget, 'background', 8)).toEqual([true, true, true, true, true, true, true, false]);

    const usage = await budget.usage();
    expect(usage.find((u) => u.scope === 'session-decision')).toEqual({
      scope: 'session-decision',
      limit: 10,
      used: 10,
      interactiveLimit: 3,
      interactiveUsed: 3,
    });
  });

  it('counts interactive calls in the scope too, so together they never exceed Didit’s limit', async () => {
    const budget = new PostgresRateBudget(ctx.db, { limits: { 'session-decision': 10 }, interactiveShare: 0.3 });
    expect(await grants(budget, 'background', 9)).toEqual(Array(9).fill(true));
    // One left in the scope: an interactive call may take it, the next finds the scope full.
    expect(await grants(budget, 'interactive', 2)).toEqual([true, false]);
    expect(await tryAcquire(budget, 'background')).toBe(false);
  });

  it('shares the interactive cap between replicas through Postgres', async () => {
    const limits = { 'session-decision': 20 };
    const a = new PostgresRateBudget(ctx.db, { limits, interactiveShare: 0.25 });
    const b = new PostgresRateBudget(ctx.db, { limits, interactiveShare: 0.25 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => tryAcquire(i % 2 === 0 ? a : b, 'interactive')));
    expect(results.filter(Boolean)).toHaveLength(5);
    expect(await tryAcquire(a, 'background')).toBe(true);
  });

  it('says how long until an interactive call fits again when the share is spent', async () => {
    const budget = new PostgresRateBudget(ctx.db, { limits: { 'session-decision': 10 }, interactiveShare: 0.1 });
    await budget.acquire(decisionRead, { maxWaitMs: 0, priority: 'interactive' });
    const refused = await budget.acquire(decisionRead, { maxWaitMs: 0, priority: 'interactive' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DiditApiError);
    const retryAfterMs = (refused as DiditApiError).details.retryAfterMs ?? 0;
    expect(retryAfterMs).toBeGreaterThan(50_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('with a share of 0, people never reach Didit and the worker keeps the whole budget', async () => {
    const budget = new PostgresRateBudget(ctx.db, { limits: { 'session-decision': 2 }, interactiveShare: 0 });
    expect(await tryAcquire(budget, 'interactive')).toBe(false);
    expect(await grants(budget, 'background', 3)).toEqual([true, true, false]);
  });

  it('leaves the worker’s calls as they were: background is the default', async () => {
    const budget = new PostgresRateBudget(ctx.db, { limits: { 'session-decision': 3 }, interactiveShare: 0.3 });
    for (let i = 0; i < 3; i++) await budget.acquire(decisionRead, { maxWaitMs: 0 });
    const usage = await budget.usage();
    expect(usage.find((u) => u.scope === 'session-decision')).toMatchObject({ used: 3, interactiveUsed: 0 });
  });
});
