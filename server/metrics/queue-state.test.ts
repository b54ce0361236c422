import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { seedSession, seedUser, seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import type { WorkflowDrift } from '../db/schema.ts';
import type { Metrics } from '../metrics.ts';
import { RECONCILE_CURSOR, type CursorState } from '../sync/reconcile.ts';
import { parseBusinessHours } from '../review/sla.ts';
import { refreshQueueStateGauges } from './queue-state.ts';

/**
 * Issue 18, metrics: the gauges on-call alerts on, read from a real database as of an injected
 * clock, with workflow ids the only label values: never an email, a session id, vendor_data or
 * an analyst's name. Each test has its own database (the gauges count the whole of it, and CI
 * shuffles the tests).
 */
describe('queue state gauges', () => {
  /** The injected clock: every age below is measured against it, not the database's now(). */
  const now = new Date('2031-03-14T12:00:00.000Z');
  const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

  /** Personal-looking values, seeded everywhere they could leak from. */
  const personal = {
    email: 'zelda.quartermaine@example.org',
    vendorData: 'customer-ZQ-7731-vendor',
    vendorEmail: 'vendor.person+kyc@mail.example.net',
    analystName: 'Zebulon Quartermaine',
  };

  const drift: WorkflowDrift = {
    didit: { livenessReview: 70, livenessDecline: 40, faceMatchReview: null, faceMatchDecline: null },
    ours: { livenessReview: 80, livenessDecline: 50, faceMatchReview: null, faceMatchDecline: null },
    version: 2,
  };

  /** A database of its own with two workflows (SLA 60 and 240 minutes; drift on the second) and seeding helpers. */
  async function world() {
    const { ctx } = await createTestContext();
    const strict = await seedWorkflow(ctx.db, { label: 'Strict', slaMinutes: 60 });
    const relaxed = await seedWorkflow(ctx.db, { label: 'Relaxed', slaMinutes: 240 });
    await ctx.db
      .updateTable('workflow')
      .set({ drift: JSON.stringify(drift) })
      .where('id', '=', relaxed)
      .execute();
    const sessionIds: string[] = [];

    const session = async (
      workflowId: string,
      values: { inReviewSince?: Date; status?: string; vendorData?: string; pushState?: 'pending' | 'failed' } = {},
    ) => {
      const id = await seedSession(ctx.db, { workflowId, ...values });
      if (values.pushState) {
        await ctx.db
          .updateTable('verification_session')
          .set({ review_push_state: values.pushState })
          .where('id', '=', id)
          .execute();
      }
      sessionIds.push(id);
      return id;
    };
    const decision = (sessionId: string, kind: 'approve' | 'decline', pushState: 'pending' | 'confirmed' | 'failed') =>
      ctx.db
        .insertInto('review_event')
        .values({ session_id: sessionId, kind, actor_label: personal.analystName, push_state: pushState })
        .execute();
    const inbox = (values: { parked: boolean; processed: boolean }) =>
      ctx.db
        .insertInto('webhook_event')
        .values({
          dedupe_key: randomUUID(),
          webhook_type: 'status.updated',
          session_id: sessionIds[0] ?? null,
          status: 'In Review',
          event_timestamp: minutesAgo(5),
          event_id: null,
          signature_variant: 'v2',
          payload: JSON.stringify({ vendor_data: personal.vendorData }),
          processed_at: values.processed ? minutesAgo(1) : null,
          parked_at: values.parked ? minutesAgo(2) : null,
          last_error: null,
        })
        .execute();
    const cursor = (state: CursorState) =>
      ctx.db
        .insertInto('sync_cursor')
        .values({ name: RECONCILE_CURSOR, state: JSON.stringify(state) })
        .onConflict((oc) => oc.column('name').doUpdateSet({ state: JSON.stringify(state) }))
        .execute();
    return { ctx, strict, relaxed, sessionIds, session, decision, inbox, cursor };
  }

  /** A metric's samples by workflow_id label ('' for an unlabelled metric). */
  async function samples(ctx: AppContext, name: Exclude<keyof Metrics, 'registry'>): Promise<Record<string, number>> {
    const { values } = await ctx.metrics[name].get();
    return Object.fromEntries(values.map((v) => [(v.labels as Partial<Record<string, string>>).workflow_id ?? '', v.value]));
  }

  it('counts depth, oldest age and SLA breaches per workflow, failed pushes, parked rows, lag and drift', async () => {
    const { ctx, strict, relaxed, session, decision, inbox, cursor } = await world();
    // Strict (SLA 60 min): waiting 30, 90 and 120 minutes, the last two past the SLA.
    await session(strict, { inReviewSince: minutesAgo(30) });
    await session(strict, { inReviewSince: minutesAgo(90) });
    await session(strict, { inReviewSince: minutesAgo(120) });
    // Decided here, its push on its way: no longer waiting for an analyst.
    await decision(await session(strict, { inReviewSince: minutesAgo(600), pushState: 'pending' }), 'approve', 'pending');
    // Didit refused the push: back in the queue, and a failed push.
    await decision(await session(strict, { inReviewSince: minutesAgo(45), pushState: 'failed' }), 'decline', 'failed');
    // Decided by Didit: not In Review.
    await session(strict, { status: 'Approved' });
    // Relaxed (SLA 240 min): one waiting, within the SLA.
    await session(relaxed, { inReviewSince: minutesAgo(10) });
    // A failed push followed by a later decision is not the session's latest: not counted.
    const redecided = await session(relaxed, { status: 'Declined' });
    await decision(redecided, 'approve', 'failed');
    await decision(redecided, 'decline', 'confirmed');
    // No workflow, no in_review_since: aged from first_seen_at, against the default 240 minutes.
    const orphan = await session(strict);
    // first_seen_at is never updated by the app (its type says so); a test may backdate it.
    await sql`update verification_session set workflow_id = null, in_review_since = null, first_seen_at = ${minutesAgo(300)}
               where id = ${orphan}`.execute(ctx.db);
    await inbox({ parked: true, processed: false });
    await inbox({ parked: true, processed: false });
    await inbox({ parked: true, processed: true });
    await inbox({ parked: false, processed: false });
    await cursor({
      active: null,
      lastCompleted: {
        since: minutesAgo(4320).toISOString(),
        startedAt: minutesAgo(12).toISOString(),
        finishedAt: minutesAgo(11).toISOString(),
        examined: 10,
        repaired: 0,
      },
    });

    await refreshQueueStateGauges(ctx.db, ctx.metrics, now);

    expect(await samples(ctx, 'reviewQueueDepth')).toEqual({ [strict]: 4, [relaxed]: 1, none: 1 });
    expect(await samples(ctx, 'reviewQueueOldestSeconds')).toEqual({ [strict]: 7200, [relaxed]: 600, none: 18000 });
    expect(await samples(ctx, 'reviewSlaBreaches')).toEqual({ [strict]: 2, [relaxed]: 0, none: 1 });
    expect(await samples(ctx, 'thresholdDrift')).toEqual({ [strict]: 0, [relaxed]: 1 });
    expect(await samples(ctx, 'decisionPushesFailed')).toEqual({ '': 1 });
    expect(await samples(ctx, 'inboxParked')).toEqual({ '': 2 });
    expect(await samples(ctx, 'reconciliationLagSeconds')).toEqual({ '': 720 });
  });

  it('counts SLA breaches in business hours, as the queue and insights do (SLA_BUSINESS_HOURS)', async () => {
    const { ctx, strict, relaxed, session } = await world();
    // Friday 14 March 2031, 12:00 UTC; business hours Mon-Fri 09:00-17:00 UTC.
    const sla = { businessHours: parseBusinessHours('Mon-Fri 09:00-17:00 UTC'), atRiskShare: 0.2 };
    await session(strict, { inReviewSince: new Date('2031-03-14T10:30:00Z') }); // 90 business minutes: breached (60)
    await session(strict, { inReviewSince: new Date('2031-03-14T11:30:00Z') }); // 30: not
    await session(strict, { inReviewSince: new Date('2031-03-13T16:45:00Z') }); // 15 Thu + 180 Fri: breached
    await session(relaxed, { inReviewSince: new Date('2031-03-13T16:30:00Z') }); // 210 of 240: not (19.5 h on the wall clock)
    await session(relaxed, { inReviewSince: new Date('2031-03-13T13:00:00Z') }); // 240 + 180: breached
    await refreshQueueStateGauges(ctx.db, ctx.metrics, now, sla);
    expect(await samples(ctx, 'reviewSlaBreaches')).toEqual({ [strict]: 2, [relaxed]: 1 });
    // The same sessions on the wall clock (24/7): every one but the strict half-hour.
    await refreshQueueStateGauges(ctx.db, ctx.metrics, now);
    expect(await samples(ctx, 'reviewSlaBreaches')).toEqual({ [strict]: 2, [relaxed]: 2 });
  });

  it("drops a workflow's series once its sessions leave review, and the lag once no walk is recorded", async () => {
    const { ctx, strict, relaxed, session, cursor } = await world();
    await session(strict, { inReviewSince: minutesAgo(90) });
    await session(strict, { inReviewSince: minutesAgo(5) });
    await session(relaxed, { inReviewSince: minutesAgo(10) });
    await cursor({
      active: {
        since: minutesAgo(4320).toISOString(),
        startedAt: minutesAgo(3).toISOString(),
        offset: 0,
        total: null,
        examined: 0,
        repaired: 0,
      },
    });
    await refreshQueueStateGauges(ctx.db, ctx.metrics, now);
    expect(await samples(ctx, 'reviewQueueDepth')).toEqual({ [strict]: 2, [relaxed]: 1 });
    expect(await samples(ctx, 'reviewSlaBreaches')).toEqual({ [strict]: 1, [relaxed]: 0 });
    expect(await samples(ctx, 'reconciliationLagSeconds')).toEqual({ '': 180 });

    await ctx.db
      .updateTable('verification_session')
      .set({ status: 'Approved', in_review_since: null })
      .where('workflow_id', '=', strict)
      .execute();
    await ctx.db.deleteFrom('sync_cursor').where('name', '=', RECONCILE_CURSOR).execute();
    await refreshQueueStateGauges(ctx.db, ctx.metrics, now);

    expect(await samples(ctx, 'reviewQueueDepth')).toEqual({ [relaxed]: 1 });
    expect(await samples(ctx, 'reviewQueueOldestSeconds')).toEqual({ [relaxed]: 600 });
    expect(await samples(ctx, 'reviewSlaBreaches')).toEqual({ [relaxed]: 0 });
    // Drift is per known workflow, whether or not anything waits in it.
    expect(await samples(ctx, 'thresholdDrift')).toEqual({ [strict]: 0, [relaxed]: 1 });
    expect(await samples(ctx, 'reconciliationLagSeconds')).toEqual({});
    const text = await ctx.metrics.registry.metrics();
    expect(text).not.toContain(`workflow_id="${strict}"} 2`);
    expect(text).not.toMatch(/^didit_reconciliation_lag_seconds /m);
  });

  it('puts no personal data in any label of /metrics: no email, session id, vendor_data or analyst name', async () => {
    const { ctx, strict, relaxed, sessionIds, session, decision, inbox } = await world();
    const baseUrl = await startTestServer(ctx);
    await seedUser(ctx.db, personal.email, 'analyst');
    await session(strict, { inReviewSince: minutesAgo(90), vendorData: personal.vendorData });
    await session(strict, { inReviewSince: minutesAgo(20), vendorData: personal.vendorEmail });
    await decision(
      await session(relaxed, { inReviewSince: minutesAgo(20), vendorData: personal.email, pushState: 'failed' }),
      'approve',
      'failed',
    );
    await inbox({ parked: true, processed: false });
    await refreshQueueStateGauges(ctx.db, ctx.metrics, now);

    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`console_review_queue_depth{workflow_id="${strict}"} 2`);
    expect(text).toContain('console_decision_pushes_failed 1');
    expect(text).toContain('didit_inbox_parked 1');

    for (const value of Object.values(personal)) expect(text).not.toContain(value);
    for (const id of sessionIds) expect(text).not.toContain(id);
    const labels = [...text.matchAll(/^[a-zA-Z_:][a-zA-Z0-9_:]*\{([^}]*)\}/gm)].flatMap((sample) =>
      [...(sample[1] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((pair) => ({
        name: pair[1] ?? '',
        value: pair[2] ?? '',
      })),
    );
    expect(labels.some((label) => label.name === 'workflow_id')).toBe(true);
    for (const { name, value } of labels) {
      const shown = `${name}="${value}"`;
      expect(value, shown).not.toMatch(/@/);
      expect(value, shown).not.toMatch(/\s/);
      if (name === 'workflow_id') expect([strict, relaxed, 'none'], shown).toContain(value);
      else expect(value, shown).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    }
  });
});
