import { beforeAll, describe, expect, it } from 'vitest';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession } from '../../test/helpers/seed.ts';
import { startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { buildTaskList } from '../worker/runner.ts';
import { DiditClient } from '../vendors/didit/didit-client.ts';
import { PostgresRateBudget } from '../vendors/didit/rate-budget.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { stringField } from '../../test/helpers/didit-events.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';

/** Versions, four eyes, push with read-back, failure and drift: real HTTP, the sandbox as Didit. */
describe('threshold versions', () => {
  let app: SsoTestConsole;
  let sandbox: RunningSandbox;
  const { post, get } = signedInPeople(() => app.baseUrl);
  const runWorker = () => runJobsOnce(app.ctx.pool, buildTaskList(app.ctx));
  const auditActions = async (workflowId: string) =>
    (await app.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', workflowId).orderBy('id').execute()).map(
      (row) => row.action,
    );
  const diditGet = async (path: string) =>
    (await (await fetch(`${sandbox.url}${path}`, { headers: { 'x-api-key': sandbox.apiKey } })).json()) as Record<
      string,
      unknown
    >;
  /** Didit's versions of a workflow, newest first: `{uuid, version, status}`. */
  const versionsOf = async (workflowId: string) =>
    ((await diditGet('/v3/workflows/?limit=1000')).results as Array<Record<string, unknown>>)
      .filter((row) => row['workflow_id'] === workflowId)
      .map((row) => ({ uuid: String(row['uuid']), version: Number(row['version']), status: String(row['status']) }));
  const published = async (workflowId: string, version: number) => {
    const row = (await versionsOf(workflowId)).find((v) => v.version === version && v.status === 'published');
    if (!row) throw new Error(`no published v${version} of ${workflowId}`);
    return diditGet(`/v3/workflows/${row.uuid}/`);
  };
  const thresholdsAt = (detail: Record<string, unknown>) => ({
    livenessReview: detail['face_liveness_score_review_threshold'],
    livenessDecline: detail['face_liveness_score_decline_threshold'],
    faceMatchReview: detail['face_match_score_review_threshold'] ?? null,
    faceMatchDecline: detail['face_match_score_decline_threshold'] ?? null,
  });
  /** A features list as someone editing in Didit's own console would leave it. */
  const consoleFeatures = (t: { lr: number; ld: number; fr: number; fd: number }) => [
    {
      feature: 'LIVENESS',
      config: {
        face_liveness_method: 'PASSIVE',
        face_liveness_score_review_threshold: t.lr,
        face_liveness_score_decline_threshold: t.ld,
        face_liveness_max_attempts: 3,
      },
    },
    {
      feature: 'FACE_MATCH',
      config: {
        face_match_score_review_threshold: t.fr,
        face_match_score_decline_threshold: t.fd,
        face_match_not_computed_action: 'REVIEW',
      },
    },
  ];

  const stricter = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 };

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 11 });
    app = await startSsoTestConsole({
      DIDIT_BASE_URL: sandbox.url,
      DIDIT_API_KEY: sandbox.apiKey,
      DIDIT_WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
    });
    return () => sandbox.stop();
  });

  // Each test makes its own workflows at Didit, so it runs the same alone or in any order.

  /**
   * A face-match workflow as Didit's console leaves it: version 1 (65/45) superseded by version 2
   * (70/50), both published, and a draft version 3 (90/20) being prepared. Only version 2 is in force.
   */
  function createFaceMatchWorkflow(): string {
    const id = stringField(
      sandbox.createWorkflow({
        workflow_label: 'Returning user (face match)',
        features: consoleFeatures({ lr: 65, ld: 45, fr: 65, fd: 45 }),
      }),
      'workflow_id',
    );
    sandbox.createWorkflowVersion(id, { status: 'published', features: consoleFeatures({ lr: 70, ld: 50, fr: 70, fd: 50 }) });
    sandbox.createWorkflowVersion(id, { status: 'draft', features: consoleFeatures({ lr: 90, ld: 20, fr: 90, fd: 20 }) });
    return id;
  }
  /** A liveness-only workflow (flashing), one published version at 70/50. */
  const createLivenessWorkflow = () =>
    stringField(sandbox.createWorkflow(livenessOnlyWorkflow('Liveness only', 'FLASHING')), 'workflow_id');
  /** Refresh: the console reads every workflow from Didit. */
  const syncWorkflows = async () => expect((await post('lead@example.test', '/api/workflows/sync')).status).toBe(200);
  /** A lead proposes, a second lead approves; returns the console version number. */
  async function proposeAndApprove(workflowId: string, thresholds: Record<string, number>, reason: string): Promise<number> {
    const proposed = await post('lead@example.test', `/api/workflows/${workflowId}/thresholds`, { thresholds, reason });
    expect(proposed.status).toBe(201);
    const { version } = (await bodyOf(proposed)) as { version: number };
    expect((await post('lead2@example.test', `/api/workflows/${workflowId}/thresholds/${version}/approve`)).status).toBe(200);
    return version;
  }

  it('syncs each workflow from its latest published version, noting the draft, never the old version', async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    const livenessWorkflow = createLivenessWorkflow();
    const synced = await post('lead@example.test', '/api/workflows/sync');
    expect(synced.status).toBe(200);
    const list = await bodyOf(await get('viewer@example.test', '/api/workflows'));
    const byId = new Map(list.items.map((w: { id: string }) => [w.id, w]));
    const v2 = (await versionsOf(faceMatchWorkflow)).find((v) => v.version === 2);
    expect(byId.get(faceMatchWorkflow)).toMatchObject({
      hasFaceMatch: true,
      livenessMethod: 'PASSIVE',
      diditVersion: 2,
      diditSettingsId: v2?.uuid,
      diditDraftVersion: 3,
      current: { livenessReview: 70, livenessDecline: 50, faceMatchReview: 70, faceMatchDecline: 50 },
      drift: null,
    });
    expect(byId.get(livenessWorkflow)).toMatchObject({
      hasFaceMatch: false,
      livenessMethod: 'FLASHING',
      diditVersion: 1,
      diditDraftVersion: null,
      current: { livenessReview: 70, livenessDecline: 50, faceMatchReview: null, faceMatchDecline: null },
    });
  });

  it("answers a Didit refusal during Refresh as the console's 502, not Didit's 401, and keeps the lead signed in", async () => {
    const didit = app.ctx.didit;
    app.ctx.didit = new DiditClient({
      baseUrl: sandbox.url,
      apiKey: 'revoked-key-0000',
      budget: new PostgresRateBudget(app.ctx.db),
    });
    try {
      const res = await post('lead@example.test', '/api/workflows/sync');
      expect(res.status).toBe(502);
      expect((await bodyOf(res)).error).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/Didit .*401/) });
    } finally {
      app.ctx.didit = didit;
    }
    expect((await get('lead@example.test', '/api/me')).status).toBe(200);
  });

  it('refuses fractional thresholds: Didit takes whole numbers', async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    await syncWorkflows();
    const res = await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds`, {
      thresholds: { ...stricter, faceMatchReview: 80.5 },
      reason: 'half a point',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify((await bodyOf(res)).error.details)).toMatch(/whole number/);
  });

  it('rejects out-of-range values, decline above review, and face-match values on a liveness-only workflow', async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    const livenessWorkflow = createLivenessWorkflow();
    await syncWorkflows();
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
    expect(
      await app.ctx.db
        .selectFrom('threshold_version')
        .selectAll()
        .where('workflow_id', 'in', [faceMatchWorkflow, livenessWorkflow])
        .execute(),
    ).toEqual([]);
  });

  it('an analyst cannot propose, a proposer cannot approve, and only one proposal is open per workflow', async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    await syncWorkflows();
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
    const livenessWorkflow = createLivenessWorkflow();
    await syncWorkflows();
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

  it('after a second lead approves, the worker PATCHes the latest published version in place, reads it back and marks it applied', async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    await syncWorkflows();
    const proposed = await post('lead@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds`, {
      thresholds: stricter,
      reason: 'Face-match fraud rose',
    });
    const { version } = (await bodyOf(proposed)) as { version: number };
    const approved = await post('lead2@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/${version}/approve`);
    expect(approved.status).toBe(200);
    expect(await bodyOf(approved)).toMatchObject({ state: 'approved', decidedBy: 'lead2@example.test' });
    // Decided by Didit while the push was on its way, recorded without a version by the sync.
    const lateId = await seedSession(app.ctx.db, { workflowId: faceMatchWorkflow, status: 'Declined', faceMatchScore: 58 });
    await app.ctx.db
      .updateTable('verification_session')
      .set({ decided_at: new Date(Date.now() + 60_000), decision_source: 'didit', threshold_version_id: null })
      .where('id', '=', lateId)
      .execute();
    const before = await versionsOf(faceMatchWorkflow);
    const v1Before = await published(faceMatchWorkflow, 1);
    const v2 = before.find((v) => v.version === 2 && v.status === 'published');
    sandbox.clearRequests();
    await runWorker();

    // One PATCH, to version 2's settings uuid, in the documented form: the whole features list,
    // every other config key sent back as Didit reported it, integer thresholds, no status.
    const patches = sandbox.requests().filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]?.path).toBe(`/v3/workflows/${v2?.uuid}/`);
    expect(patches[0]?.body).toEqual({
      features: [
        {
          feature: 'LIVENESS',
          config: expect.objectContaining({
            face_liveness_method: 'PASSIVE',
            face_liveness_score_review_threshold: 70,
            face_liveness_score_decline_threshold: 50,
            face_liveness_max_attempts: 3,
          }),
        },
        {
          feature: 'FACE_MATCH',
          config: expect.objectContaining({
            face_match_score_review_threshold: 80,
            face_match_score_decline_threshold: 60,
            face_match_not_computed_action: 'REVIEW',
          }),
        },
      ],
    });
    // Updated in place: no new version; the old version and the draft are untouched.
    expect(await versionsOf(faceMatchWorkflow)).toEqual(before);
    const v2After = await published(faceMatchWorkflow, 2);
    expect(thresholdsAt(v2After)).toEqual(stricter);
    expect(v2After).toMatchObject({ face_liveness_max_attempts: 3, face_match_not_computed_action: 'REVIEW' });
    expect(await published(faceMatchWorkflow, 1)).toEqual(v1Before);
    const draft = before.find((v) => v.status === 'draft');
    expect(thresholdsAt(await diditGet(`/v3/workflows/${draft?.uuid}/`))).toMatchObject({ faceMatchReview: 90 });

    const detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}`));
    expect(detail).toMatchObject({ currentVersion: version, current: stricter, didit: stricter, drift: null, diditVersion: 2 });
    expect(detail.versions[0]).toMatchObject({ version, state: 'applied', pushAttempts: 1, pushError: null, diditVersion: 2 });
    // What Didit had before the push: what sessions scored earlier were scored under.
    const pushedRow = await app.ctx.db
      .selectFrom('threshold_version')
      .select('replaced_thresholds')
      .where('id', '=', detail.versions[0].id)
      .executeTakeFirstOrThrow();
    expect(pushedRow.replaced_thresholds).toEqual({
      livenessReview: 70,
      livenessDecline: 50,
      faceMatchReview: 70,
      faceMatchDecline: 50,
    });
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

  it('pushes a liveness-only workflow as a one-feature list', async () => {
    const livenessWorkflow = createLivenessWorkflow();
    await syncWorkflows();
    const version = await proposeAndApprove(
      livenessWorkflow,
      { livenessReview: 75, livenessDecline: 55 },
      'Flashing needs a higher bar',
    );
    sandbox.clearRequests();
    await runWorker();
    expect(sandbox.requests().find((r) => r.method === 'PATCH')?.body).toEqual({
      features: [
        {
          feature: 'LIVENESS',
          config: expect.objectContaining({
            face_liveness_method: 'FLASHING',
            face_liveness_score_review_threshold: 75,
            face_liveness_score_decline_threshold: 55,
          }),
        },
      ],
    });
    expect(thresholdsAt(await published(livenessWorkflow, 1))).toMatchObject({ livenessReview: 75, livenessDecline: 55 });
    const detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${livenessWorkflow}`));
    expect(detail.versions[0]).toMatchObject({ version, state: 'applied', diditVersion: 1 });
  });

  it("marks a push failed with Didit's answer when Didit errors, and a lead can retry it to applied", async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    await syncWorkflows();
    // A version already in force, which stays current while the next one fails.
    const inForce = await proposeAndApprove(faceMatchWorkflow, stricter, 'Face-match fraud rose');
    await runWorker();

    const version = await proposeAndApprove(faceMatchWorkflow, { ...stricter, faceMatchReview: 85 }, 'Even stricter');
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      await runWorker();
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    let detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}`));
    expect(detail.versions[0]).toMatchObject({ version, state: 'failed' });
    expect(detail.versions[0].pushError).toMatch(/503/);
    expect(detail.currentVersion).toBe(inForce);
    expect(detail.versions[0].diditVersion).toBeNull();
    const row = await app.ctx.db
      .selectFrom('threshold_version')
      .select('didit_response')
      .where('version', '=', version)
      .where('workflow_id', '=', faceMatchWorkflow)
      .executeTakeFirstOrThrow();
    expect(row.didit_response).toMatchObject({ code: 'server_error', status: 503 });

    const retried = await post('lead2@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/${version}/retry`);
    expect((await bodyOf(retried)).state).toBe('approved');
    await runWorker();
    detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}`));
    expect(detail.versions[0]).toMatchObject({ version, state: 'applied', pushAttempts: 2 });
    expect(await auditActions(faceMatchWorkflow)).toEqual(
      expect.arrayContaining(['threshold.push_failed', 'threshold.push_retried', 'threshold.applied']),
    );
  }, 30_000);

  it('pushes to a version published in Didit’s console after the approval, never to the old one', async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    await syncWorkflows();
    const version = await proposeAndApprove(faceMatchWorkflow, { ...stricter, faceMatchReview: 82 }, 'A notch stricter');
    // Between approval and push, someone publishes a new version (the draft goes away).
    const newer = sandbox.createWorkflowVersion(faceMatchWorkflow, {
      status: 'published',
      features: consoleFeatures({ lr: 72, ld: 52, fr: 75, fd: 55 }),
    });
    const newerPath = `/v3/workflows/${stringField(newer, 'uuid')}/`;
    const v2Before = await published(faceMatchWorkflow, 2);
    sandbox.clearRequests();
    await runWorker();
    expect(
      sandbox
        .requests()
        .filter((r) => r.method === 'PATCH')
        .map((r) => r.path),
    ).toEqual([newerPath]);
    expect(await published(faceMatchWorkflow, 2)).toEqual(v2Before);
    expect(thresholdsAt(await diditGet(newerPath))).toEqual({ ...stricter, faceMatchReview: 82 });
    const detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}`));
    expect(detail).toMatchObject({ diditVersion: newer['version'], diditDraftVersion: null, drift: null });
    expect(detail.versions[0]).toMatchObject({ version, state: 'applied', diditVersion: newer['version'] });
  });

  it('follows a version published during the push itself: the same values reach the newer version', async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    await syncWorkflows();
    const version = await proposeAndApprove(faceMatchWorkflow, { ...stricter, faceMatchReview: 84 }, 'Tighter still');
    // Didit's console publishes a new version right after our PATCH lands on the current one.
    const current = (await versionsOf(faceMatchWorkflow)).find((v) => v.status === 'published');
    const didit = app.ctx.didit;
    let newer: Record<string, unknown> | undefined;
    app.ctx.didit = new DiditClient({
      baseUrl: sandbox.url,
      apiKey: sandbox.apiKey,
      budget: new PostgresRateBudget(app.ctx.db),
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (init?.method === 'PATCH' && !newer) {
          newer = sandbox.createWorkflowVersion(faceMatchWorkflow, {
            status: 'published',
            features: consoleFeatures({ lr: 70, ld: 50, fr: 70, fd: 50 }),
          });
        }
        return res;
      },
    });
    sandbox.clearRequests();
    try {
      await runWorker();
    } finally {
      app.ctx.didit = didit;
    }
    const newerPath = `/v3/workflows/${stringField(newer ?? {}, 'uuid')}/`;
    expect(
      sandbox
        .requests()
        .filter((r) => r.method === 'PATCH')
        .map((r) => r.path),
    ).toEqual([`/v3/workflows/${current?.uuid}/`, newerPath]);
    expect(thresholdsAt(await diditGet(newerPath))).toEqual({ ...stricter, faceMatchReview: 84 });
    const detail = await bodyOf(await get('viewer@example.test', `/api/workflows/${faceMatchWorkflow}`));
    expect(detail.versions[0]).toMatchObject({ version, state: 'applied', diditVersion: newer?.['version'] });
  });

  it("detects drift when a version with other thresholds is published in Didit's own console, once, and clears it when they match again", async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    await syncWorkflows();
    await proposeAndApprove(faceMatchWorkflow, { ...stricter, faceMatchReview: 84 }, 'Tighter still');
    await runWorker();

    const edited = sandbox.createWorkflowVersion(faceMatchWorkflow, {
      status: 'published',
      features: consoleFeatures({ lr: 70, ld: 50, fr: 65, fd: 60 }),
    });
    await post('lead@example.test', '/api/workflows/sync');
    await post('lead@example.test', '/api/workflows/sync');
    const list = await bodyOf(await get('viewer@example.test', '/api/workflows'));
    const workflow = list.items.find((w: { id: string }) => w.id === faceMatchWorkflow);
    expect(workflow).toMatchObject({ diditVersion: edited['version'], diditSettingsId: edited['uuid'] });
    expect(workflow.drift).toMatchObject({ didit: { faceMatchReview: 65 }, ours: { faceMatchReview: 84 } });
    expect(workflow.current.faceMatchReview).toBe(84);
    const actions = await auditActions(faceMatchWorkflow);
    expect(actions.filter((a) => a === 'threshold.drift_detected')).toHaveLength(1);
    expect(actions).toContain('workflow.didit_version_changed');

    const matching = sandbox.createWorkflowVersion(faceMatchWorkflow, {
      status: 'published',
      features: consoleFeatures({ lr: 70, ld: 50, fr: 84, fd: 60 }),
    });
    await post('lead@example.test', '/api/workflows/sync');
    const after = (await bodyOf(await get('viewer@example.test', '/api/workflows'))).items.find(
      (w: { id: string }) => w.id === faceMatchWorkflow,
    );
    expect(after).toMatchObject({ diditVersion: matching['version'], drift: null });
    expect(await auditActions(faceMatchWorkflow)).toContain('threshold.drift_resolved');
  });

  it('simulates over HTTP for a viewer and refuses face-match values on a liveness-only workflow', async () => {
    const faceMatchWorkflow = createFaceMatchWorkflow();
    const livenessWorkflow = createLivenessWorkflow();
    await syncWorkflows();
    const res = await post('viewer@example.test', `/api/workflows/${faceMatchWorkflow}/thresholds/simulate`, {
      thresholds: { ...stricter, faceMatchReview: 90 },
      window: { days: 7 },
    });
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body.current).toMatchObject({ faceMatchReview: 70 }); // version 2's, in force at Didit
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
