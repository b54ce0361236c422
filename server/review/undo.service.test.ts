import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedSession, seedUser, seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { Actor } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { analystFigures, timeToDecision } from '../insights/insights.repository.ts';
import { decisionPushKey } from '../worker/jobs.ts';
import type { ReviewDeps } from './review-deps.ts';
import { reviewReads, reviewService } from './review.service.ts';

/**
 * Undoing a decision against the clock (issue 20): the rules are given a clock the test moves, so
 * the window opens and closes without waiting. Over HTTP, with Didit, in undo.routes.test.ts.
 */
describe('undoing a decision, with a moved clock', () => {
  let ctx: AppContext;
  let workflowId: string;
  let alice: Actor;
  let bob: Actor;
  let clock: Date;
  const origin = { ip: '127.0.0.1' };
  const deps = (undoSeconds = 30): ReviewDeps => ({ settings: { ...ctx.config.review, undoSeconds }, now: () => clock });
  const inTrx = <T>(work: (service: ReturnType<typeof reviewService>) => Promise<T>, d = deps()) =>
    ctx.db.transaction().execute((trx) => work(reviewService(trx, d)));
  const version = async (id: string) =>
    (await ctx.db.selectFrom('verification_session').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;
  const later = (seconds: number) => new Date(clock.getTime() + seconds * 1000);

  /** Claimed and approved by `who` at the clock's time; returns the session and the decision's event id. */
  async function approved(who: Actor, d = deps()): Promise<{ id: string; eventId: number }> {
    const id = await seedSession(ctx.db, { workflowId, inReviewSince: new Date(clock.getTime() - 20 * 60_000) });
    await inTrx((s) => s.claim(id, who, origin), d);
    const eventId = await inTrx(
      async (s) =>
        s.recordDecision(
          id,
          who,
          { decision: 'Approved', reason: 'genuine_capture', expectedVersion: await version(id) },
          origin,
        ),
      d,
    );
    return { id, eventId };
  }

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    workflowId = await seedWorkflow(ctx.db);
    alice = await seedUser(ctx.db, 'alice@example.test', 'analyst');
    bob = await seedUser(ctx.db, 'bob@example.test', 'analyst');
  });

  beforeEach(async () => {
    clock = new Date(Date.now() - 60_000);
    await sql`truncate review_event, verification_session cascade`.execute(ctx.db);
    await sql`delete from graphile_worker._private_jobs`.execute(ctx.db);
  });

  it('holds the push until the window closes: the job runs at the decision time plus REVIEW_UNDO_SECONDS', async () => {
    const { id, eventId } = await approved(alice);
    const event = await ctx.db
      .selectFrom('review_event')
      .select(['undo_until'])
      .where('id', '=', eventId)
      .executeTakeFirstOrThrow();
    expect(event.undo_until).toEqual(later(30));
    const { rows } = await sql<{
      run_at: Date;
    }>`select run_at from graphile_worker._private_jobs where key = ${decisionPushKey(id)}`.execute(ctx.db);
    expect(rows.map((row) => row.run_at)).toEqual([later(30)]);
    const detail = await reviewReads(ctx.db, deps()).sessionDetail(id, alice);
    expect(detail).toMatchObject({ undoUntil: later(30).toISOString(), allowed: { undo: true } });
    // Only the decider is offered it.
    expect(await reviewReads(ctx.db, deps()).sessionDetail(id, bob)).toMatchObject({ undoUntil: null, allowed: { undo: false } });
  });

  it('undoes within the window, one second before it closes', async () => {
    const { id } = await approved(alice);
    clock = later(29);
    await inTrx(async (s) => s.undoDecision(id, alice, { expectedVersion: await version(id) }, origin));
    const session = await ctx.db.selectFrom('verification_session').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(session).toMatchObject({ status: 'In Review', claimed_by: alice.id, review_push_state: null });
  });

  it('refuses once the window has closed (409 undo_window_closed), and the push stays on its way', async () => {
    const { id, eventId } = await approved(alice);
    clock = later(30);
    await expect(
      inTrx(async (s) => s.undoDecision(id, alice, { expectedVersion: await version(id) }, origin)),
    ).rejects.toMatchObject({
      status: 409,
      details: { reason: 'undo_window_closed' },
    });
    const event = await ctx.db
      .selectFrom('review_event')
      .select(['push_state', 'undone_at'])
      .where('id', '=', eventId)
      .executeTakeFirstOrThrow();
    expect(event).toEqual({ push_state: 'pending', undone_at: null });
    expect((await reviewReads(ctx.db, deps()).sessionDetail(id, alice)).allowed.undo).toBe(false);
  });

  it('with REVIEW_UNDO_SECONDS=0 nothing waits and nothing can be undone (409 undo_disabled)', async () => {
    const off = deps(0);
    const { id, eventId } = await approved(alice, off);
    const event = await ctx.db
      .selectFrom('review_event')
      .select(['undo_until'])
      .where('id', '=', eventId)
      .executeTakeFirstOrThrow();
    expect(event.undo_until).toBeNull();
    const { rows } = await sql<{
      due: boolean;
    }>`select run_at <= now() as due from graphile_worker._private_jobs where key = ${decisionPushKey(id)}`.execute(ctx.db);
    expect(rows).toEqual([{ due: true }]);
    await expect(
      inTrx(async (s) => s.undoDecision(id, alice, { expectedVersion: await version(id) }, origin), off),
    ).rejects.toMatchObject({ status: 409, details: { reason: 'undo_disabled' } });
    expect((await reviewReads(ctx.db, off).sessionDetail(id, alice)).allowed.undo).toBe(false);
  });

  it("an API token's decision has no window (it cannot be undone): its push is due at once", async () => {
    const id = await seedSession(ctx.db, { workflowId });
    const token: Actor = { kind: 'token', id: '00000000-0000-4000-8000-000000000001', label: 'ci', role: 'analyst' };
    const eventId = await inTrx((s) =>
      s.recordDecision(id, token, { decision: 'Declined', reason: 'presentation_attack', expectedVersion: 1 }, origin),
    );
    const event = await ctx.db
      .selectFrom('review_event')
      .select(['undo_until'])
      .where('id', '=', eventId)
      .executeTakeFirstOrThrow();
    expect(event.undo_until).toBeNull();
    await expect(inTrx((s) => s.undoDecision(id, token, { expectedVersion: 2 }, origin))).rejects.toMatchObject({ status: 403 });
  });

  it('insights count an undone decision nowhere: the decision made again instead is the one counted', async () => {
    const { id, eventId } = await approved(alice);
    await inTrx(async (s) => s.undoDecision(id, alice, { expectedVersion: await version(id) }, origin));
    // The undone decision came a minute into the stay; the one made again, twenty minutes in.
    const inReviewSince = new Date(clock.getTime() - 20 * 60_000);
    await sql`update review_event set created_at = ${new Date(inReviewSince.getTime() + 60_000)} where id = ${eventId}`.execute(
      ctx.db,
    );
    clock = later(5);
    await inTrx(async (s) =>
      s.recordDecision(
        id,
        alice,
        { decision: 'Declined', reason: 'presentation_attack', expectedVersion: await version(id) },
        origin,
      ),
    );
    const window = {
      from: new Date(clock.getTime() - 3_600_000),
      to: new Date(Date.now() + 3_600_000),
      workflowId: null,
      now: new Date(),
    };
    const analysts = await analystFigures(ctx.db, window);
    expect(analysts).toEqual([expect.objectContaining({ actor_id: alice.id, decisions: 1, approved: 0, declined: 1 })]);
    const times = await timeToDecision(ctx.db, window);
    const overall = times.find((row) => row.all_days && row.all_workflows);
    expect(overall).toMatchObject({ decisions: 1 });
    expect(overall?.p50).toBeGreaterThan(19);
  });
});
