import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringField } from '../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { MediaRefresher } from '../sync/media-refresh.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';
import { DiditClient } from '../vendors/didit/didit-client.ts';
import { PostgresRateBudget } from '../vendors/didit/rate-budget.ts';
import { enqueue, jobs } from '../worker/jobs.ts';
import { buildCronItems, buildTaskList, startupJobs } from '../worker/runner.ts';
import { applyRetention } from './retention.ts';

/**
 * Retention against what could bring the data back: a media refresh whose answer from Didit
 * arrives after retention removed the session's data must not store it again. And the worker's
 * job: registered hourly and at start, it removes what is due.
 */

let sandbox: RunningSandbox;
let ctx: AppContext;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 1919, mediaTtlSeconds: 3600 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: 'retention-refresh-secret-00001',
  }));
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
  return () => sandbox.stop();
});

describe('a media refresh racing retention', () => {
  it("does not store Didit's answer when retention removed the session's data while Didit answered", async () => {
    const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: 'person-racing' }), 'session_id');
    sandbox.completeSession(id, { capture: 'match' });
    await repairSessionFromDidit(ctx, id);
    const decidedAt = (
      await ctx.db.selectFrom('verification_session').select('decided_at').where('id', '=', id).executeTakeFirstOrThrow()
    ).decided_at!;
    const retentionNow = new Date(decidedAt.getTime() + 91 * 86_400_000);

    // Didit answers the refresh only once retention (91 days on) has committed.
    let calls = 0;
    const didit = new DiditClient({
      baseUrl: sandbox.url,
      apiKey: sandbox.apiKey,
      budget: new PostgresRateBudget(ctx.db, { interactiveShare: ctx.config.didit.interactiveBudgetShare }),
      mediaOrigins: ctx.didit.mediaOrigins,
      fetch: async (input, init) => {
        calls += 1;
        await applyRetention(ctx, { now: retentionNow });
        return fetch(input, init);
      },
    });
    const refresher = new MediaRefresher({
      db: ctx.db,
      didit,
      logger: ctx.logger,
      metrics: ctx.metrics,
      marginSeconds: ctx.config.didit.mediaRefreshMarginSeconds,
    });

    const result = await refresher.refresh(id, { force: true });
    expect(calls).toBe(1);
    expect(result).toMatchObject({ media: {}, refreshed: false });
    const row = await ctx.db.selectFrom('verification_session').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ decision: null, media: {}, vendor_data: null, personal_data_removal: 'retention' });
    expect(row.personal_data_removed_at).toEqual(retentionNow);
  });
});

describe("retention's worker job", () => {
  it('is queued hourly and when a worker starts', () => {
    expect(buildCronItems(ctx)).toContainEqual(expect.objectContaining({ task: 'apply_retention', match: '7 * * * *' }));
    expect(startupJobs).toContain(jobs.applyRetention);
    expect(Object.keys(buildTaskList(ctx))).toContain('apply_retention');
  });

  it("removes a long-final session's data and leaves a session In Review alone", async () => {
    const wf = await seedWorkflow(ctx.db);
    const finished = await seedSession(ctx.db, { workflowId: wf, status: 'Declined', vendorData: 'person-gone' });
    const waiting = await seedSession(ctx.db, { workflowId: wf, status: 'In Review', vendorData: 'person-waiting' });
    // Years before any clock this test could run on.
    const longAgo = new Date('2001-01-01T00:00:00.000Z');
    await ctx.db
      .updateTable('verification_session')
      .set({ decided_at: longAgo, event_at: longAgo })
      .where('id', 'in', [finished, waiting])
      .execute();

    await enqueue(ctx.db, jobs.applyRetention, {});
    await runJobsOnce(ctx.pool, buildTaskList(ctx));

    const rows = await ctx.db
      .selectFrom('verification_session')
      .select(['id', 'vendor_data', 'personal_data_removal'])
      .where('id', 'in', [finished, waiting])
      .execute();
    expect(rows.find((row) => row.id === finished)).toMatchObject({ vendor_data: null, personal_data_removal: 'retention' });
    expect(rows.find((row) => row.id === waiting)).toMatchObject({ vendor_data: 'person-waiting', personal_data_removal: null });
    const failed = await ctx.db
      .selectFrom(sql`graphile_worker.jobs`.as('j'))
      .select(sql<number>`count(*)::int`.as('count'))
      .where(sql`last_error`, 'is not', null)
      .executeTakeFirstOrThrow();
    expect(failed.count).toBe(0);
  });
});
