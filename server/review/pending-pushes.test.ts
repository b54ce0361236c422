import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { faceMatchWorkflow } from '../../test/helpers/didit-workflows.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { recordHeartbeat, unlockDeadWorkers } from '../worker/liveness.ts';
import { probeWaitingPushes } from './pending-pushes.ts';
import { decisionPushKey } from '../worker/jobs.ts';
import { buildTaskList } from '../worker/runner.ts';

/**
 * A decision whose push a worker took and then died with (SIGKILL, lost machine): listed on the
 * Sync page with its job's state, freed by the dead-worker sweep or re-queued by a lead, and
 * pushed to Didit once, even when the dead worker's push had already reached Didit.
 */
describe('decisions stuck on their way to Didit', () => {
  let ctx: AppContext;
  let sandbox: RunningSandbox;
  let baseUrl: string;
  let workflowId: string;
  const tokens: Record<'viewer' | 'analyst' | 'lead', string> = { viewer: '', analyst: '', lead: '' };

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 17 });
    const workflow = sandbox.createWorkflow(faceMatchWorkflow());
    workflowId = (workflow.workflow_id ?? workflow.uuid) as string;
    ({ ctx } = await createTestContext({
      DIDIT_BASE_URL: sandbox.url,
      DIDIT_API_KEY: sandbox.apiKey,
      DIDIT_WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
    }));
    baseUrl = await startTestServer(ctx);
    await seedWorkflow(ctx.db, { id: workflowId, label: 'Returning user' });
    for (const role of ['viewer', 'analyst', 'lead'] as const) tokens[role] = await createApiToken(ctx, role);
    return () => sandbox.stop();
  });

  const call = (role: keyof typeof tokens, method: string, path: string, body?: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...authHeaders(tokens[role]), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** A session In Review at the sandbox and here, approved by the analyst: its push is queued, not run. */
  async function decidedSession(): Promise<{ sessionId: string; reviewEventId: number }> {
    const vendorData = `user-${randomUUID().slice(0, 8)}`;
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: sandbox.portraitFor(vendorData),
    });
    const sessionId = created.session_id as string;
    sandbox.openSession(sessionId);
    sandbox.completeSession(sessionId, { capture: 'mismatch', faceMatchScore: 60 });
    await seedSession(ctx.db, { id: sessionId, workflowId, vendorData, faceMatchScore: 60 });
    const decided = await call('analyst', 'POST', `/api/sessions/${sessionId}/decision`, {
      decision: 'Approved',
      reason: 'same_person',
      expectedVersion: 1,
    });
    expect(decided.status).toBe(201);
    const event = await ctx.db
      .selectFrom('review_event')
      .select('id')
      .where('session_id', '=', sessionId)
      .where('kind', '=', 'approve')
      .executeTakeFirstOrThrow();
    return { sessionId, reviewEventId: event.id };
  }

  /** As a worker leaves it when it dies mid-push: the job locked by its id, its heartbeat going stale. */
  async function takenByWorkerThatDied(sessionId: string, options: { heartbeatSecondsAgo: number; decidedMinutesAgo: number }) {
    const holder = `worker-${randomUUID()}`;
    await recordHeartbeat(ctx.db, { workerId: `host:${holder}`, startedAt: new Date() }, [holder]);
    await sql`update worker_heartbeat set last_seen_at = now() - make_interval(secs => ${options.heartbeatSecondsAgo})
               where worker_id = ${`host:${holder}`}`.execute(ctx.db);
    await sql`update graphile_worker._private_jobs set locked_by = ${holder}, locked_at = now() - interval '1 minute', attempts = 1
               where key = ${decisionPushKey(sessionId)}`.execute(ctx.db);
    await sql`update review_event set created_at = now() - make_interval(mins => ${options.decidedMinutesAgo})
               where session_id = ${sessionId}`.execute(ctx.db);
    return holder;
  }

  const pushesTo = (sessionId: string) =>
    sandbox.requests().filter((r) => r.method === 'PATCH' && r.path.includes(`/session/${sessionId}/update-status`)).length;

  async function pendingPushes() {
    const res = await call('viewer', 'GET', '/api/sync/status');
    expect(res.status).toBe(200);
    return (await bodyOf(res)).pushes as { pendingCount: number; pending: Array<Record<string, unknown>> };
  }

  it('lists the stuck push for everyone, lets a lead re-queue it, and Didit gets it once', async () => {
    const { sessionId, reviewEventId } = await decidedSession();
    await takenByWorkerThatDied(sessionId, { heartbeatSecondsAgo: 90, decidedMinutesAgo: 5 });

    const listed = (await pendingPushes()).pending.find((p) => p.reviewEventId === reviewEventId);
    expect(listed).toMatchObject({ sessionId, decision: 'Approved', job: 'held_by_dead_worker', requeueable: true });

    expect((await call('analyst', 'POST', `/api/sync/pushes/${reviewEventId}/requeue`)).status).toBe(403);
    const requeued = await call('lead', 'POST', `/api/sync/pushes/${reviewEventId}/requeue`);
    expect(requeued.status).toBe(202);
    expect(await bodyOf(requeued)).toEqual({ reviewEventId, wasJob: 'held_by_dead_worker', status: 'queued' });

    await runJobsOnce(ctx.pool, buildTaskList(ctx));
    expect(sandbox.decision(sessionId).status).toBe('Approved');
    expect(pushesTo(sessionId)).toBe(1);
    expect((await pendingPushes()).pending.map((p) => p.reviewEventId)).not.toContain(reviewEventId);
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('target_id', '=', sessionId)
      .where('action', '=', 'session.decision_push_requeued')
      .execute();
    expect(audit).toEqual([{ action: 'session.decision_push_requeued', details: expect.objectContaining({ reviewEventId }) }]);
  });

  it('does not push twice when the worker that died had already reached Didit', async () => {
    const { sessionId } = await decidedSession();
    // The dead worker's PATCH landed; it died before recording Didit's answer.
    await ctx.didit.updateStatus(sessionId, { new_status: 'Approved', comment: 'pushed by the worker that died' });
    await takenByWorkerThatDied(sessionId, { heartbeatSecondsAgo: 90, decidedMinutesAgo: 1 });

    // No lead needed: the sweep every worker runs frees it.
    expect((await unlockDeadWorkers(ctx.db)).jobs).toBeGreaterThanOrEqual(1);
    await runJobsOnce(ctx.pool, buildTaskList(ctx));

    expect(pushesTo(sessionId)).toBe(1);
    const session = await ctx.db
      .selectFrom('verification_session')
      .select('review_push_state')
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow();
    expect(session.review_push_state).toBe('confirmed');
  });

  it('follows Didit back within a probe: one waiting push is tried, and its success sends the rest', async () => {
    // Another test's push due now, or held by a live worker, would be the probe itself: start with none.
    await sql`delete from graphile_worker._private_jobs
               where task_id = (select id from graphile_worker._private_tasks where identifier = 'push_review_decision')`.execute(
      ctx.db,
    );
    const decided = [await decidedSession(), await decidedSession(), await decidedSession()];
    // As graphile-worker leaves them after a long outage: six failures, the next try half an hour away.
    const keys = decided.map(({ sessionId }) => decisionPushKey(sessionId));
    await sql`update graphile_worker._private_jobs set attempts = 6, run_at = now() + interval '30 minutes'
               where key = any(${keys}::text[])`.execute(ctx.db);

    expect(await probeWaitingPushes(ctx.db)).toBe(true);
    expect(await probeWaitingPushes(ctx.db)).toBe(false); // one probe at a time: it is due now
    await runJobsOnce(ctx.pool, buildTaskList(ctx));

    for (const { sessionId } of decided) {
      expect(sandbox.decision(sessionId).status).toBe('Approved');
      expect(pushesTo(sessionId)).toBe(1);
    }
  });

  it('refuses to re-queue a push too young, one a live worker runs, and one that does not exist', async () => {
    const young = await decidedSession();
    const tooEarly = await call('lead', 'POST', `/api/sync/pushes/${young.reviewEventId}/requeue`);
    expect(tooEarly.status).toBe(409);
    expect((await bodyOf(tooEarly)).error.details).toMatchObject({ reason: 'too_early' });

    const running = await decidedSession();
    await takenByWorkerThatDied(running.sessionId, { heartbeatSecondsAgo: 0, decidedMinutesAgo: 5 });
    const busy = await call('lead', 'POST', `/api/sync/pushes/${running.reviewEventId}/requeue`);
    expect(busy.status).toBe(409);
    expect((await bodyOf(busy)).error.details).toMatchObject({ reason: 'running' });

    expect((await call('lead', 'POST', '/api/sync/pushes/2147483000/requeue')).status).toBe(404);
    expect((await call('lead', 'POST', '/api/sync/pushes/not-a-number/requeue')).status).toBe(400);
  });
});
