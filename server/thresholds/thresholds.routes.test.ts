import { runOnce } from 'graphile-worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession } from '../../test/helpers/seed.ts';
import { sameOriginHeaders, startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { buildTaskList } from '../worker/runner.ts';

/** Versions, four eyes, push with read-back, failure and drift: real HTTP, the sandbox as Didit. */
describe('threshold versions', () => {
  let app: SsoTestConsole;
  let sandbox: RunningSandbox;
  let faceMatchWorkflow: string; // features[] form
  let livenessWorkflow: string; // legacy flat fields, liveness only
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
  const get = async (email: string, path: string) => (await as(email)).fetch(`${app.baseUrl}${path}`);
  const runWorker = () =>
    runOnce({ pgPool: app.ctx.pool, taskList: buildTaskList(app.ctx, { workerId: 'test', startedAt: new Date() }) });
  const auditActions = async (workflowId: string) =>
    (await app.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', workflowId).orderBy('id').execute()).map(
      (row) => row.action,
    );
  const diditWorkflow = async (id: string) =>
    (await (await fetch(`${sandbox.url}/v3/workflows/${id}/`, { headers: { 'x-api-key': sandbox.apiKey } })).json()) as Record<
      string,
      unknown
    >;

  const stricter = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 };

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 11 });
    const fm = sandbox.createWorkflow({
      workflow_label: 'Returning user (face match)',
      features: [
        {
          feature: 'LIVENESS',
          config: {
            face_liveness_method: 'PASSIVE',
            face_liveness_score_review_threshold: 70,
            face_liveness_score_decline_threshold: 50,
            face_liveness_max_attempts: 3,
          },
        },
        {
          feature: 'FACE_MATCH',
          config: {
            face_match_score_review_threshold: 70,
            face_match_score_decline_threshold: 50,
            face_match_not_computed_action: 'DECLINE',
          },
        },
      ],
    });
    const lv = sandbox.createWorkflow({
      workflow_label: 'Liveness only',
      workflow_type: 'biometric_authentication',
      is_liveness_enabled: true,
      is_face_match_enabled: false,
      face_liveness_method: 'flashing',
    });
    faceMatchWorkflow = fm.workflow_id as string;
    livenessWorkflow = lv.workflow_id as string;
    app = await startSsoTestConsole({
      DIDIT_BASE_URL: sandbox.url,
      DIDIT_API_KEY: sandbox.apiKey,
      DIDIT_WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
    });
    return () => sandbox.stop();
  });

  it('syncs workflows from GET /v3/workflows/ in both threshold forms', async () => {
    const synced = await post('lead@example.test', '/api/workflows/sync');
    expect(synced.status).toBe(200);
    const list = await bodyOf(await get('viewer@example.test', '/api/workflows'));
    const byId = new Map(list.items.map((w: { id: string }) => [w.id, w]));
    expect(byId.get(faceMatchWorkflow)).toMatchObject({
      hasFaceMatch: true,
      livenessMethod: 'PASSIVE',
      settingsForm: 'features',
      current: { livenessReview: 70, livenessDecline: 50, faceMatchReview: 70, faceMatchDecline: 50 },
      drift: null,
    });
    expect(byId.get(livenessWorkflow)).toMatchObject({
      hasFaceMatch: false,
      livenessMethod: 'FLASHING',
      settingsForm: 'legacy',
      current: { livenessReview: 70, livenessDecline: 50, faceMatchReview: null, faceMatchDecline: null },
    });
  });

  it('rejects out-of-range values, decline above review, and face-match values on a liveness-only workflow', async () => {
    const cases: [string, unknown][] = [
      [faceMatchWorkflow, { ...stricter, livenessReview: 101 }],
      [faceMatchWorkflow, { ...stricter, faceMatchDecline: -1 }],
      [faceMatchWorkflow, { ...stricter, livenessDecline: 71 }],
      [faceMatchWorkflow, { ...stricter, faceMatchDecline: 81 }],
      [faceMatchWorkflow, { livenessReview: 70, livenessDecline: 50 }],
      [livenessWorkflow, stricter],
    ];
    for (const [id, thresholds] of cases) {
      const res = await post('lead@example.test', `/api/workflows/${id}/thresholds`, { thresholds, reason: 'tighten' });
      expect(res.status, JSON.stringify(thresholds)).toBe(400);
      expect((await bodyOf(res)).error.code).toBe('validation_failed');
    }
    const noReason = await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds`, {
      thresholds: stricter,
      reason: ' ',
    });
    expect(noReason.status).toBe(400);
    expect(await app.ctx.db.selectFrom('threshold_version').selectAll().execute()).toEqual([]);
  });

  it('an analyst cannot propose, a proposer cannot approve, and only one proposal is open per workflow', async () => {
    const analyst = await post('analyst@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds`, {
      thresholds: stricter,
      reason: 'x'.repeat(5),
    });
    expect(analyst.status).toBe(403);
    const token = await createApiToken(app.ctx, 'lead');
    const byToken = await fetch(`${app.baseUrl}/api/workflows/${faceMatchWorkflow}/thresholds`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify({ thresholds: stricter, reason: 'automation' }),
    });
    expect(byToken.status).toBe(403);

    const proposed = await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds`, {
      thresholds: stricter,
      reason: 'Face-match fraud rose last week',
    });
    expect(proposed.status).toBe(201);
    const version = await bodyOf(proposed);
    expect(version).toMatchObject({ version: 1, state: 'proposed', proposedBy: 'lead@example.test', thresholds: stricter });

    const second = await post('lead2@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds`, {
      thresholds: stricter,
      reason: 'me too',
    });
    expect(second.status).toBe(409);
    const selfApprove = await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/1/approve`);
    expect(selfApprove.status).toBe(403);
    const analystApprove = await post('analyst@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/1/approve`);
    expect(analystApprove.status).toBe(403);
    const selfReject = await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/1/reject`, {
      note: 'nope',
    });
    expect(selfReject.status).toBe(403);
    const withdraw = await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/1/withdraw`);
    expect((await bodyOf(withdraw)).state).toBe('withdrawn');
    expect(await auditActions(faceMatchWorkflow)).toEqual(['threshold.proposed', 'threshold.withdrawn']);
  });

  it('a second lead rejects a proposal with a reason', async () => {
    await post('lead@example.test', `/api/workflows/${livenessWorkflow}/thresholds`, {
      thresholds: { livenessReview: 75, livenessDecline: 55 },
      reason: 'Flashing needs a higher bar',
    });
    const rejected = await post('lead2@example.test', `/api/workflows/${livenessWorkflow}/thresholds/1/reject`, {
      note: 'Wait for more data',
    });
    expect(rejected.status).toBe(200);
    expect(await bodyOf(rejected)).toMatchObject({
      state: 'rejected',
      decidedBy: 'lead2@example.test',
      decisionNote: 'Wait for more data',
    });
    const again = await post('lead2@example.test', `/api/workflows/${livenessWorkflow}/thresholds/1/approve`);
    expect(again.status).toBe(409);
  });

  it('after a second lead approves, the worker PATCHes features[].config, reads back and marks it applied; new sessions follow', async () => {
    await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds`, {
      thresholds: stricter,
      reason: 'Face-match fraud rose',
    });
    const approved = await post('lead2@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/2/approve`);
    expect(approved.status).toBe(200);
    expect(await bodyOf(approved)).toMatchObject({ state: 'approved', decidedBy: 'lead2@example.test' });
    // Decided by Didit while the push was on its way, recorded without a version by the sync.
    const lateId = await seedSession(app.ctx.db, { workflowId: faceMatchWorkflow, status: 'Declined', faceMatchScore: 58 });
    await app.ctx.db
      .updateTable('verification_session')
      .set({ decided_at: new Date(Date.now() + 60_000), decision_source: 'didit', threshold_version_id: null })
      .where('id', '=', lateId)
      .execute();
    sandbox.clearRequests();
    await runWorker();

    const patch = sandbox.requests().find((r) => r.method === 'PATCH');
    expect(patch?.body).toMatchObject({
      features: [
        { feature: 'LIVENESS', config: { face_liveness_score_review_threshold: 70, face_liveness_max_attempts: 3 } },
        {
          feature: 'FACE_MATCH',
          config: {
            face_match_score_review_threshold: 80,
            face_match_score_decline_threshold: 60,
            face_match_not_computed_action: 'DECLINE',
          },
        },
      ],
    });
    expect(
      sandbox.requests().filter((r) => r.method === 'GET' && r.path.includes('/v3/workflows/')).length,
    ).toBeGreaterThanOrEqual(2);
    const detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}`));
    expect(detail).toMatchObject({ currentVersion: 2, current: stricter, didit: stricter, drift: null });
    expect(detail.versions[0]).toMatchObject({ version: 2, state: 'applied', pushAttempts: 1, pushError: null });
    expect(detail.versions[0].appliedAt).toEqual(expect.any(String));
    const late = await app.ctx.db
      .selectFrom('verification_session')
      .select('threshold_version_id')
      .where('id', '=', lateId)
      .executeTakeFirstOrThrow();
    expect(late.threshold_version_id).toBe(detail.versions[0].id);
    expect(detail.versions[0].stats).toEqual({ sessions: 1, reviewRate: 0, declineRate: 1 });
    expect(await auditActions(faceMatchWorkflow)).toEqual(
      expect.arrayContaining(['threshold.proposed', 'threshold.approved', 'threshold.applied']),
    );

    // Didit now decides with 80/60: a face-match score of 75 goes to review.
    const session = sandbox.createSession({
      workflow_id: faceMatchWorkflow,
      vendor_data: 'after-v2',
      portrait_image: sandbox.portraitFor('after-v2'),
    });
    const decided = sandbox.completeSession(session.session_id as string, { livenessScore: 95, faceMatchScore: 75 });
    expect(decided.status).toBe('In Review');
  });

  it('pushes legacy flat fields to a legacy workflow', async () => {
    await post('lead@example.test', `/api/workflows/${livenessWorkflow}/thresholds`, {
      thresholds: { livenessReview: 75, livenessDecline: 55 },
      reason: 'Flashing needs a higher bar',
    });
    await post('lead2@example.test', `/api/workflows/${livenessWorkflow}/thresholds/2/approve`);
    sandbox.clearRequests();
    await runWorker();
    expect(sandbox.requests().find((r) => r.method === 'PATCH')?.body).toEqual({
      face_liveness_score_review_threshold: 75,
      face_liveness_score_decline_threshold: 55,
    });
    expect(await diditWorkflow(livenessWorkflow)).toMatchObject({
      face_liveness_score_review_threshold: 75,
      face_liveness_score_decline_threshold: 55,
    });
    const detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${livenessWorkflow}`));
    expect(detail.versions[0]).toMatchObject({ version: 2, state: 'applied' });
  });

  it("marks a push failed with Didit's answer when Didit errors, and a lead can retry it to applied", async () => {
    const next = { ...stricter, faceMatchReview: 85 };
    await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds`, {
      thresholds: next,
      reason: 'Even stricter',
    });
    await post('lead2@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/3/approve`);
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      await runWorker();
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    let detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}`));
    expect(detail.versions[0]).toMatchObject({ version: 3, state: 'failed' });
    expect(detail.versions[0].pushError).toMatch(/503/);
    expect(detail.currentVersion).toBe(2);
    const row = await app.ctx.db
      .selectFrom('threshold_version')
      .select('didit_response')
      .where('version', '=', 3)
      .where('workflow_id', '=', faceMatchWorkflow)
      .executeTakeFirstOrThrow();
    expect(row.didit_response).toMatchObject({ code: 'server_error', status: 503 });

    const retried = await post('lead2@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/3/retry`);
    expect((await bodyOf(retried)).state).toBe('approved');
    await runWorker();
    detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}`));
    expect(detail.versions[0]).toMatchObject({ version: 3, state: 'applied', pushAttempts: 2 });
    expect(await auditActions(faceMatchWorkflow)).toEqual(
      expect.arrayContaining(['threshold.push_failed', 'threshold.push_retried', 'threshold.applied']),
    );
  }, 30_000);

  it("detects drift when someone changes the thresholds in Didit's own console, once, and clears it when they match again", async () => {
    const patch = (body: unknown) =>
      fetch(`${sandbox.url}/v3/workflows/${faceMatchWorkflow}/`, {
        method: 'PATCH',
        headers: { 'x-api-key': sandbox.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await patch({ face_match_score_review_threshold: 65 })).status).toBe(200);
    await post('lead@example.test', '/api/workflows/sync');
    await post('lead@example.test', '/api/workflows/sync');
    const list = await bodyOf(await get('viewer@example.test', '/api/workflows'));
    const workflow = list.items.find((w: { id: string }) => w.id === faceMatchWorkflow);
    expect(workflow.drift).toMatchObject({ didit: { faceMatchReview: 65 }, ours: { faceMatchReview: 85 } });
    expect(workflow.current.faceMatchReview).toBe(85);
    expect((await auditActions(faceMatchWorkflow)).filter((a) => a === 'threshold.drift_detected')).toHaveLength(1);

    expect((await patch({ face_match_score_review_threshold: 85 })).status).toBe(200);
    await post('lead@example.test', '/api/workflows/sync');
    const after = (await bodyOf(await get('viewer@example.test', '/api/workflows'))).items.find(
      (w: { id: string }) => w.id === faceMatchWorkflow,
    );
    expect(after.drift).toBeNull();
    expect(await auditActions(faceMatchWorkflow)).toContain('threshold.drift_resolved');
  });

  it('simulates over HTTP for a viewer and refuses face-match values on a liveness-only workflow', async () => {
    const res = await post('viewer@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/simulate`, {
      thresholds: { ...stricter, faceMatchReview: 90 },
      window: { days: 7 },
    });
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body.current).toMatchObject({ faceMatchReview: 85 });
    expect(body.window.days).toBe(7);
    const bad = await post('viewer@example.test', `/api/workflows/${livenessWorkflow}/thresholds/simulate`, {
      thresholds: stricter,
    });
    expect(bad.status).toBe(400);
    const histogram = await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}/score-distribution?days=7`);
    expect(histogram.status).toBe(200);
    expect((await bodyOf(histogram)).liveness.approved).toHaveLength(50);
  });
});
