import { sql } from 'kysely';
import { startReviewConsole } from '../../test/helpers/review-console.ts';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession } from '../../test/helpers/seed.ts';
import { type SsoTestConsole } from '../../test/helpers/sso.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { decisionPushKey } from '../worker/jobs.ts';
import { buildTaskList } from '../worker/runner.ts';
import { enqueueDecisionPush } from './review.repository.ts';

/**
 * `POST /api/sessions/:id/undo-decision` over real HTTP (issue 20), people signed in through the
 * dev IdP, REVIEW_UNDO_SECONDS=30, decisions pushed to the Didit sandbox. The window's end is
 * tested with a moved clock in undo.service.test.ts; here the window is open, and "the window
 * passed" is graphile-worker's clock moved by hand (the push job made due).
 */
describe('undoing the last decision', () => {
  let app: SsoTestConsole;
  let sandbox: RunningSandbox;
  let workflowId: string;
  const people = signedInPeople(() => app.baseUrl);
  const { post } = people;
  const get = async (email: string, path: string) => bodyOf(await people.get(email, path));
  const undo = (email: string, id: string, body: unknown) => post(email, `/api/sessions/${id}/undo-decision`, body);

  const runWorker = () => runJobsOnce(app.ctx.pool, buildTaskList(app.ctx));
  /** The window passed, as far as graphile-worker knows: every push job is due now. */
  const windowPassed = () =>
    sql`update graphile_worker._private_jobs set run_at = now() where key like ${decisionPushKey('') + '%'}`.execute(app.ctx.db);
  const pushesTo = (id: string) =>
    sandbox.requests().filter((r) => r.method === 'PATCH' && r.path === `/v3/session/${id}/update-status/`);
  const pushJob = async (id: string) =>
    (
      await sql<{ id: string }>`select id from graphile_worker._private_jobs where key = ${decisionPushKey(id)}`.execute(
        app.ctx.db,
      )
    ).rows[0];

  /** In Review at the sandbox and here, claimed and decided by `email`; answers the session after the decision. */
  async function decided(vendorData: string, email = 'analyst@example.test', decision = 'Approved') {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: sandbox.portraitFor(vendorData),
    });
    const id = created.session_id as string;
    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'mismatch', faceMatchScore: 60 });
    await seedSession(app.ctx.db, { id, workflowId, vendorData, faceMatchScore: 60 });
    const claimed = await post(email, `/api/sessions/${id}/claim`);
    expect(claimed.status).toBe(200);
    const res = await post(email, `/api/sessions/${id}/decision`, {
      decision,
      reason: decision === 'Approved' ? 'same_person' : 'different_person',
      expectedVersion: (await bodyOf(claimed)).version,
    });
    expect(res.status).toBe(201);
    return { id, session: await bodyOf(res) };
  }

  beforeAll(async () => {
    ({ app, sandbox, workflowId } = await startReviewConsole({ seed: 20 }, { REVIEW_UNDO_SECONDS: '30' }));
    return () => sandbox.stop();
  });

  it('holds the push while the decision can be undone, and says until when to its decider only', async () => {
    const { id, session } = await decided('user-held');
    expect(session).toMatchObject({ pushState: 'pending', allowed: { undo: true } });
    const until = Date.parse(session.undoUntil);
    expect(until - Date.now()).toBeGreaterThan(20_000);
    expect(until - Date.now()).toBeLessThanOrEqual(30_000);
    expect(await get('analyst2@example.test', `/api/sessions/${id}`)).toMatchObject({
      undoUntil: null,
      allowed: { undo: false },
    });
    // Held for undo, it is in no one's hands: not even its decider can claim it (only undo it).
    expect(session.allowed.claim).toBe(false);
    const claim = await post('analyst@example.test', `/api/sessions/${id}/claim`);
    expect(claim.status).toBe(409);
    expect((await bodyOf(claim)).error.details).toMatchObject({ reason: 'decision_pending' });

    sandbox.clearRequests();
    await runWorker();
    expect(pushesTo(id)).toEqual([]);
    // Waiting out the window is not a stuck push: listed as held, nothing to re-queue, no age yet.
    const sync = await get('lead@example.test', '/api/sync/status');
    expect(sync.pushes.oldestPendingSeconds).toBe(0);
    expect(sync.pushes.pending.find((p: { sessionId: string }) => p.sessionId === id)).toMatchObject({
      job: 'undo_window',
      pendingSeconds: 0,
      requeueable: false,
    });

    await windowPassed();
    await runWorker();
    expect(pushesTo(id)).toHaveLength(1);
    expect(await get('analyst@example.test', `/api/sessions/${id}`)).toMatchObject({
      pushState: 'confirmed',
      allowed: { undo: false },
    });
  });

  it('undoes within the window: the decision stays in the history, its push is cancelled, the session is In Review and theirs again', async () => {
    const { id, session } = await decided('user-undone');
    const [decision] = await app.ctx.db
      .selectFrom('review_event')
      .select('id')
      .where('session_id', '=', id)
      .where('kind', '=', 'approve')
      .execute();
    const res = await undo('analyst@example.test', id, { expectedVersion: session.version, reviewEventId: decision?.id });
    expect(res.status).toBe(200);
    const after = await bodyOf(res);
    expect(after).toMatchObject({
      status: 'In Review',
      pushState: null,
      claim: { label: 'analyst@example.test' },
      version: session.version + 1,
      undoUntil: null,
      allowed: { undo: false, decide: ['Approved', 'Declined', 'Resubmitted'] },
    });
    expect(after.timeline.filter((t: { source: string }) => t.source === 'console').map((t: { kind: string }) => t.kind)).toEqual(
      ['claim', 'approve', 'decision_undone'],
    );
    // The rows: the decision marked undone (kept), its job gone, the undo audited.
    const event = await app.ctx.db
      .selectFrom('review_event')
      .select(['push_state', 'undone_at'])
      .where('id', '=', decision!.id)
      .executeTakeFirstOrThrow();
    expect(event.push_state).toBeNull();
    expect(event.undone_at).toBeInstanceOf(Date);
    expect(await pushJob(id)).toBeUndefined();
    const audit = await app.ctx.db
      .selectFrom('audit_log')
      .select(['details', 'actor_label'])
      .where('target_id', '=', id)
      .where('action', '=', 'session.decision_undone')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      actor_label: 'analyst@example.test',
      details: { decision: 'Approved', reviewEventId: decision!.id },
    });

    // Past the window, Didit still hears nothing of it.
    sandbox.clearRequests();
    await windowPassed();
    await runWorker();
    expect(pushesTo(id)).toEqual([]);
    expect(sandbox.decision(id).status).toBe('In Review');

    // Decided again, it goes to Didit once its window passes.
    const again = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      expectedVersion: after.version,
    });
    expect(again.status).toBe(201);
    await windowPassed();
    await runWorker();
    expect(pushesTo(id).map((r) => (r.body as { new_status: string }).new_status)).toEqual(['Declined']);
    expect(sandbox.decision(id).status).toBe('Declined');
  });

  it('refuses another analyst (403), and leaves the decision on its way', async () => {
    const { id, session } = await decided('user-not-yours');
    const res = await undo('analyst2@example.test', id, { expectedVersion: session.version });
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error.code).toBe('forbidden');
    expect(await pushJob(id)).toBeDefined();
    await windowPassed();
    await runWorker();
  });

  it('refuses a decision that is not the latest (409 not_latest_decision), or one already undone', async () => {
    const { id, session } = await decided('user-not-latest');
    const [first] = await app.ctx.db
      .selectFrom('review_event')
      .select('id')
      .where('session_id', '=', id)
      .where('kind', '=', 'approve')
      .execute();
    const undone = await bodyOf(await undo('analyst@example.test', id, { expectedVersion: session.version }));
    const twice = await undo('analyst@example.test', id, { expectedVersion: undone.version });
    expect(twice.status).toBe(409);
    expect((await bodyOf(twice)).error.details).toMatchObject({ reason: 'already_undone' });
    const again = await bodyOf(
      await post('analyst@example.test', `/api/sessions/${id}/decision`, {
        decision: 'Declined',
        reason: 'different_person',
        expectedVersion: undone.version,
      }),
    );
    const res = await undo('analyst@example.test', id, { expectedVersion: again.version, reviewEventId: first!.id });
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).error.details).toMatchObject({ reason: 'not_latest_decision', session: { id } });
    await windowPassed();
    await runWorker();
  });

  it('refuses while a worker is pushing it (409 push_in_flight)', async () => {
    const { id, session } = await decided('user-in-flight');
    // As a worker leaves the job while it calls Didit: locked.
    await sql`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'worker-test', run_at = now()
               where key = ${decisionPushKey(id)}`.execute(app.ctx.db);
    const res = await undo('analyst@example.test', id, { expectedVersion: session.version });
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).error.details).toMatchObject({ reason: 'push_in_flight' });
    const event = await app.ctx.db
      .selectFrom('review_event')
      .select(['push_state', 'undone_at'])
      .where('session_id', '=', id)
      .where('kind', '=', 'approve')
      .executeTakeFirstOrThrow();
    expect(event).toEqual({ push_state: 'pending', undone_at: null });
    await sql`update graphile_worker._private_jobs set locked_at = null, locked_by = null where key = ${decisionPushKey(id)}`.execute(
      app.ctx.db,
    );
    await runWorker();
  });

  it('answers a viewer 403, an API token 403, an unknown session 404 and a bad body 400', async () => {
    const { id, session } = await decided('user-edges');
    expect((await undo('viewer@example.test', id, { expectedVersion: session.version })).status).toBe(403);
    const token = await createApiToken(app.ctx, 'analyst');
    const byToken = await fetch(`${app.baseUrl}/api/sessions/${id}/undo-decision`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify({ expectedVersion: session.version }),
    });
    expect(byToken.status).toBe(403);
    expect((await undo('analyst@example.test', '7c0e9a52-0000-4000-8000-00000000abcd', { expectedVersion: 1 })).status).toBe(404);
    const bad = await undo('analyst@example.test', id, { expectedVersion: 'latest' });
    expect(bad.status).toBe(400);
    expect((await bodyOf(bad)).error.details.issues[0].path).toBe('expectedVersion');
    expect((await undo('analyst@example.test', id, { expectedVersion: session.version, extra: true })).status).toBe(400);
    const stale = await undo('analyst@example.test', id, { expectedVersion: session.version - 1 });
    expect(stale.status).toBe(409);
    expect((await bodyOf(stale)).error.details).toMatchObject({ reason: 'version_mismatch' });
    expect(await pushJob(id)).toBeDefined();
    await windowPassed();
    await runWorker();
  });

  it('undoing a decline-and-block withdraws the block with it: Didit hears of neither, and the face can be blocked again', async () => {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: 'user-block-undo',
      portrait_image: sandbox.portraitFor('user-block-undo'),
    });
    const id = created.session_id as string;
    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'mismatch', faceMatchScore: 30 });
    await seedSession(app.ctx.db, { id, workflowId, vendorData: 'user-block-undo', faceMatchScore: 30 });
    const claimed = await post('analyst@example.test', `/api/sessions/${id}/claim`);
    const blockBody = (expectedVersion: number) => ({ reason: 'different_person', note: 'A stranger.', expectedVersion });
    const blocked = await post(
      'analyst@example.test',
      `/api/sessions/${id}/decline-and-block`,
      blockBody((await bodyOf(claimed)).version),
    );
    expect(blocked.status).toBe(201);
    const faceBlockJobs = async () =>
      (
        await sql<{ key: string }>`select key from graphile_worker._private_jobs where key like 'face-block:%'`.execute(
          app.ctx.db,
        )
      ).rows;
    const [job] = await faceBlockJobs();
    expect(job).toBeDefined();

    const session = await get('analyst@example.test', `/api/sessions/${id}`);
    const res = await undo('analyst@example.test', id, { expectedVersion: session.version });
    expect(res.status).toBe(200);
    expect(await faceBlockJobs()).toEqual([]);
    const rows = await app.ctx.db.selectFrom('face_block').select('state').where('session_id', '=', id).execute();
    expect(rows).toEqual([{ state: 'withdrawn' }]);
    const undoneAudit = await app.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('target_id', '=', id)
      .where('action', '=', 'session.decision_undone')
      .executeTakeFirstOrThrow();
    expect(undoneAudit.details).toMatchObject({ faceBlockWithdrawn: true });
    const reopened = await get('analyst@example.test', `/api/sessions/${id}`);
    expect(reopened).toMatchObject({ status: 'In Review', faceBlock: { own: null, allowed: { declineAndBlock: true } } });

    sandbox.clearRequests();
    await windowPassed();
    await runWorker();
    expect(sandbox.requests().filter((r) => r.path.startsWith('/v3/blocklist/') || r.method === 'PATCH')).toEqual([]);

    // Blocked again, for good this time: the new block is the live one.
    expect(
      (await post('analyst@example.test', `/api/sessions/${id}/decline-and-block`, blockBody(reopened.version))).status,
    ).toBe(201);
    expect(await get('analyst@example.test', `/api/sessions/${id}`)).toMatchObject({ faceBlock: { own: { state: 'blocking' } } });
  });

  it('the push task does nothing for an undone decision, even when its job comes back', async () => {
    const { id, session } = await decided('user-job-back');
    expect((await undo('analyst@example.test', id, { expectedVersion: session.version })).status).toBe(200);
    const decision = await app.ctx.db
      .selectFrom('review_event')
      .select('id')
      .where('session_id', '=', id)
      .where('kind', '=', 'approve')
      .executeTakeFirstOrThrow();
    // A job for it queued again behind the undo's back (by hand, a restore, a bug): due now.
    await app.ctx.db.transaction().execute((trx) => enqueueDecisionPush(trx, decision.id, id));
    // …and its event still says pending, as if the undo had not reached it: the task looks at `undone_at`.
    await app.ctx.db.updateTable('review_event').set({ push_state: 'pending' }).where('id', '=', decision.id).execute();
    sandbox.clearRequests();
    await runWorker();
    expect(pushesTo(id)).toEqual([]);
    expect(await pushJob(id)).toBeUndefined();
    expect(sandbox.decision(id).status).toBe('In Review');
    const audit = await app.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', id)
      .where('action', 'like', 'session.decision_push%')
      .execute();
    expect(audit).toEqual([]);
  });

  it("undoing a lead's decision on an escalated session escalates it again, as it was", async () => {
    const vendorData = 'user-escalated-undo';
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: sandbox.portraitFor(vendorData),
    });
    const id = created.session_id as string;
    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'mismatch', faceMatchScore: 60 });
    await seedSession(app.ctx.db, { id, workflowId, vendorData, faceMatchScore: 60 });
    const claimed = await bodyOf(await post('analyst@example.test', `/api/sessions/${id}/claim`));
    const escalated = await post('analyst@example.test', `/api/sessions/${id}/escalate`, {
      note: 'Not sure: older portrait.',
      expectedVersion: claimed.version,
    });
    expect(escalated.status).toBe(201);
    const before = (await bodyOf(escalated)).escalation;
    const leadClaim = await bodyOf(await post('lead@example.test', `/api/sessions/${id}/claim`));
    const decided = await post('lead@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      expectedVersion: leadClaim.version,
    });
    expect(decided.status).toBe(201);
    const decidedSession = await bodyOf(decided);
    expect(decidedSession.escalation).toBeNull();

    const res = await undo('lead@example.test', id, { expectedVersion: decidedSession.version });
    expect(res.status).toBe(200);
    const after = await bodyOf(res);
    expect(after).toMatchObject({
      status: 'In Review',
      pushState: null,
      escalation: before,
      claim: { label: 'lead@example.test' },
    });
    // Back in the leads' Escalated view, out of the analysts' queue.
    const leads = await get('lead@example.test', '/api/queue?escalated=only&limit=200');
    expect(leads.items.map((item: { id: string }) => item.id)).toContain(id);
    const analysts = await get('analyst2@example.test', '/api/queue?limit=200');
    expect(analysts.items.map((item: { id: string }) => item.id)).not.toContain(id);
    const [entry] = await app.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('target_id', '=', id)
      .where('action', '=', 'session.decision_undone')
      .execute();
    expect(entry?.details).toMatchObject({ escalationRestored: expect.any(Number) });
  });
});
