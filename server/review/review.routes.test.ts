import { beforeAll, describe, expect, it } from 'vitest';
import { startReviewConsole } from '../../test/helpers/review-console.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { sameOriginHeaders, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';
import { type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { buildTaskList } from '../worker/runner.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { postDelivery, signedDelivery, stringField } from '../../test/helpers/didit-events.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';

/** The review loop over real HTTP: people signed in through the dev IdP, decisions pushed to the sandbox. */
describe('review routes', () => {
  let app: SsoTestConsole;
  let sandbox: RunningSandbox;
  let workflowId: string;
  const browsers = new Map<string, TestBrowser>();

  async function as(email: string): Promise<TestBrowser> {
    let browser = browsers.get(email);
    if (!browser) {
      browser = new TestBrowser();
      const res = await browser.signIn(app.baseUrl, email);
      expect(res.status).toBe(303);
      browsers.set(email, browser);
    }
    return browser;
  }

  const post = async (email: string, path: string, body: unknown = {}) =>
    (await as(email)).fetch(`${app.baseUrl}${path}`, {
      method: 'POST',
      headers: sameOriginHeaders(app.baseUrl),
      body: JSON.stringify(body),
    });
  const get = async (email: string, path: string) => (await as(email)).fetch(`${app.baseUrl}${path}`);

  /** A session that really is In Review at the sandbox, mirrored in our database. */
  async function inReviewSession(vendorData = 'user-42'): Promise<string> {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: sandbox.portraitFor(vendorData),
    });
    const id = created.session_id as string;
    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'mismatch', faceMatchScore: 60 });
    expect(sandbox.decision(id).status).toBe('In Review');
    await seedSession(app.ctx.db, { id, workflowId, vendorData, faceMatchScore: 60 });
    return id;
  }

  const runWorker = () => runJobsOnce(app.ctx.pool, buildTaskList(app.ctx));

  beforeAll(async () => {
    ({ app, sandbox, workflowId } = await startReviewConsole({ seed: 7 }));
    return () => sandbox.stop();
  });

  it('lists In Review sessions for a viewer, but refuses the viewer a claim or a decision', async () => {
    const id = await inReviewSession('user-viewer-case');
    const queue = await get('viewer@example.test', '/api/queue?q=user-viewer-case');
    expect(queue.status).toBe(200);
    expect((await bodyOf(queue)).items.map((item: { id: string }) => item.id)).toEqual([id]);
    expect((await post('viewer@example.test', `/api/sessions/${id}/claim`)).status).toBe(403);
    const decision = await post('viewer@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Approved',
      reason: 'same_person',
      expectedVersion: 1,
    });
    expect(decision.status).toBe(403);
    expect((await bodyOf(decision)).error.code).toBe('forbidden');
    expect(await app.ctx.db.selectFrom('review_event').selectAll().where('session_id', '=', id).execute()).toEqual([]);
  });

  it('answers 401 without a session or token, 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await fetch(`${app.baseUrl}/api/queue`)).status).toBe(401);
    expect((await get('analyst@example.test', '/api/sessions/7c0e9a52-0000-4000-8000-00000000abcd')).status).toBe(404);
    const malformed = await get('analyst@example.test', '/api/sessions/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect((await bodyOf(malformed)).error.code).toBe('validation_failed');
    const badQuery = await get('analyst@example.test', '/api/queue?livenessMin=90&livenessMax=10');
    expect(badQuery.status).toBe(400);
  });

  it('claims, decides and pushes the decision to Didit with the analyst named in the comment', async () => {
    const id = await inReviewSession('user-happy-path');
    const claimed = await post('analyst@example.test', `/api/sessions/${id}/claim`);
    expect(claimed.status).toBe(200);
    const detail = await bodyOf(claimed);
    expect(detail.claim).toMatchObject({ label: 'analyst@example.test' });

    const otherAnalyst = await post('analyst2@example.test', `/api/sessions/${id}/claim`);
    expect(otherAnalyst.status).toBe(409);
    expect((await bodyOf(otherAnalyst)).error.details).toMatchObject({ claimedBy: 'analyst@example.test' });

    const decided = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      note: 'Jawline and eyes differ from the portrait.',
      expectedVersion: detail.version,
    });
    expect(decided.status).toBe(201);
    expect(await bodyOf(decided)).toMatchObject({ pushState: 'pending', claim: null });

    sandbox.clearRequests();
    await runWorker();
    const pushes = sandbox.requests().filter((r) => r.method === 'PATCH');
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ path: `/v3/session/${id}/update-status/`, status: 200 });
    expect(pushes[0]?.body).toMatchObject({ new_status: 'Declined', comment: expect.stringContaining('analyst@example.test') });
    expect(sandbox.decision(id).status).toBe('Declined');
    const session = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
    expect(session.pushState).toBe('confirmed');
    expect(
      session.timeline.filter((t: { source: string }) => t.source === 'console').map((t: { kind: string }) => t.kind),
    ).toEqual(['claim', 'decline']);
  });

  it('answers a stale decision with 409 and the fresh state', async () => {
    const id = await inReviewSession('user-stale');
    await post('lead@example.test', `/api/sessions/${id}/notes`, { note: 'Looks like a printed photo.' });
    await app.ctx.db.updateTable('verification_session').set({ version: 5 }).where('id', '=', id).execute();
    const res = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Approved',
      reason: 'same_person',
      expectedVersion: 1,
    });
    expect(res.status).toBe(409);
    const body = await bodyOf(res);
    expect(body.error.details).toMatchObject({ reason: 'version_mismatch', session: { id, version: 5 } });
  });

  describe('the version that guards a decision moves only when what the analyst judged moves', () => {
    const decide = (id: string, expectedVersion: number) =>
      post('analyst@example.test', `/api/sessions/${id}/decision`, {
        decision: 'Approved',
        reason: 'same_person',
        note: 'Same person as the portrait.',
        expectedVersion,
      });
    /** Didit's status.updated for the session as it stands at the sandbox, at `timestamp`. */
    const diditDelivery = (id: string, timestamp: number) =>
      signedDelivery(
        {
          event_id: crypto.randomUUID(),
          webhook_type: 'status.updated',
          timestamp,
          created_at: timestamp - 60,
          session_id: id,
          status: 'In Review',
          workflow_id: workflowId,
          decision: sandbox.decision(id),
        },
        'test-webhook-secret-0123456789',
      );

    it('open, the links are refreshed, decide: saved', async () => {
      const id = await inReviewSession('user-refreshed-links');
      // Bring our copy in line with Didit's decision first (the seed is not Didit's word).
      await repairSessionFromDidit(app.ctx, id);
      const opened = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
      // An image failed to load in the page: new links are forced.
      const refreshed = await post('analyst@example.test', `/api/sessions/${id}/refresh-media`, {
        brokenUrl: opened.media.selfie,
      });
      expect((await bodyOf(refreshed)).refreshed).toBe(true);
      const after = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
      expect(after.media.selfie).not.toBe(opened.media.selfie);
      expect(after.version).toBe(opened.version);
      expect((await decide(id, opened.version)).status).toBe(201);
      await runWorker(); // its push, so no job is left for later tests
    });

    it('open, Didit delivers what we already hold again, decide: saved', async () => {
      const id = await inReviewSession('user-redelivered');
      // Event times after the seed's, so both deliveries are applied (neither is stale).
      const now = Math.floor(Date.now() / 1000);
      expect((await postDelivery(app.baseUrl, diditDelivery(id, now + 2))).status).toBe(200);
      await runWorker();
      const opened = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
      expect(opened.version).toBeGreaterThan(1);
      // A resend: the same session state, a new event time (so it is a new inbox row, not a duplicate).
      expect((await postDelivery(app.baseUrl, diditDelivery(id, now + 3))).status).toBe(200);
      await runWorker();
      const rows = await app.ctx.db.selectFrom('webhook_event').select('processed_at').where('session_id', '=', id).execute();
      expect(rows.map((row) => row.processed_at !== null)).toEqual([true, true]);
      const after = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
      expect(after.version).toBe(opened.version);
      expect((await decide(id, opened.version)).status).toBe(201);
      await runWorker(); // its push, so no job is left for later tests
    });

    it('still answers 409 when Didit changes the scores after the analyst opened the session', async () => {
      const id = await inReviewSession('user-rescored');
      await repairSessionFromDidit(app.ctx, id);
      const opened = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
      await app.ctx.db.updateTable('verification_session').set({ face_match_score: 12.5 }).where('id', '=', id).execute();
      // New links (an image failed) come with Didit's decision as it stands: its scores again.
      const refreshed = await post('analyst@example.test', `/api/sessions/${id}/refresh-media`, {
        brokenUrl: opened.media.selfie,
      });
      expect((await bodyOf(refreshed)).refreshed).toBe(true);
      const after = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
      expect(after.version).toBeGreaterThan(opened.version);
      expect((await decide(id, opened.version)).status).toBe(409);
    });
  });

  it('records a decision made without the evidence images in its note and its audit entry', async () => {
    const id = await inReviewSession('user-no-images');
    const opened = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
    const unknownKind = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      expectedVersion: opened.version,
      evidenceMissing: ['fingerprint'],
    });
    expect(unknownKind.status).toBe(400);
    const decided = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      note: 'Didit is down; scores are conclusive.',
      expectedVersion: opened.version,
      evidenceMissing: ['selfie', 'portrait'],
    });
    expect(decided.status).toBe(201);
    const event = await app.ctx.db
      .selectFrom('review_event')
      .select('note')
      .where('session_id', '=', id)
      .where('kind', '=', 'decline')
      .executeTakeFirstOrThrow();
    expect(event.note).toBe(
      'Didit is down; scores are conclusive.\n[Decided without the evidence images: the selfie and reference portrait had not loaded.]',
    );
    const audit = await app.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('target_id', '=', id)
      .where('action', '=', 'session.decided')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ withoutEvidence: ['selfie', 'portrait'] });
    await runWorker(); // its push, so no job is left for later tests
  });

  it('refuses a face-match reason on a session of a liveness-only workflow', async () => {
    const liveness = stringField(sandbox.createWorkflow(livenessOnlyWorkflow('Step-up (reasons)')), 'workflow_id');
    await seedWorkflow(app.ctx.db, { id: liveness, label: 'Step-up (reasons)', hasFaceMatch: false });
    const created = sandbox.createSession({ workflow_id: liveness, vendor_data: 'user-liveness-reasons' });
    const id = stringField(created, 'session_id');
    sandbox.completeSession(id, { capture: 'low_quality', livenessScore: 60 });
    await seedSession(app.ctx.db, { id, workflowId: liveness, faceMatchScore: null, warningCodes: ['LOW_LIVENESS_SCORE'] });
    const opened = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
    expect(opened.hasFaceMatch).toBe(false);
    const res = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      expectedVersion: opened.version,
    });
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error.details.issues[0]).toMatchObject({ path: 'reason' });
    const ok = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'presentation_attack',
      expectedVersion: opened.version,
    });
    expect(ok.status).toBe(201);
    await runWorker(); // its push, so no job is left for the tests after this one
  });

  it("shows who decided in Didit's own console, and their comment, as Didit reports them", async () => {
    const id = await inReviewSession('user-decided-outside');
    sandbox.consoleDecision(id, {
      new_status: 'Declined',
      comment: 'Second account with the same face.',
      reviewer_email: 'risk.lead@company.example',
    });
    // The re-read applies Didit's decision, as a webhook or reconciliation would.
    await repairSessionFromDidit(app.ctx, id);
    const detail = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
    expect(detail).toMatchObject({ status: 'Declined', decisionSource: 'outside' });
    expect(detail.diditReview).toMatchObject({
      by: expect.stringContaining('risk.lead@company.example'),
      comment: 'Second account with the same face.',
    });
  });

  it('rejects an invalid decision body with 400 naming the field', async () => {
    const id = await inReviewSession('user-bad-body');
    const res = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Maybe',
      reason: 'same_person',
      expectedVersion: 1,
    });
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error.details.issues[0].path).toBe('decision');
  });

  it('retries a push Didit answers with 5xx, then confirms it', async () => {
    const id = await inReviewSession('user-flaky-didit');
    const token = await createApiToken(app.ctx, 'analyst');
    const res = await fetch(`${app.baseUrl}/api/sessions/${id}/decision`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'Approved', reason: 'same_person', expectedVersion: 1 }),
    });
    expect(res.status).toBe(201);
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      await runWorker();
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    const pending = await app.ctx.db
      .selectFrom('review_event')
      .selectAll()
      .where('session_id', '=', id)
      .where('kind', '=', 'approve')
      .executeTakeFirstOrThrow();
    expect(pending.push_state).toBe('pending');
    expect(pending.push_attempts).toBe(1);
    expect(pending.push_error).toMatch(/503|server/i);
    // graphile-worker schedules the retry with backoff; make it due now.
    await app.ctx.pool.query(`update graphile_worker._private_jobs set run_at = now()`);
    await runWorker();
    const confirmed = await app.ctx.db
      .selectFrom('review_event')
      .selectAll()
      .where('id', '=', pending.id)
      .executeTakeFirstOrThrow();
    expect(confirmed.push_state).toBe('confirmed');
    expect(sandbox.decision(id).status).toBe('Approved');
  });

  it('parks a push Didit refuses permanently as failed with its answer, and lets an analyst retry it', async () => {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: 'user-not-finished',
      portrait_image: sandbox.portraitFor('x'),
    });
    const id = created.session_id as string;
    // Our copy says In Review, Didit says the user never finished: update-status is refused (docs/didit-contract.md §11).
    await seedSession(app.ctx.db, { id, workflowId, vendorData: 'user-not-finished' });
    expect(
      (
        await post('analyst@example.test', `/api/sessions/${id}/decision`, {
          decision: 'Approved',
          reason: 'same_person',
          expectedVersion: 1,
        })
      ).status,
    ).toBe(201);
    await runWorker();
    const session = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
    expect(session.pushState).toBe('failed');
    expect(session.pushError).toBeTruthy();

    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'mismatch', faceMatchScore: 60 });
    // Only a request to try again emails the user (409); an unknown field is a 400. Neither changes anything.
    const email = await post('analyst@example.test', `/api/sessions/${id}/decision/retry`, {
      sendEmail: true,
      emailAddress: 'person@example.org',
    });
    expect(email.status).toBe(409);
    expect((await bodyOf(email)).error.details).toMatchObject({ reason: 'not_resubmission' });
    expect((await post('analyst@example.test', `/api/sessions/${id}/decision/retry`, { force: true })).status).toBe(400);
    expect((await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`))).pushState).toBe('failed');
    const retried = await post('analyst@example.test', `/api/sessions/${id}/decision/retry`);
    expect(retried.status).toBe(200);
    expect((await bodyOf(retried)).pushState).toBe('pending');
    await runWorker();
    expect(sandbox.decision(id).status).toBe('Approved');
  });

  it('claims the next session for the current view, and says when none is left', async () => {
    const id = await inReviewSession('user-claim-next');
    const res = await post('analyst2@example.test', '/api/queue/claim-next', { filters: { q: 'user-claim-next' } });
    expect(res.status).toBe(200);
    expect((await bodyOf(res)).session).toMatchObject({ id, claim: { label: 'analyst2@example.test' } });
    const none = await post('analyst@example.test', '/api/queue/claim-next', { filters: { q: 'user-claim-next' } });
    expect(none.status).toBe(404);
  });

  describe('answers carry the links for the blurred page, and none of them is a look: the reveal is (issue 19)', () => {
    /** A session with links to its images that nobody has opened. */
    async function unopenedSessionWithImages(vendorData: string): Promise<string> {
      const id = await inReviewSession(vendorData);
      await repairSessionFromDidit(app.ctx, id);
      const { media } = await app.ctx.db
        .selectFrom('verification_session')
        .select('media')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(media['selfie']).toBeTruthy();
      return id;
    }
    const mediaViews = (id: string) =>
      app.ctx.db
        .selectFrom('audit_log')
        .select(['actor_label', 'details'])
        .where('target_id', '=', id)
        .where('action', '=', 'session.media_viewed')
        .orderBy('id')
        .execute();

    it("a note's answer carries the links without recording a look", async () => {
      const id = await unopenedSessionWithImages('user-note-unopened');
      const res = await post('analyst@example.test', `/api/sessions/${id}/notes`, { note: 'Called the user.' });
      expect(res.status).toBe(201);
      expect((await bodyOf(res)).media.selfie).toBeTruthy();
      expect(await mediaViews(id)).toEqual([]);
    });

    it("a decision's answer carries the links without recording a look", async () => {
      const id = await unopenedSessionWithImages('user-decided-unopened');
      const token = await createApiToken(app.ctx, 'analyst', 'decides-unopened');
      const { version } = await app.ctx.db
        .selectFrom('verification_session')
        .select('version')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const res = await fetch(`${app.baseUrl}/api/sessions/${id}/decision`, {
        method: 'POST',
        headers: { ...authHeaders(token), 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'Declined', reason: 'different_person', expectedVersion: version }),
      });
      expect(res.status).toBe(201);
      expect((await bodyOf(res)).media.selfie).toBeTruthy();
      expect(await mediaViews(id)).toEqual([]);
      await runWorker(); // its push, so no job is left for later tests
    });

    it("a stale decision's 409 carries the fresh state's links without recording a look", async () => {
      const id = await unopenedSessionWithImages('user-conflict-unopened');
      const res = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
        decision: 'Approved',
        reason: 'same_person',
        expectedVersion: 999,
      });
      expect(res.status).toBe(409);
      expect((await bodyOf(res)).error.details.session.media.selfie).toBeTruthy();
      expect(await mediaViews(id)).toEqual([]);
    });

    it('a media refresh, new links or not, is not a look; the reveal after it is', async () => {
      const id = await unopenedSessionWithImages('user-refresh-record');
      const { media } = await app.ctx.db
        .selectFrom('verification_session')
        .select('media')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const same = await post('analyst@example.test', `/api/sessions/${id}/refresh-media`);
      expect(await bodyOf(same)).toMatchObject({ refreshed: false, media: { selfie: media['selfie'] } });
      const forced = await post('analyst@example.test', `/api/sessions/${id}/refresh-media`, { brokenUrl: media['selfie'] });
      expect((await bodyOf(forced)).refreshed).toBe(true);
      expect(await mediaViews(id)).toEqual([]);
      const revealed = await post('analyst@example.test', `/api/sessions/${id}/reveal`, { purpose: 'decision_review' });
      expect(revealed.status).toBe(200);
      expect(await mediaViews(id)).toEqual([
        {
          actor_label: 'analyst@example.test',
          details: { purpose: 'decision_review', purposeNote: null, claimed: false },
        },
      ]);
    });
  });

  it('opening a session with images is not a look at the faces, however often', async () => {
    const id = await inReviewSession('user-audited');
    await app.ctx.db
      .updateTable('verification_session')
      .set({ media: JSON.stringify({ selfie: `${sandbox.url}/media/x.jpg` }) })
      .where('id', '=', id)
      .execute();
    const opened = await get('analyst@example.test', `/api/sessions/${id}`);
    expect(opened.status).toBe(200);
    expect((await bodyOf(opened)).media.selfie).toBeTruthy();
    expect((await get('analyst@example.test', `/api/sessions/${id}`)).status).toBe(200);
    const rows = await app.ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'action'])
      .where('target_id', '=', id)
      .where('action', '=', 'session.media_viewed')
      .execute();
    expect(rows).toEqual([]);
  });
});
