import { sql } from 'kysely';
import { startReviewConsole } from '../../test/helpers/review-console.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyOf } from '../../test/helpers/http.ts';
import { sameOriginHeaders, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';
import { type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';
import { decisionPushKey } from '../worker/jobs.ts';
import { buildTaskList } from '../worker/runner.ts';

/**
 * Asking the user to try again (issue 20) over real HTTP: people signed in through the dev IdP,
 * sessions In Review at the Didit sandbox and read from it, the push made by the worker task.
 */
describe('asking the user to try again', () => {
  let app: SsoTestConsole;
  let sandbox: RunningSandbox;
  let workflowId: string;
  const browsers = new Map<string, TestBrowser>();

  async function as(email: string): Promise<TestBrowser> {
    let browser = browsers.get(email);
    if (!browser) {
      browser = new TestBrowser();
      expect((await browser.signIn(app.baseUrl, email)).status).toBe(303);
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
  const get = async (email: string, path: string) => bodyOf(await (await as(email)).fetch(`${app.baseUrl}${path}`));
  const runWorker = () => runJobsOnce(app.ctx.pool, buildTaskList(app.ctx));
  const pushesTo = (id: string) =>
    sandbox.requests().filter((r) => r.method === 'PATCH' && r.path === `/v3/session/${id}/update-status/`);

  /** In Review at the sandbox, read here from Didit (its decision JSON with the liveness node), claimed by `email`. */
  async function claimedInReview(vendorData: string, email = 'analyst@example.test') {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: sandbox.portraitFor(vendorData),
    });
    const id = created.session_id as string;
    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'mismatch', livenessScore: 58, faceMatchScore: 60 });
    expect(sandbox.decision(id).status).toBe('In Review');
    await repairSessionFromDidit(app.ctx, id);
    const claimed = await post(email, `/api/sessions/${id}/claim`);
    expect(claimed.status).toBe(200);
    return { id, version: (await bodyOf(claimed)).version as number };
  }

  beforeAll(async () => {
    ({ app, sandbox, workflowId } = await startReviewConsole({ seed: 31 }));
    return () => sandbox.stop();
  });

  it('offers Resubmitted on In Review sessions with its own reasons', async () => {
    const { id } = await claimedInReview('user-offer');
    expect((await get('analyst@example.test', `/api/sessions/${id}`)).allowed.decide).toEqual([
      'Approved',
      'Declined',
      'Resubmitted',
    ]);
    const reasons = await get('analyst@example.test', '/api/review/reasons');
    expect(reasons.Resubmitted.map((r: { code: string }) => r.code)).toEqual([
      'poor_lighting',
      'face_not_visible',
      'other_attempt',
    ]);
  });

  it('pushes Resubmitted with the liveness node and the email fields as documented, and Didit confirms it', async () => {
    const { id, version } = await claimedInReview('user-resubmit');
    const res = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Resubmitted',
      reason: 'poor_lighting',
      note: 'Too dark to judge.',
      expectedVersion: version,
      sendEmail: true,
      emailAddress: 'person@example.org',
      emailLanguage: 'fr',
    });
    expect(res.status).toBe(201);
    expect(await bodyOf(res)).toMatchObject({ pushState: 'pending', previousAttempt: { requestedBy: 'analyst@example.test' } });

    sandbox.clearRequests();
    await runWorker();
    const [push] = pushesTo(id);
    expect(push?.body).toEqual({
      new_status: 'Resubmitted',
      comment:
        'Resubmitted in the review console by analyst@example.test. Reason: Poor lighting or blur. Note: Too dark to judge.',
      nodes_to_resubmit: [{ node_id: 'feature_liveness', feature: 'LIVENESS' }],
      send_email: true,
      email_address: 'person@example.org',
      email_language: 'fr',
    });
    expect(sandbox.decision(id).status).toBe('Resubmitted');
    await repairSessionFromDidit(app.ctx, id);
    const detail = await get('analyst@example.test', `/api/sessions/${id}`);
    expect(detail).toMatchObject({ status: 'Resubmitted', pushState: 'confirmed', allowed: { decide: [] } });
    expect(detail.timeline.find((e: { kind?: string }) => e.kind === 'resubmit')).toMatchObject({
      reason: 'poor_lighting',
      reasonLabel: 'Poor lighting or blur',
      pushState: 'confirmed',
    });

    // The audit says an email was asked for, never to whom; nothing in the database holds the address.
    const audit = await app.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('target_id', '=', id)
      .orderBy('id')
      .execute();
    const requested = audit.find((entry) => entry.action === 'session.resubmission_requested');
    expect(requested?.details).toMatchObject({ reason: 'poor_lighting', nodes: ['feature_liveness'], emailSent: true });
    expect(audit.map((entry) => entry.action)).toContain('session.decision_pushed');
    expect(JSON.stringify(audit)).not.toContain('person@example.org');
    const { rows } = await sql<{ hits: number }>`
      select (select count(*) from review_event where note like '%person@example.org%' or push_error like '%person@example.org%')
           + (select count(*) from graphile_worker._private_jobs where payload::text like '%person@example.org%')
           + (select count(*) from session_attempt where warnings::text like '%person@example.org%') as hits`.execute(app.ctx.db);
    expect(Number(rows[0]?.hits)).toBe(0);
  });

  it('lists Resubmitted sessions with since when and who asked, then sets the new attempt against the previous one', async () => {
    const { id, version } = await claimedInReview('user-new-attempt');
    const res = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Resubmitted',
      reason: 'face_not_visible',
      expectedVersion: version,
    });
    expect(res.status).toBe(201);
    await runWorker();
    expect(pushesTo(id).at(-1)?.body).not.toHaveProperty('send_email');
    await repairSessionFromDidit(app.ctx, id);

    const queue = await get('viewer@example.test', '/api/queue?status=Resubmitted&q=user-new-attempt');
    expect(queue.items).toHaveLength(1);
    expect(queue.items[0]).toMatchObject({
      id,
      status: 'Resubmitted',
      resubmission: { requestedBy: 'analyst@example.test', requestedAt: expect.any(String) },
    });

    // The user tries again: Didit completes the session anew, with new scores.
    sandbox.completeSession(id, { capture: 'match', livenessScore: 93, faceMatchScore: 91 });
    await repairSessionFromDidit(app.ctx, id);
    const detail = await get('analyst@example.test', `/api/sessions/${id}`);
    expect(detail.status).not.toBe('Resubmitted');
    expect(detail.livenessScore).toBe(93);
    expect(detail.previousAttempt).toMatchObject({
      requestedBy: 'analyst@example.test',
      reason: 'face_not_visible',
      reasonLabel: 'Face not fully visible',
      livenessScore: 58,
      faceMatchScore: 60,
    });
    expect(detail.previousAttempt.warnings.map((w: { risk: string }) => w.risk)).toContain('LOW_FACE_MATCH_SIMILARITY');
    expect((await get('viewer@example.test', '/api/queue?status=Resubmitted&q=user-new-attempt')).items).toEqual([]);
  });

  it('retries a failed request to try again with the email given anew (the first address went with the failed push)', async () => {
    const { id, version } = await claimedInReview('user-retry-email');
    const asked = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Resubmitted',
      reason: 'poor_lighting',
      expectedVersion: version,
      sendEmail: true,
      emailAddress: 'first@example.org',
    });
    expect(asked.status).toBe(201);
    // Didit is down for longer than the push's attempts (one, here): it fails for good, and its job is gone.
    await sql`update graphile_worker._private_jobs set max_attempts = 1 where key = ${decisionPushKey(id)}`.execute(app.ctx.db);
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      await runWorker();
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    expect(await get('analyst@example.test', `/api/sessions/${id}`)).toMatchObject({ pushState: 'failed' });

    // Bad bodies change nothing.
    for (const bad of [
      { sendEmail: true },
      { sendEmail: true, emailAddress: 'not-an-address' },
      { sendEmail: true, emailAddress: 'again@example.org', emailLanguage: 'xx' },
      { note: 'unknown field' },
    ]) {
      const res = await post('analyst@example.test', `/api/sessions/${id}/decision/retry`, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect(await get('analyst@example.test', `/api/sessions/${id}`)).toMatchObject({ pushState: 'failed' });

    // Didit is back; the analyst retries with the address typed again.
    sandbox.clearRequests();
    const retried = await post('analyst@example.test', `/api/sessions/${id}/decision/retry`, {
      sendEmail: true,
      emailAddress: 'again@example.org',
      emailLanguage: 'de',
    });
    expect(retried.status).toBe(200);
    expect(await bodyOf(retried)).toMatchObject({ pushState: 'pending' });
    await runWorker();
    expect(pushesTo(id).at(-1)?.body).toMatchObject({
      new_status: 'Resubmitted',
      send_email: true,
      email_address: 'again@example.org',
      email_language: 'de',
    });
    const retriedAudit = await app.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('target_id', '=', id)
      .where('action', '=', 'session.decision_push_retried')
      .execute();
    expect(retriedAudit.map((entry) => entry.details)).toEqual([
      { reviewEventId: expect.any(Number), emailSent: true, emailLanguage: 'de' },
    ]);
    expect(JSON.stringify(retriedAudit)).not.toContain('again@example.org');
  });

  it('refuses sendEmail without an address with 400', async () => {
    const { id, version } = await claimedInReview('user-no-address');
    const res = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Resubmitted',
      reason: 'poor_lighting',
      expectedVersion: version,
      sendEmail: true,
    });
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error.details.issues[0]).toMatchObject({ path: 'emailAddress' });
    const bad = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Resubmitted',
      reason: 'poor_lighting',
      expectedVersion: version,
      sendEmail: true,
      emailAddress: 'not-an-address',
    });
    expect(bad.status).toBe(400);
    const wrongReason = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Resubmitted',
      reason: 'same_person',
      expectedVersion: version,
    });
    expect(wrongReason.status).toBe(400);
    expect(
      await app.ctx.db
        .selectFrom('review_event')
        .select('id')
        .where('session_id', '=', id)
        .where('kind', '=', 'resubmit')
        .execute(),
    ).toEqual([]);
  });

  it('refuses Resubmitted on a session that is not In Review with 409', async () => {
    const { id, version } = await claimedInReview('user-decided');
    const declined = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      expectedVersion: version,
    });
    expect(declined.status).toBe(201);
    await runWorker();
    await repairSessionFromDidit(app.ctx, id);
    const fresh = await get('analyst@example.test', `/api/sessions/${id}`);
    expect(fresh.status).toBe('Declined');
    const res = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Resubmitted',
      reason: 'poor_lighting',
      note: 'Try again instead.',
      expectedVersion: fresh.version,
    });
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).error.details).toMatchObject({ reason: 'not_decidable', status: 'Declined' });
  });

  it('refuses a viewer with 403', async () => {
    const { id, version } = await claimedInReview('user-viewer');
    const res = await post('viewer@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Resubmitted',
      reason: 'poor_lighting',
      expectedVersion: version,
    });
    expect(res.status).toBe(403);
    expect(
      await app.ctx.db
        .selectFrom('review_event')
        .select('id')
        .where('session_id', '=', id)
        .where('kind', '=', 'resubmit')
        .execute(),
    ).toEqual([]);
  });
});
