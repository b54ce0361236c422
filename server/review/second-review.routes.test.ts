import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { faceMatchWorkflow } from '../../test/helpers/didit-workflows.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { startReviewConsole } from '../../test/helpers/review-console.ts';
import { seedWorkflow } from '../../test/helpers/seed.ts';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { type SsoTestConsole } from '../../test/helpers/sso.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import type { Actor } from '../auth/rbac.ts';
import type { SecondReviewSettings } from '../contract/second-review.ts';
import { type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';
import { decisionPushKey } from '../worker/jobs.ts';
import { buildTaskList } from '../worker/runner.ts';
import { noSecondReview } from './second-review-rules.ts';
import { secondReviews } from './second-review.ts';

/**
 * Second review and four eyes (issue 20, ADR 0021) over real HTTP: people signed in through the
 * dev IdP, sessions scored by the Didit sandbox (review line 70, decline line 50) and read from
 * it, decisions pushed by the worker task. REVIEW_UNDO_SECONDS=30, so a quality review waits out
 * its decision's window; a test makes its own session's push due by hand, and moves the clock of
 * the service where the window's end matters. Each test has its own workflow and settings.
 */
describe('second review and four eyes', () => {
  let app: SsoTestConsole;
  let sandbox: RunningSandbox;
  const analyst = 'analyst@example.test';
  const analyst2 = 'analyst2@example.test';
  const lead = 'lead@example.test';
  const viewer = 'viewer@example.test';
  const people = signedInPeople(() => app.baseUrl);
  const { post } = people;
  const get = async (email: string, path: string) => bodyOf(await people.get(email, path));
  const put = (email: string, path: string, body: unknown) => people.send(email, 'PUT', path, body);
  const answer = (email: string, id: string, body: unknown) => post(email, `/api/sessions/${id}/second-review`, body);
  const resolve = (email: string, id: string, body: unknown) => post(email, `/api/sessions/${id}/second-review/resolve`, body);

  const runWorker = () => runJobsOnce(app.ctx.pool, buildTaskList(app.ctx));
  /** This session's push is due now (its undo window passed, as far as graphile-worker knows), and the worker runs. */
  const pushNow = async (id: string) => {
    await sql`update graphile_worker._private_jobs set run_at = now() where key = ${decisionPushKey(id)}`.execute(app.ctx.db);
    await runWorker();
  };
  const pushJob = async (id: string) =>
    (
      await sql<{ id: string }>`select id from graphile_worker._private_jobs where key = ${decisionPushKey(id)}`.execute(
        app.ctx.db,
      )
    ).rows[0];
  /** What Didit was told about this session (other tests' pushes may run in the same worker pass). */
  const pushedTo = (id: string) =>
    sandbox
      .requests()
      .filter((r) => r.method === 'PATCH' && r.path === `/v3/session/${id}/update-status/`)
      .map((r) => (r.body as { new_status: string }).new_status);
  const reviewsOf = (id: string) =>
    app.ctx.db.selectFrom('second_review').selectAll().where('session_id', '=', id).orderBy('id').execute();
  const eventsOf = (id: string) =>
    app.ctx.db
      .selectFrom('review_event')
      .select(['id', 'kind', 'actor_label', 'push_state', 'undone_at'])
      .where('session_id', '=', id)
      .orderBy('id')
      .execute();
  const auditOf = (targetId: string, action: string) =>
    app.ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'details'])
      .where('target_id', '=', targetId)
      .where('action', '=', action)
      .orderBy('id')
      .execute();
  const actorFor = async (email: string, role: Actor['role']): Promise<Actor> => {
    await people.as(email);
    const user = await app.ctx.db.selectFrom('app_user').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    return { kind: 'user', id: user.id, label: email, role };
  };

  let workflowCount = 0;
  /** A workflow of the test's own, at the sandbox and here, with these second-review settings set by a lead. */
  async function workflowWith(settings: Partial<SecondReviewSettings>): Promise<string> {
    const label = `Second review ${++workflowCount}`;
    const created = sandbox.createWorkflow(faceMatchWorkflow(label));
    const id = (created.workflow_id ?? created.uuid) as string;
    await seedWorkflow(app.ctx.db, { id, label });
    const res = await put(lead, `/api/workflows/${id}/second-review`, { ...noSecondReview, ...settings });
    expect(res.status).toBe(200);
    return id;
  }

  /** A session the sandbox scored (In Review between the lines, Declined below 50), read here from Didit. */
  async function scored(workflowId: string, vendorData: string, scores: { livenessScore?: number; faceMatchScore: number }) {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: sandbox.portraitFor(vendorData),
    });
    const id = created.session_id as string;
    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'mismatch', livenessScore: scores.livenessScore ?? 90, ...scores });
    await repairSessionFromDidit(app.ctx, id);
    return id;
  }

  const inReview = async (workflowId: string, vendorData: string, faceMatchScore = 60) => {
    const id = await scored(workflowId, vendorData, { faceMatchScore });
    expect(sandbox.decision(id).status).toBe('In Review');
    return id;
  };

  async function decide(email: string, id: string, decision: 'Approved' | 'Declined', note?: string) {
    const { version } = await get(email, `/api/sessions/${id}`);
    const res = await post(email, `/api/sessions/${id}/decision`, {
      decision,
      reason: decision === 'Approved' ? 'genuine_capture' : 'presentation_attack',
      ...(note ? { note } : {}),
      expectedVersion: version,
    });
    expect(res.status).toBe(201);
    return bodyOf(res);
  }

  /** An In Review session under a face-match floor of 65 (score 60), approved by the analyst: held for four eyes. */
  async function heldForFourEyes(tag: string) {
    const workflowId = await workflowWith({ faceMatchFloor: 65 });
    const id = await inReview(workflowId, `sr-${tag}`, 60);
    const session = await decide(analyst, id, 'Approved');
    const [review] = await reviewsOf(id);
    return { workflowId, id, session, review: review! };
  }

  /** A four-eyes review the second analyst answered Declined: a disagreement for the leads. */
  async function disagreed(tag: string) {
    const held = await heldForFourEyes(tag);
    const res = await answer(analyst2, held.id, {
      secondReviewId: held.review.id,
      verdict: 'Declined',
      reason: 'presentation_attack',
    });
    expect(res.status).toBe(201);
    expect(await bodyOf(res)).toMatchObject({ outcome: 'disagreed', firstVerdict: 'Approved', released: false });
    return held;
  }

  beforeAll(async () => {
    ({ app, sandbox } = await startReviewConsole({ seed: 20 }, { REVIEW_UNDO_SECONDS: '30' }));
    return () => sandbox.stop();
  });

  describe('settings', () => {
    it('a lead sets them: audited from/to, shown with the workflow; the same settings again are not audited', async () => {
      const workflowId = await workflowWith({});
      const settings = { sharePercent: 10, faceMatchFloor: 65.5, declineMargin: 3, repeatAttempts: true };
      const res = await put(lead, `/api/workflows/${workflowId}/second-review`, settings);
      expect(res.status).toBe(200);
      expect(await bodyOf(res)).toEqual({
        id: workflowId,
        label: expect.stringMatching(/^Second review/),
        secondReview: settings,
      });
      const row = await app.ctx.db
        .selectFrom('workflow')
        .select(['second_review_percent', 'four_eyes_face_match_floor', 'four_eyes_decline_margin', 'four_eyes_repeat_attempts'])
        .where('id', '=', workflowId)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({
        second_review_percent: 10,
        four_eyes_face_match_floor: 65.5,
        four_eyes_decline_margin: 3,
        four_eyes_repeat_attempts: true,
      });
      expect((await put(lead, `/api/workflows/${workflowId}/second-review`, settings)).status).toBe(200);
      // workflowWith set the defaults again (no change, no entry); then one change.
      expect(await auditOf(workflowId, 'workflow.second_review_changed')).toEqual([
        { actor_label: lead, details: { from: noSecondReview, to: settings } },
      ]);
      const list = await get(analyst, '/api/workflows');
      expect(list.items.find((w: { id: string }) => w.id === workflowId)).toMatchObject({ secondReview: settings });
    });

    it('refuses an analyst (403) and an unknown workflow (404)', async () => {
      const workflowId = await workflowWith({});
      const res = await put(analyst, `/api/workflows/${workflowId}/second-review`, { ...noSecondReview, sharePercent: 50 });
      expect(res.status).toBe(403);
      expect((await get(lead, '/api/workflows')).items.find((w: { id: string }) => w.id === workflowId).secondReview).toEqual(
        noSecondReview,
      );
      const unknown = await put(lead, '/api/workflows/7c0e9a52-0000-4000-8000-00000000abcd/second-review', noSecondReview);
      expect(unknown.status).toBe(404);
    });

    it.each([
      ['a share above 100', { sharePercent: 101 }, 'sharePercent'],
      ['a negative share', { sharePercent: -1 }, 'sharePercent'],
      ['a fractional share', { sharePercent: 12.5 }, 'sharePercent'],
      ['a share as text', { sharePercent: '10' }, 'sharePercent'],
      ['a floor above 100', { faceMatchFloor: 101 }, 'faceMatchFloor'],
      ['a negative floor', { faceMatchFloor: -1 }, 'faceMatchFloor'],
      ['a margin above 50', { declineMargin: 51 }, 'declineMargin'],
      ['repeat attempts as text', { repeatAttempts: 'yes' }, 'repeatAttempts'],
      ['a missing field', { sharePercent: undefined }, 'sharePercent'],
      ['an unknown field', { secondPair: true }, ''],
    ])('answers 400 to %s', async (_name, change, path) => {
      const workflowId = await workflowWith({});
      const res = await put(lead, `/api/workflows/${workflowId}/second-review`, { ...noSecondReview, ...change });
      expect(res.status).toBe(400);
      const error = (await bodyOf(res)).error;
      expect(error.code).toBe('validation_failed');
      expect(error.details.issues.map((issue: { path: string }) => issue.path)).toContain(path);
    });

    it('answers 400 to a workflow id that is not a Didit id', async () => {
      expect((await put(lead, '/api/workflows/not-an-id/second-review', noSecondReview)).status).toBe(400);
    });
  });

  describe('four eyes', () => {
    it('holds an approval under the face-match floor: recorded, out of the queue, nothing sent to Didit', async () => {
      const { id, session, review } = await heldForFourEyes('held');
      expect(session).toMatchObject({
        status: 'In Review',
        pushState: 'held',
        secondReview: { id: review.id, state: 'open', blind: false, mayAnswer: false, purpose: 'four_eyes', second: null },
      });
      expect(session.secondReview.triggers).toEqual([
        { rule: 'face_match_floor', detail: "Face match 60 is below this workflow's floor of 65." },
      ]);
      expect(session.secondReview.first).toMatchObject({ verdict: 'Approved', by: analyst, reason: 'genuine_capture' });
      expect(review).toMatchObject({ purpose: 'four_eyes', state: 'open', first_verdict: 'Approved' });
      const [approve] = await eventsOf(id);
      expect(approve).toMatchObject({ kind: 'approve', push_state: 'held' });
      expect(review.decision_event_id).toBe(approve!.id);
      const row = await app.ctx.db
        .selectFrom('verification_session')
        .select('review_push_state')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.review_push_state).toBe('held');
      const [audit] = await auditOf(id, 'session.decided');
      expect(audit?.details).toMatchObject({
        secondReview: { id: review.id, purpose: 'four_eyes', rules: ['face_match_floor'] },
      });

      const queue = await get(analyst2, '/api/queue?q=sr-held');
      expect(queue.items.map((item: { id: string }) => item.id)).not.toContain(id);
      expect(await pushJob(id)).toBeUndefined();
      await runWorker();
      expect(pushedTo(id)).toEqual([]);
      expect(sandbox.decision(id).status).toBe('In Review');
      // Nor can anyone decide it again meanwhile.
      const again = await post(lead, `/api/sessions/${id}/decision`, {
        decision: 'Declined',
        reason: 'presentation_attack',
        expectedVersion: session.version,
      });
      expect(again.status).toBe(409);
    });

    it('shows the session blind to the second analyst: as before the decision, nothing to decide but the review', async () => {
      const { id, review } = await heldForFourEyes('blind');
      const first = await get(analyst, `/api/sessions/${id}`);
      expect(first.timeline.some((entry: { kind: string }) => entry.kind === 'approve')).toBe(true);
      const blind = await get(analyst2, `/api/sessions/${id}`);
      expect(blind).toMatchObject({
        status: 'In Review',
        pushState: null,
        decidedAt: null,
        decisionSource: null,
        undoUntil: null,
        fourEyes: [],
        allowed: { decide: [], undo: false, claim: false },
        secondReview: {
          id: review.id,
          state: 'open',
          blind: true,
          mayAnswer: true,
          mayResolve: false,
          purpose: null,
          triggers: null,
          first: null,
          second: null,
        },
      });
      expect(blind.timeline.some((entry: { kind: string }) => entry.kind === 'approve')).toBe(false);
      expect(JSON.stringify(blind)).not.toContain(analyst + '"');
      // A lead, too, answers it blind; a viewer sees it blind and may not answer.
      expect((await get(lead, `/api/sessions/${id}`)).secondReview).toMatchObject({
        blind: true,
        mayAnswer: true,
        mayResolve: false,
      });
      expect((await get(viewer, `/api/sessions/${id}`)).secondReview).toMatchObject({ blind: true, mayAnswer: false });
    });

    it('refuses the first analyst (403), a viewer (403) and an API token (403)', async () => {
      const { id, review } = await heldForFourEyes('not-twice');
      const body = { secondReviewId: review.id, verdict: 'Approved', reason: 'genuine_capture' };
      const own = await answer(analyst, id, body);
      expect(own.status).toBe(403);
      expect((await bodyOf(own)).error.code).toBe('forbidden');
      expect((await answer(viewer, id, body)).status).toBe(403);
      const token = await createApiToken(app.ctx, 'analyst', 'second-review-token');
      const byToken = await fetch(`${app.baseUrl}/api/sessions/${id}/second-review`, {
        method: 'POST',
        headers: { ...authHeaders(token), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(byToken.status).toBe(403);
      expect((await reviewsOf(id))[0]?.state).toBe('open');
    });

    it('the second analyst agreeing releases the held decision: the worker pushes it to Didit; audited; answered once', async () => {
      const { id, review } = await heldForFourEyes('agreed');
      const res = await answer(analyst2, id, {
        secondReviewId: review.id,
        verdict: 'Approved',
        reason: 'genuine_capture',
        note: 'Old portrait, same person.',
      });
      expect(res.status).toBe(201);
      const body = await bodyOf(res);
      expect(body).toMatchObject({ secondReviewId: review.id, outcome: 'agreed', firstVerdict: 'Approved', released: true });
      expect(body.session).toMatchObject({
        pushState: 'pending',
        secondReview: {
          state: 'agreed',
          blind: false,
          purpose: 'four_eyes',
          first: { verdict: 'Approved', by: analyst },
          second: { verdict: 'Approved', by: analyst2, reason: 'genuine_capture', note: 'Old portrait, same person.' },
        },
      });
      const [row] = await reviewsOf(id);
      expect(row).toMatchObject({ state: 'agreed', second_verdict: 'Approved', answered_at: expect.any(Date) });
      const events = await eventsOf(id);
      expect(events.map((e) => e.kind)).toEqual(['approve', 'second_review']);
      expect(events[0]?.push_state).toBe('pending');
      const [audit] = await auditOf(id, 'session.second_review_answered');
      expect(audit).toEqual({
        actor_label: analyst2,
        details: {
          secondReviewId: review.id,
          purpose: 'four_eyes',
          verdict: 'Approved',
          reason: 'genuine_capture',
          firstVerdict: 'Approved',
          outcome: 'agreed',
          reviewEventId: events[1]!.id,
          decisionEventId: events[0]!.id,
          released: true,
        },
      });

      expect(await pushJob(id)).toBeDefined();
      await runWorker();
      expect(pushedTo(id)).toEqual(['Approved']);
      expect(sandbox.decision(id).status).toBe('Approved');
      expect((await eventsOf(id))[0]?.push_state).toBe('confirmed');

      const twice = await answer(lead, id, { secondReviewId: review.id, verdict: 'Approved', reason: 'genuine_capture' });
      expect(twice.status).toBe(409);
      expect((await bodyOf(twice)).error.details).toMatchObject({ reason: 'already_answered', session: { id } });
    });

    it('a disagreement goes to the leads; a lead upholding the second verdict undoes the held decision and pushes theirs', async () => {
      const { id, review, workflowId } = await disagreed('lead-second');
      expect((await get(analyst, `/api/sessions/${id}`)).secondReview).toMatchObject({
        state: 'disagreed',
        blind: false,
        mayResolve: false,
        first: { verdict: 'Approved', by: analyst },
        second: { verdict: 'Declined', by: analyst2 },
      });
      const page = await get(lead, `/api/sessions/${id}`);
      expect(page.secondReview).toMatchObject({ state: 'disagreed', mayResolve: true });

      const disagreements = await get(lead, `/api/second-reviews?state=disagreed&workflow=${workflowId}`);
      expect(disagreements).toEqual({
        total: 1,
        nextCursor: null,
        items: [
          expect.objectContaining({
            id: review.id,
            sessionId: id,
            workflowId,
            statusBefore: 'In Review',
            faceMatchScore: 60,
            disagreement: {
              purpose: 'four_eyes',
              triggers: [expect.objectContaining({ rule: 'face_match_floor' })],
              first: { verdict: 'Approved', by: analyst },
              second: { verdict: 'Declined', by: analyst2 },
            },
          }),
        ],
      });
      expect((await people.get(analyst, '/api/second-reviews?state=disagreed')).status).toBe(403);

      const body = { secondReviewId: review.id, verdict: 'Declined', note: 'A stranger.', expectedVersion: page.version };
      const noReason = await resolve(lead, id, body);
      expect(noReason.status).toBe(400);
      expect((await bodyOf(noReason)).error.details.issues[0].path).toBe('reason');
      const stale = await resolve(lead, id, { ...body, reason: 'presentation_attack', expectedVersion: page.version - 1 });
      expect(stale.status).toBe(409);
      expect((await bodyOf(stale)).error.details).toMatchObject({ reason: 'version_mismatch', currentVersion: page.version });
      expect((await resolve(analyst2, id, { ...body, reason: 'presentation_attack' })).status).toBe(403);

      const res = await resolve(lead, id, { ...body, reason: 'presentation_attack' });
      expect(res.status).toBe(201);
      const resolved = await bodyOf(res);
      expect(resolved).toMatchObject({ secondReviewId: review.id, upheld: 'second', reviewEventId: expect.any(Number) });
      expect(resolved.session.secondReview).toMatchObject({
        state: 'resolved',
        resolution: { verdict: 'Declined', by: lead, reason: 'presentation_attack', note: 'A stranger.' },
      });
      const events = await eventsOf(id);
      expect(events.map((e) => [e.kind, e.actor_label])).toEqual([
        ['approve', analyst],
        ['second_review', analyst2],
        ['second_review_resolved', lead],
        ['decline', lead],
      ]);
      expect(events[0]).toMatchObject({ undone_at: expect.any(Date) });
      expect(events[3]?.id).toBe(resolved.reviewEventId);
      // The lead's decision is not sent to a second review of its own.
      expect(await reviewsOf(id)).toHaveLength(1);
      const [audit] = await auditOf(id, 'session.second_review_resolved');
      expect(audit).toEqual({
        actor_label: lead,
        details: {
          secondReviewId: review.id,
          purpose: 'four_eyes',
          verdict: 'Declined',
          upheld: 'second',
          firstVerdict: 'Approved',
          secondVerdict: 'Declined',
          reviewEventId: events[2]!.id,
          decisionEventId: events[3]!.id,
        },
      });

      await pushNow(id);
      expect(pushedTo(id)).toEqual(['Declined']);
      expect(sandbox.decision(id).status).toBe('Declined');

      const again = await resolve(lead, id, {
        ...body,
        reason: 'presentation_attack',
        expectedVersion: resolved.session.version,
      });
      expect(again.status).toBe(409);
      expect((await bodyOf(again)).error.details).toMatchObject({ reason: 'not_disagreed' });
    });

    it('a lead upholding the first verdict releases the held decision to Didit (no reason needed)', async () => {
      const { id, review } = await disagreed('lead-first');
      const { version } = await get(lead, `/api/sessions/${id}`);
      const res = await resolve(lead, id, {
        secondReviewId: review.id,
        verdict: 'Approved',
        note: 'Same person; the portrait is old.',
        expectedVersion: version,
      });
      expect(res.status).toBe(201);
      expect(await bodyOf(res)).toMatchObject({ upheld: 'first', reviewEventId: null, session: { pushState: 'pending' } });
      expect((await eventsOf(id)).map((e) => e.kind)).toEqual(['approve', 'second_review', 'second_review_resolved']);
      await runWorker();
      expect(pushedTo(id)).toEqual(['Approved']);
      expect(sandbox.decision(id).status).toBe('Approved');
    });

    it('refuses to settle a review that is still open (409 not_disagreed)', async () => {
      const { id, review } = await heldForFourEyes('still-open');
      const { version } = await get(lead, `/api/sessions/${id}`);
      const res = await resolve(lead, id, {
        secondReviewId: review.id,
        verdict: 'Approved',
        note: 'Fine.',
        expectedVersion: version,
      });
      expect(res.status).toBe(409);
      expect((await bodyOf(res)).error.details).toMatchObject({ reason: 'not_disagreed', state: 'open' });
    });

    it('the session page names the rules approving would meet: near the decline line', async () => {
      const workflowId = await workflowWith({ declineMargin: 5 });
      const near = await inReview(workflowId, 'sr-near-line', 53);
      const clear = await inReview(workflowId, 'sr-clear-line', 60);
      const page = await get(analyst, `/api/sessions/${near}`);
      // Didit's face-match warning names the lines it scored against (liveness 90 raised none).
      expect(page.thresholds).toMatchObject({ faceMatchDecline: 50, source: 'didit_warnings' });
      expect(page.fourEyes).toEqual([
        { rule: 'near_decline_line', detail: 'Face match 53 is within 5 points of its decline line (50).' },
      ]);
      expect((await get(analyst, `/api/sessions/${clear}`)).fourEyes).toEqual([]);
      // Only to whoever may approve it.
      expect((await get(viewer, `/api/sessions/${near}`)).fourEyes).toEqual([]);

      expect(await decide(analyst, near, 'Approved')).toMatchObject({ pushState: 'held' });
      expect((await reviewsOf(near))[0]).toMatchObject({ purpose: 'four_eyes', triggers: page.fourEyes });
      expect(await decide(analyst, clear, 'Approved')).toMatchObject({ pushState: 'pending' });
      expect(await reviewsOf(clear)).toEqual([]);
      await pushNow(clear);
      expect(pushedTo(clear)).toEqual(['Approved']);
      expect(pushedTo(near)).toEqual([]);
    });

    it("the session page names the rules approving would meet: the user's third attempt within 24 hours", async () => {
      const workflowId = await workflowWith({ repeatAttempts: true });
      const user = 'sr-repeat-user';
      const ids = [await inReview(workflowId, user), await inReview(workflowId, user), await inReview(workflowId, user)];
      const other = await inReview(workflowId, 'sr-repeat-other');
      // Created an hour apart, the first more than a day before a fourth one.
      const base = Date.now() - 3 * 3_600_000;
      for (const [index, id] of ids.entries()) {
        await app.ctx.db
          .updateTable('verification_session')
          .set({ didit_created_at: new Date(base + index * 3_600_000) })
          .where('id', '=', id)
          .execute();
      }
      const fourEyes = async (id: string) => (await get(analyst, `/api/sessions/${id}`)).fourEyes;
      expect(await fourEyes(ids[0]!)).toEqual([]);
      expect(await fourEyes(ids[1]!)).toEqual([]);
      expect(await fourEyes(ids[2]!)).toEqual([
        { rule: 'repeat_attempt', detail: "This is the user's attempt number 3 within 24 hours." },
      ]);
      expect(await fourEyes(other)).toEqual([]);
      // Pushed a day on, the first attempt falls out of the fourth's day.
      const late = await inReview(workflowId, user);
      await app.ctx.db
        .updateTable('verification_session')
        .set({ didit_created_at: new Date(base + 24 * 3_600_000 + 60_000) })
        .where('id', '=', late)
        .execute();
      expect(await fourEyes(late)).toEqual([
        { rule: 'repeat_attempt', detail: "This is the user's attempt number 3 within 24 hours." },
      ]);

      const held = await decide(analyst, ids[2]!, 'Approved');
      expect(held).toMatchObject({ pushState: 'held', secondReview: { purpose: 'four_eyes' } });
      const [audit] = await auditOf(ids[2]!, 'session.decided');
      expect(audit?.details).toMatchObject({ secondReview: { purpose: 'four_eyes', rules: ['repeat_attempt'] } });
      // Declining is the safe side: no four eyes.
      expect(await decide(analyst, late, 'Declined')).toMatchObject({ pushState: 'pending', secondReview: null });
      await pushNow(late);
      expect(pushedTo(late)).toEqual(['Declined']);
    });

    it('Didit deciding a held session overtakes its review: the held decision never leaves, the review cannot be answered', async () => {
      const { id, review, workflowId } = await heldForFourEyes('overtaken');
      sandbox.consoleDecision(id, { new_status: 'Declined', comment: 'Decided in Didit.' });
      await repairSessionFromDidit(app.ctx, id);
      expect((await reviewsOf(id))[0]?.state).toBe('overtaken');
      expect((await eventsOf(id))[0]).toMatchObject({ kind: 'approve', push_state: null });
      expect(await get(analyst2, `/api/second-reviews?workflow=${workflowId}`)).toEqual({
        total: 0,
        items: [],
        nextCursor: null,
      });
      expect(await get(analyst2, `/api/sessions/${id}`)).toMatchObject({
        status: 'Declined',
        secondReview: { state: 'overtaken', blind: false, mayAnswer: false },
      });
      const late = await answer(analyst2, id, { secondReviewId: review.id, verdict: 'Approved', reason: 'genuine_capture' });
      expect(late.status).toBe(409);
      expect((await bodyOf(late)).error.details).toMatchObject({ reason: 'overtaken' });
      await runWorker();
      expect(pushedTo(id)).toEqual([]);
    });

    it('undoing a held decision withdraws its review: the session is back In Review, the review cannot be answered', async () => {
      const { id, session, review } = await heldForFourEyes('undo-held');
      expect(session.allowed.undo).toBe(true);
      const res = await post(analyst, `/api/sessions/${id}/undo-decision`, { expectedVersion: session.version });
      expect(res.status).toBe(200);
      expect(await bodyOf(res)).toMatchObject({ status: 'In Review', pushState: null, secondReview: null });
      expect((await reviewsOf(id))[0]?.state).toBe('withdrawn');
      const [audit] = await auditOf(id, 'session.decision_undone');
      expect(audit?.details).toMatchObject({ secondReviewWithdrawn: review.id });
      const late = await answer(analyst2, id, { secondReviewId: review.id, verdict: 'Approved', reason: 'genuine_capture' });
      expect(late.status).toBe(409);
      expect((await bodyOf(late)).error.details).toMatchObject({ reason: 'withdrawn' });
      await runWorker();
      expect(pushedTo(id)).toEqual([]);
    });
  });

  describe('quality review', () => {
    it("always reviews an override of Didit's automatic Declined, after its undo window; the push goes as usual", async () => {
      const workflowId = await workflowWith({ sharePercent: 0 });
      const id = await scored(workflowId, 'sr-override', { faceMatchScore: 30 });
      expect(sandbox.decision(id).status).toBe('Declined');
      const session = await decide(analyst, id, 'Approved', 'The portrait is ten years old; same person.');
      expect(session).toMatchObject({ pushState: 'pending', secondReview: { purpose: 'quality', state: 'open' } });
      const [review] = await reviewsOf(id);
      expect(review).toMatchObject({
        purpose: 'quality',
        triggers: [{ rule: 'override_declined', detail: "Didit's automatic Declined was overridden." }],
      });
      const [audit] = await auditOf(id, 'session.decided');
      expect(audit?.details).toMatchObject({
        secondReview: { id: review!.id, purpose: 'quality', rules: ['override_declined'] },
      });
      expect(await pushJob(id)).toBeDefined();

      // While its decider may still undo it: not offered, not answerable.
      const open = await get(analyst2, `/api/second-reviews?workflow=${workflowId}`);
      expect(open).toEqual({ total: 0, items: [], nextCursor: null });
      expect((await get(analyst2, `/api/sessions/${id}`)).secondReview).toMatchObject({ blind: true, mayAnswer: false });
      const body = { secondReviewId: review!.id, verdict: 'Approved', reason: 'genuine_capture' } as const;
      const early = await answer(analyst2, id, body);
      expect(early.status).toBe(409);
      const { undo_until } = await app.ctx.db
        .selectFrom('review_event')
        .select('undo_until')
        .where('id', '=', review!.decision_event_id)
        .executeTakeFirstOrThrow();
      expect((await bodyOf(early)).error.details).toMatchObject({ reason: 'not_ready', readyAt: undo_until!.toISOString() });

      // Its push goes as usual; once Didit's Approved is back here, the blind reviewer still sees Declined.
      await pushNow(id);
      expect(pushedTo(id)).toEqual(['Approved']);
      expect(sandbox.decision(id).status).toBe('Approved');
      await repairSessionFromDidit(app.ctx, id);
      expect((await get(analyst, `/api/sessions/${id}`)).status).toBe('Approved');
      const blind = await get(analyst2, `/api/sessions/${id}`);
      expect(blind).toMatchObject({ status: 'Declined', pushState: null, decidedAt: null, diditReview: null });
      expect(blind.timeline.some((entry: { kind: string }) => entry.kind === 'approve')).toBe(false);
      expect(JSON.stringify(blind.timeline)).not.toContain(analyst);

      // The window's end, on a moved clock: a millisecond before it still not; at it, answered.
      const reviewer = await actorFor(analyst2, 'analyst');
      const answerAt = (at: Date) =>
        app.ctx.db.transaction().execute((trx) =>
          secondReviews(trx, { settings: app.ctx.config.review, now: () => at }).answer(id, reviewer, body, {
            ip: '127.0.0.1',
          }),
        );
      await expect(answerAt(new Date(undo_until!.getTime() - 1))).rejects.toMatchObject({
        status: 409,
        details: { reason: 'not_ready' },
      });
      expect(await answerAt(undo_until!)).toEqual({
        secondReviewId: review!.id,
        outcome: 'agreed',
        firstVerdict: 'Approved',
        released: false,
      });
      expect((await reviewsOf(id))[0]).toMatchObject({ state: 'agreed', second_verdict: 'Approved' });
      expect((await auditOf(id, 'session.second_review_answered'))[0]?.details).toMatchObject({
        purpose: 'quality',
        outcome: 'agreed',
      });
      expect((await auditOf(id, 'session.second_review_answered'))[0]?.details).not.toHaveProperty('released');
      const twice = await answer(lead, id, body);
      expect(twice.status).toBe(409);
      expect((await bodyOf(twice)).error.details).toMatchObject({ reason: 'already_answered', state: 'agreed' });
      // Nothing more for Didit: the one push was the decision's own.
      await runWorker();
      expect(pushedTo(id)).toEqual(['Approved']);
    });

    it('reviews every decision with a share of 100; a lead overriding the first at Didit with the second verdict', async () => {
      const workflowId = await workflowWith({ sharePercent: 100 });
      const id = await inReview(workflowId, 'sr-share-all');
      await decide(analyst, id, 'Declined');
      const [review] = await reviewsOf(id);
      expect(review).toMatchObject({
        purpose: 'quality',
        state: 'open',
        first_verdict: 'Declined',
        triggers: [{ rule: 'sample' }],
      });
      // Settling before the first decision is at Didit cannot work; the window passes, it goes.
      await app.ctx.db
        .updateTable('review_event')
        .set({ undo_until: new Date(Date.now() - 1000) })
        .where('id', '=', review!.decision_event_id)
        .execute();
      await pushNow(id);
      expect(pushedTo(id)).toEqual(['Declined']);

      const open = await get(analyst2, `/api/second-reviews?workflow=${workflowId}`);
      expect(open.items.map((item: { id: number }) => item.id)).toEqual([review!.id]);
      expect(open.items[0]).toMatchObject({ sessionId: id, statusBefore: 'In Review', disagreement: null });
      // Not offered to the analyst who decided it.
      expect(await get(analyst, `/api/second-reviews?workflow=${workflowId}`)).toEqual({ total: 0, items: [], nextCursor: null });
      const res = await answer(analyst2, id, { secondReviewId: review!.id, verdict: 'Approved', reason: 'genuine_capture' });
      expect(res.status).toBe(201);
      expect(await bodyOf(res)).toMatchObject({ outcome: 'disagreed', firstVerdict: 'Declined', released: false });

      const settle = async () =>
        resolve(lead, id, {
          secondReviewId: review!.id,
          verdict: 'Approved',
          reason: 'genuine_capture',
          note: 'Same person.',
          expectedVersion: (await get(lead, `/api/sessions/${id}`)).version,
        });
      // Pushed, but Didit's Declined has not come back here yet: nothing to override.
      expect(await get(lead, `/api/sessions/${id}`)).toMatchObject({
        status: 'In Review',
        secondReview: { state: 'disagreed', mayResolve: true },
      });
      const early = await settle();
      expect(early.status).toBe(409);
      expect((await bodyOf(early)).error.details).toMatchObject({ reason: 'first_not_at_didit', status: 'In Review' });
      await repairSessionFromDidit(app.ctx, id);
      expect((await get(lead, `/api/sessions/${id}`)).status).toBe('Declined');
      const resolved = await settle();
      expect(resolved.status).toBe(201);
      expect(await bodyOf(resolved)).toMatchObject({ upheld: 'second', reviewEventId: expect.any(Number) });
      expect(await reviewsOf(id)).toHaveLength(1);
      await pushNow(id);
      expect(pushedTo(id)).toEqual(['Declined', 'Approved']);
      expect(sandbox.decision(id).status).toBe('Approved');
    });

    it('a lead upholding the first verdict of a quality review records no decision and sends Didit nothing more', async () => {
      const workflowId = await workflowWith({ sharePercent: 100 });
      const id = await inReview(workflowId, 'sr-quality-first');
      await decide(analyst, id, 'Declined');
      const [review] = await reviewsOf(id);
      await app.ctx.db
        .updateTable('review_event')
        .set({ undo_until: new Date(Date.now() - 1000) })
        .where('id', '=', review!.decision_event_id)
        .execute();
      await pushNow(id);
      expect(pushedTo(id)).toEqual(['Declined']);
      const res = await answer(analyst2, id, { secondReviewId: review!.id, verdict: 'Approved', reason: 'genuine_capture' });
      expect(await bodyOf(res)).toMatchObject({ outcome: 'disagreed', released: false });

      const { version } = await get(lead, `/api/sessions/${id}`);
      const resolved = await resolve(lead, id, {
        secondReviewId: review!.id,
        verdict: 'Declined',
        note: 'The first analyst was right.',
        expectedVersion: version,
      });
      expect(resolved.status).toBe(201);
      expect(await bodyOf(resolved)).toMatchObject({ upheld: 'first', reviewEventId: null });
      expect((await eventsOf(id)).map((e) => e.kind)).toEqual(['decline', 'second_review', 'second_review_resolved']);
      expect((await reviewsOf(id))[0]).toMatchObject({ state: 'resolved', resolution: 'Declined' });
      expect((await auditOf(id, 'session.second_review_resolved'))[0]?.details).toMatchObject({
        purpose: 'quality',
        upheld: 'first',
        firstVerdict: 'Declined',
        secondVerdict: 'Approved',
        reviewEventId: expect.any(Number),
      });
      expect((await auditOf(id, 'session.second_review_resolved'))[0]?.details).not.toHaveProperty('decisionEventId');
      await runWorker();
      expect(pushedTo(id)).toEqual(['Declined']);
    });

    it('reviews nothing with a share of 0, and never the decisions of an API token', async () => {
      const none = await workflowWith({ sharePercent: 0 });
      const id = await inReview(none, 'sr-share-none');
      expect(await decide(analyst, id, 'Declined')).toMatchObject({ secondReview: null });
      expect(await reviewsOf(id)).toEqual([]);
      expect((await auditOf(id, 'session.decided'))[0]?.details).not.toHaveProperty('secondReview');

      const all = await workflowWith({ sharePercent: 100, faceMatchFloor: 65 });
      const byToken = await inReview(all, 'sr-token');
      const token = await createApiToken(app.ctx, 'analyst', 'second-review-automation');
      const { version } = await get(analyst, `/api/sessions/${byToken}`);
      const res = await fetch(`${app.baseUrl}/api/sessions/${byToken}/decision`, {
        method: 'POST',
        headers: { ...authHeaders(token), 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'Approved', reason: 'genuine_capture', expectedVersion: version }),
      });
      expect(res.status).toBe(201);
      expect(await bodyOf(res)).toMatchObject({ pushState: 'pending', secondReview: null });
      expect(await reviewsOf(byToken)).toEqual([]);
      await runWorker();
      expect(pushedTo(byToken)).toEqual(['Approved']);
      await pushNow(id);
      expect(pushedTo(id)).toEqual(['Declined']);
    });

    it('undoing a sampled decision withdraws its review', async () => {
      const workflowId = await workflowWith({ sharePercent: 100 });
      const id = await inReview(workflowId, 'sr-undo-sampled');
      const session = await decide(analyst, id, 'Approved');
      const [review] = await reviewsOf(id);
      expect(review?.purpose).toBe('quality');
      const res = await post(analyst, `/api/sessions/${id}/undo-decision`, { expectedVersion: session.version });
      expect(res.status).toBe(200);
      expect((await reviewsOf(id))[0]?.state).toBe('withdrawn');
      expect((await auditOf(id, 'session.decision_undone'))[0]?.details).toMatchObject({ secondReviewWithdrawn: review!.id });
      expect(await pushJob(id)).toBeUndefined();
      expect((await get(analyst2, `/api/sessions/${id}`)).secondReview).toBeNull();
    });
  });

  describe('lists and edges', () => {
    it("lists open reviews to others but not the first analyst's own; disagreements only to leads", async () => {
      const { id, review, workflowId } = await heldForFourEyes('list');
      const forOthers = await get(analyst2, `/api/second-reviews?state=open&workflow=${workflowId}`);
      expect(forOthers).toEqual({
        total: 1,
        nextCursor: null,
        items: [
          {
            id: review.id,
            sessionId: id,
            sessionNumber: expect.any(Number),
            workflowId,
            workflowLabel: expect.stringMatching(/^Second review/),
            statusBefore: 'In Review',
            livenessScore: 90,
            faceMatchScore: 60,
            warningCodes: expect.any(Array),
            createdAt: expect.any(String),
            disagreement: null,
          },
        ],
      });
      expect(await get(analyst, `/api/second-reviews?workflow=${workflowId}`)).toEqual({ total: 0, items: [], nextCursor: null });
      expect(await get(lead, `/api/second-reviews?state=disagreed&workflow=${workflowId}`)).toEqual({
        total: 0,
        items: [],
        nextCursor: null,
      });
      expect((await people.get(analyst, `/api/second-reviews?state=disagreed`)).status).toBe(403);
      expect((await people.get(viewer, `/api/second-reviews`)).status).toBe(403);
      expect((await people.get(analyst, `/api/second-reviews?state=closed`)).status).toBe(400);
      expect((await people.get(analyst, `/api/second-reviews?workflow=abc`)).status).toBe(400);
    });

    it('pages a long list oldest first by cursor, every page counting the whole list; refuses a bad cursor or page size', async () => {
      const workflowId = await workflowWith({ faceMatchFloor: 65 });
      const ids: string[] = [];
      for (const tag of ['a', 'b', 'c']) {
        const id = await inReview(workflowId, `sr-page-${tag}`, 60);
        await decide(analyst, id, 'Approved');
        ids.push(id);
      }
      const list = `/api/second-reviews?workflow=${workflowId}&limit=2`;
      const first = await get(analyst2, list);
      expect(first.total).toBe(3);
      expect(first.items.map((item: { sessionId: string }) => item.sessionId)).toEqual(ids.slice(0, 2));
      expect(first.nextCursor).toEqual(String(first.items[1].id));
      const second = await get(analyst2, `${list}&cursor=${first.nextCursor}`);
      expect(second).toMatchObject({ total: 3, nextCursor: null });
      expect(second.items.map((item: { sessionId: string }) => item.sessionId)).toEqual(ids.slice(2));
      // Answering one of the first page does not move the next page's start.
      expect(
        (await answer(analyst2, ids[0]!, { secondReviewId: first.items[0].id, verdict: 'Approved', reason: 'genuine_capture' }))
          .status,
      ).toBe(201);
      expect(await get(analyst2, `${list}&cursor=${first.nextCursor}`)).toMatchObject({ total: 2, nextCursor: null });
      for (const bad of ['cursor=abc', 'cursor=-1', 'cursor=99999999999999999', 'limit=0', 'limit=201', 'limit=two']) {
        const res = await people.get(analyst2, `/api/second-reviews?${bad}`);
        expect(res.status, bad).toBe(400);
      }
    });

    it('answers 404 to an unknown session or review, 400 to a bad body', async () => {
      const { id, review } = await heldForFourEyes('edges');
      const good = { secondReviewId: review.id, verdict: 'Approved', reason: 'genuine_capture' };
      expect((await answer(analyst2, '7c0e9a52-0000-4000-8000-00000000abcd', good)).status).toBe(404);
      expect((await answer(analyst2, id, { ...good, secondReviewId: review.id + 100_000 })).status).toBe(404);
      const { version } = await get(lead, `/api/sessions/${id}`);
      const resolveBody = { secondReviewId: review.id + 100_000, verdict: 'Approved', note: 'x', expectedVersion: version };
      expect((await resolve(lead, id, resolveBody)).status).toBe(404);

      const bad: [unknown, string][] = [
        [{ ...good, extra: 1 }, ''],
        [{ ...good, verdict: 'Resubmitted' }, 'verdict'],
        [{ secondReviewId: review.id, verdict: 'Approved' }, 'reason'],
        [{ ...good, secondReviewId: 'latest' }, 'secondReviewId'],
        [{ ...good, reason: 'presentation_attack' }, 'reason'],
      ];
      for (const [body, path] of bad) {
        const res = await answer(analyst2, id, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect((await bodyOf(res)).error.details.issues.map((issue: { path: string }) => issue.path)).toContain(path);
      }
      const badResolve: unknown[] = [
        { ...resolveBody, secondReviewId: review.id, note: undefined },
        { ...resolveBody, secondReviewId: review.id, expectedVersion: undefined },
        { ...resolveBody, secondReviewId: review.id, verdict: 'Resubmitted' },
        { ...resolveBody, secondReviewId: review.id, extra: true },
      ];
      for (const body of badResolve) expect((await resolve(lead, id, body)).status, JSON.stringify(body)).toBe(400);
      // None of it touched the review.
      expect((await reviewsOf(id))[0]?.state).toBe('open');
    });
  });
});
