import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';

/**
 * `console_review_decisions_total{decision}`: one per decision an analyst records through
 * `POST /api/sessions/:id/decision`, counted once its transaction has committed, so
 * `60 * rate()` is decisions per minute. A refused decision counts nothing.
 */
describe('review decisions counter', () => {
  let ctx: AppContext;
  let baseUrl: string;
  let workflowId: string;
  let token: string;

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    baseUrl = await startTestServer(ctx);
    workflowId = await seedWorkflow(ctx.db, { label: 'Returning user' });
    token = await createApiToken(ctx, 'analyst');
  });

  const decide = (sessionId: string, body: Record<string, unknown>) =>
    fetch(`${baseUrl}/api/sessions/${sessionId}/decision`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** The counter as Prometheus scrapes it, by decision label (0 when the series is absent). */
  async function scraped(): Promise<Record<string, number>> {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const counts: Record<string, number> = { approve: 0, decline: 0 };
    for (const match of text.matchAll(/^console_review_decisions_total\{decision="([^"]+)"\} (\d+)$/gm)) {
      counts[match[1] ?? ''] = Number(match[2]);
    }
    return counts;
  }

  it('goes up by one with decision="approve" for an approval and decision="decline" for a decline', async () => {
    const before = await scraped();
    const approved = await decide(await seedSession(ctx.db, { workflowId }), {
      decision: 'Approved',
      reason: 'same_person',
      expectedVersion: 1,
    });
    expect(approved.status).toBe(201);
    expect(await scraped()).toEqual({ approve: (before.approve ?? 0) + 1, decline: before.decline ?? 0 });

    const declined = await decide(await seedSession(ctx.db, { workflowId }), {
      decision: 'Declined',
      reason: 'different_person',
      expectedVersion: 1,
    });
    expect(declined.status).toBe(201);
    expect(await scraped()).toEqual({ approve: (before.approve ?? 0) + 1, decline: (before.decline ?? 0) + 1 });
  });

  it('counts nothing for a decision refused because the session changed since it was opened', async () => {
    const sessionId = await seedSession(ctx.db, { workflowId });
    const before = await scraped();
    const refused = await decide(sessionId, { decision: 'Approved', reason: 'same_person', expectedVersion: 7 });
    expect(refused.status).toBe(409);
    expect(await ctx.db.selectFrom('review_event').select('id').where('session_id', '=', sessionId).execute()).toEqual([]);
    expect(await scraped()).toEqual(before);
  });
});
