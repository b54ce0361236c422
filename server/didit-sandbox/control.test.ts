import { jsonText } from './canonical-json.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { DEMO_WORKFLOW_LABELS } from './traffic.ts';
import { call, FACE_MATCH_WORKFLOW, LIVENESS_ONLY_WORKFLOW } from './test-helpers.ts';

let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

describe('control API (/sandbox)', () => {
  it('requires the API key like the Didit API: 403 without one, 401 with a wrong one', async () => {
    sandbox = await startSandbox();
    expect((await call(sandbox, 'GET', '/sandbox/requests', undefined, { 'x-api-key': 'bad' })).status).toBe(401);
    expect((await fetch(`${sandbox.url}/sandbox/requests`)).status).toBe(403);
    expect((await fetch(`${sandbox.url}/sandbox/health`)).status).toBe(200);
  });

  it('moves a session through open, complete with exact scores, and reports the decision', async () => {
    sandbox = await startSandbox({ seed: 1 });
    const workflow = sandbox.createWorkflow(FACE_MATCH_WORKFLOW);
    const portrait = (await call(sandbox, 'GET', '/sandbox/portrait?person=bob')).body.portrait_image as string;
    const created = await call(sandbox, 'POST', '/v3/session/', {
      workflow_id: workflow['workflow_id'],
      portrait_image: portrait,
    });
    const id = created.body.session_id as string;
    expect((await call(sandbox, 'POST', `/sandbox/sessions/${id}/open`)).body.status).toBe('In Progress');
    const done = await call(sandbox, 'POST', `/sandbox/sessions/${id}/complete`, {
      capture: 'match',
      liveness_score: 62.5,
      face_match_score: 48,
    });
    expect(done.body).toMatchObject({
      status: 'Declined',
      liveness_checks: [{ score: 62.5, status: 'In Review' }],
      face_matches: [{ score: 48, status: 'Declined' }],
    });
    expect((await call(sandbox, 'POST', `/sandbox/sessions/${id}/complete`, {})).status).toBe(400);
    expect((await call(sandbox, 'POST', `/sandbox/sessions/${id}/complete`, { capture: 'smile' })).body).toEqual({
      capture: ['"smile" is not a valid choice.'],
    });
  });

  it('abandons an In Progress session and expires a Not Started one', async () => {
    sandbox = await startSandbox();
    const workflowId = jsonText(sandbox.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
    const a = jsonText(sandbox.createSession({ workflow_id: workflowId })['session_id']);
    const b = jsonText(sandbox.createSession({ workflow_id: workflowId })['session_id']);
    expect((await call(sandbox, 'POST', `/sandbox/sessions/${a}/abandon`)).status).toBe(400);
    sandbox.openSession(a);
    expect((await call(sandbox, 'POST', `/sandbox/sessions/${a}/abandon`)).body.status).toBe('Abandoned');
    expect((await call(sandbox, 'POST', `/sandbox/sessions/${b}/expire`)).body.status).toBe('Expired');
    expect((await call(sandbox, 'PATCH', `/v3/session/${b}/update-status/`, { new_status: 'Approved' })).status).toBe(400);
    expect((await call(sandbox, 'PATCH', `/v3/session/${a}/update-status/`, { new_status: 'Approved' })).status).toBe(200);
  });

  it('a seed alone picks the capture and the scores reproducibly', async () => {
    sandbox = await startSandbox();
    const workflowId = jsonText(sandbox.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
    const scores = [1, 2].map(() => {
      const id = jsonText(sandbox!.createSession({ workflow_id: workflowId })['session_id']);
      return (sandbox!.completeSession(id, { seed: 1234 })['liveness_checks'] as { score: number }[])[0]?.score;
    });
    expect(scores[0]).toBe(scores[1]);
  });

  it('records the /v3 calls it received, summarising portraits', async () => {
    sandbox = await startSandbox();
    const workflow = sandbox.createWorkflow(FACE_MATCH_WORKFLOW);
    await call(sandbox, 'POST', '/v3/session/', {
      workflow_id: workflow['workflow_id'],
      vendor_data: 'rec',
      portrait_image: sandbox.portraitFor('rec'),
    });
    await call(sandbox, 'GET', '/v3/sessions/?vendor_data=rec');
    const recorded = await call(sandbox, 'GET', '/sandbox/requests?method=post');
    expect(recorded.body).toHaveLength(1);
    expect(recorded.body[0]).toMatchObject({
      method: 'POST',
      path: '/v3/session/',
      status: 201,
      aborted: false,
      body: { vendor_data: 'rec' },
    });
    expect(recorded.body[0].body.portrait_image).toMatch(/^<\d+ characters>$/);
    expect(sandbox.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /v3/session/ 201',
      'GET /v3/sessions/?vendor_data=rec 200',
    ]);
    await call(sandbox, 'DELETE', '/sandbox/requests');
    expect(sandbox.requests()).toEqual([]);
  });

  it('refuses to start when NODE_ENV=production', async () => {
    const previous = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'production';
    try {
      await expect(startSandbox()).rejects.toThrow(/production/);
    } finally {
      process.env['NODE_ENV'] = previous;
    }
  });
});

describe('demo traffic', () => {
  it('creates the demo workflows, the face-match one with two published versions and a draft, and a queue of returning users', async () => {
    sandbox = await startSandbox({ seed: 3, traffic: 6000 });
    const deadline = Date.now() + 5000;
    while (sandbox.state.sessions.size < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    const versions = [...sandbox.state.workflows.values()].filter((w) => !w.deleted);
    const labels = [...new Set(versions.map((w) => w.label))].sort();
    expect(labels).toEqual([DEMO_WORKFLOW_LABELS.faceMatch, DEMO_WORKFLOW_LABELS.livenessOnly].sort());
    const faceMatch = versions.filter((w) => w.label === DEMO_WORKFLOW_LABELS.faceMatch);
    expect(faceMatch.map((w) => [w.version, w.status])).toEqual([
      [1, 'published'],
      [2, 'published'],
      [3, 'draft'],
    ]);
    expect(new Set(faceMatch.map((w) => w.workflowId)).size).toBe(1);
    const livenessOnly = versions.filter((w) => w.label === DEMO_WORKFLOW_LABELS.livenessOnly);
    expect(livenessOnly).toHaveLength(1);
    expect(livenessOnly[0]?.features).toEqual([
      expect.objectContaining({ feature: 'LIVENESS', config: expect.objectContaining({ face_liveness_method: 'FLASHING' }) }),
    ]);
    const sessions = [...sandbox.state.sessions.values()];
    expect(sessions.length).toBeGreaterThanOrEqual(5);
    expect(sessions.every((s) => /^user-\d{4}$/.test(s.vendorData ?? ''))).toBe(true);
    const v2 = faceMatch.find((w) => w.version === 2)!;
    expect(sessions.filter((s) => s.workflowId === v2.workflowId).every((s) => s.workflowUuid === v2.uuid)).toBe(true);
    expect(sandbox.state.faceBlocklist.size).toBeGreaterThan(0);
  });
});
