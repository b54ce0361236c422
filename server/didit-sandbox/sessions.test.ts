import { jsonText } from './canonical-json.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { call, FACE_MATCH_WORKFLOW, HEX_UUID, LIVENESS_ONLY_WORKFLOW, RFC4122_UUID, startReceiver } from './test-helpers.ts';

let sandbox: RunningSandbox;
let faceMatchWorkflow: string;
let livenessWorkflow: string;
let portrait: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 21 });
  faceMatchWorkflow = jsonText(sandbox.createWorkflow(FACE_MATCH_WORKFLOW)['workflow_id']);
  livenessWorkflow = jsonText(sandbox.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
  portrait = sandbox.portraitFor('alice');
});
afterAll(() => sandbox.stop());

const createFaceMatch = (vendorData: string) =>
  call(sandbox, 'POST', '/v3/session/', { workflow_id: faceMatchWorkflow, vendor_data: vendorData, portrait_image: portrait });

describe('authentication and routing', () => {
  it("answers 403 with DRF's NotAuthenticated detail when x-api-key is missing", async () => {
    const res = await fetch(`${sandbox.url}/v3/sessions/`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect((await call(sandbox, 'GET', '/v3/sessions/', undefined, { 'x-api-key': '' })).status).toBe(403);
  });

  it('answers 401 with the documented detail when x-api-key is wrong', async () => {
    expect(await call(sandbox, 'GET', '/v3/sessions/', undefined, { 'x-api-key': 'nope' })).toMatchObject({
      status: 401,
      body: { detail: 'Invalid or missing API key' },
    });
  });

  it('redirects the slash-less list URL with 301, keeping the query', async () => {
    const res = await call(sandbox, 'GET', '/v3/sessions?limit=1');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/v3/sessions/?limit=1');
  });

  it('answers 404 for unknown ids and unknown routes', async () => {
    expect((await call(sandbox, 'GET', '/v3/session/5a0c3a43-6f4e-4e55-a4d4-1d4b2b3a9b11/decision/')).status).toBe(404);
    expect((await call(sandbox, 'POST', '/v3/nothing-here/', {})).status).toBe(404);
  });

  it("matches ids in paths like Django's uuid converter: lowercase only, no RFC 4122 check", async () => {
    const created = await createFaceMatch('path-case');
    const id = created.body.session_id as string;
    expect((await call(sandbox, 'GET', `/v3/session/${id}/decision/`)).status).toBe(200);
    expect((await call(sandbox, 'GET', `/v3/session/${id.toUpperCase()}/decision/`)).status).toBe(404);
    expect((await call(sandbox, 'GET', `/v3/session/${id.replaceAll('-', '')}/decision/`)).status).toBe(404);
  });

  it('answers malformed JSON with a 400 detail', async () => {
    const res = await fetch(`${sandbox.url}/v3/session/`, {
      method: 'POST',
      headers: { 'x-api-key': sandbox.apiKey, 'content-type': 'application/json' },
      body: '{"workflow_id":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^JSON parse error/);
  });
});

describe('POST /v3/session/', () => {
  it('creates a Not Started session with a number from 1000 upwards', async () => {
    const res = await createFaceMatch('create-1');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'Not Started',
      workflow_id: faceMatchWorkflow,
      workflow_version: 1,
      session_kind: 'user',
    });
    expect(res.body.session_number).toBeGreaterThanOrEqual(1000);
    expect(res.body.url).toContain(`/session/${res.body.session_token}`);
  });

  it('requires portrait_image on face-match workflows and not on liveness-only ones', async () => {
    const missing = await call(sandbox, 'POST', '/v3/session/', { workflow_id: faceMatchWorkflow });
    expect(missing).toMatchObject({ status: 400, body: { portrait_image: [expect.any(String)] } });
    expect((await call(sandbox, 'POST', '/v3/session/', { workflow_id: livenessWorkflow })).status).toBe(201);
  });

  it('rejects a portrait that is not a JPEG, not base64 or over 1 MB', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]).toString('base64');
    const big = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(1024 * 1024)]).toString('base64');
    for (const image of [png, '!!!not base64!!!', big]) {
      const res = await call(sandbox, 'POST', '/v3/session/', { workflow_id: faceMatchWorkflow, portrait_image: image });
      expect(res.status).toBe(400);
      expect(res.body).toHaveProperty('portrait_image');
    }
  });

  it('validates fields DRF-style', async () => {
    const res = await call(sandbox, 'POST', '/v3/session/', { workflow_id: 'x', callback_method: 'nobody', metadata: 5 });
    expect(res.status).toBe(400);
    expect(res.body.workflow_id).toEqual(['Must be a valid UUID.']);
    expect(res.body.callback_method).toEqual(['"nobody" is not a valid choice.']);
    const unknown = await call(sandbox, 'POST', '/v3/session/', { workflow_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' });
    expect(unknown.body).toEqual({ workflow_id: ['Invalid pk "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" - object does not exist.'] });
    expect((await call(sandbox, 'POST', '/v3/session/', {})).body).toEqual({ workflow_id: ['This field is required.'] });
  });

  it("takes workflow_id in any form Django's UUIDField takes: uppercase, no hyphens, braces", async () => {
    for (const form of [livenessWorkflow.toUpperCase(), livenessWorkflow.replaceAll('-', ''), `{${livenessWorkflow}}`]) {
      const res = await call(sandbox, 'POST', '/v3/session/', { workflow_id: form });
      expect(res.status).toBe(201);
      expect(res.body.workflow_id).toBe(livenessWorkflow);
    }
  });

  it('reuses an unfinished session with the same vendor_data, updating metadata, but never a finished one', async () => {
    const first = await createFaceMatch('reuse-1');
    const again = await call(sandbox, 'POST', '/v3/session/', {
      workflow_id: faceMatchWorkflow,
      vendor_data: 'reuse-1',
      portrait_image: portrait,
      metadata: { attempt: 2 },
    });
    expect(again.status).toBe(201);
    expect(again.body.session_id).toBe(first.body.session_id);
    expect(again.body.metadata).toEqual({ attempt: 2 });
    sandbox.completeSession(first.body.session_id, { capture: 'match' });
    const fresh = await createFaceMatch('reuse-1');
    expect(fresh.body.session_id).not.toBe(first.body.session_id);
  });
});

describe('GET /v3/sessions/', () => {
  it('lists newest first in a limit/offset envelope with filters', async () => {
    const a = await createFaceMatch('list-user');
    sandbox.completeSession(a.body.session_id, { capture: 'match' });
    const b = await createFaceMatch('list-user');
    const page = await call(sandbox, 'GET', '/v3/sessions/?vendor_data=list-user&limit=1');
    expect(page.body.count).toBe(2);
    expect(page.body.results).toHaveLength(1);
    expect(page.body.results[0].session_id).toBe(b.body.session_id);
    expect(page.body.next).toContain('offset=1');
    const approved = await call(sandbox, 'GET', '/v3/sessions/?vendor_data=list-user&status=Approved');
    expect(approved.body.results.map((r: { session_id: string }) => r.session_id)).toEqual([a.body.session_id]);
    expect(approved.body.results[0].features).toEqual([
      { feature: 'LIVENESS', status: 'Approved' },
      { feature: 'FACE_MATCH', status: 'Approved' },
    ]);
    expect((await call(sandbox, 'GET', '/v3/sessions/?status=Done')).body).toEqual({ status: ['"Done" is not a valid choice.'] });
    for (const status of ['Kyc Expired', 'Awaiting User']) {
      expect((await call(sandbox, 'GET', `/v3/sessions/?status=${encodeURIComponent(status)}`)).status).toBe(200);
    }
    expect((await call(sandbox, 'GET', '/v3/sessions/?session_kind=business')).body.count).toBe(0);
  });

  it("shows the newest rows' checks, scores as fractions, and the User each vendor_data links to", async () => {
    const scored: string = (await createFaceMatch('details-user')).body.session_id;
    sandbox.completeSession(scored, { capture: 'match', livenessScore: 87.35, faceMatchScore: 91.2, method: 'FLASHING' });
    const unfinished: string = (await createFaceMatch('details-user')).body.session_id;
    const stranger: string = (await createFaceMatch('details-other')).body.session_id;
    const faceless: string = (await call(sandbox, 'POST', '/v3/session/', { workflow_id: livenessWorkflow })).body.session_id;
    sandbox.completeSession(faceless, { capture: 'no_face' });
    const listRows = async (): Promise<Map<string, Record<string, unknown>>> => {
      const results: Array<Record<string, unknown>> = (await call(sandbox, 'GET', '/v3/sessions/?limit=1000')).body.results;
      return new Map(results.map((row) => [String(row['session_id']), row]));
    };
    const rows = await listRows();

    // The decision's percentages, as fractions of one.
    const decision = (await call(sandbox, 'GET', `/v3/session/${scored}/decision/`)).body;
    expect([decision.liveness_checks[0].score, decision.face_matches[0].score]).toEqual([87.35, 91.2]);
    expect(rows.get(scored)?.['additional_details']).toEqual({
      aml: null,
      liveness: { method: 'FLASHING', score: 0.8735 },
      face_match: { score: 0.912 },
    });
    // A step that has not run, or that the workflow lacks, is null; one that ran without a score says so.
    expect(rows.get(unfinished)?.['additional_details']).toEqual({ aml: null, liveness: null, face_match: null });
    expect(rows.get(faceless)?.['additional_details']).toEqual({
      aml: null,
      liveness: { method: 'PASSIVE', score: null },
      face_match: null,
    });
    // One User per vendor_data, the same on every session; none without vendor_data.
    const userOf = (id: string) => rows.get(id)?.['didit_internal_id'];
    expect(userOf(scored)).toMatch(HEX_UUID);
    expect(userOf(unfinished)).toBe(userOf(scored));
    expect(userOf(stranger)).toMatch(HEX_UUID);
    expect(userOf(stranger)).not.toBe(userOf(scored));
    expect(userOf(faceless)).toBeNull();

    sandbox.setListRows('older');
    try {
      const older = (await listRows()).get(scored);
      expect(older).not.toHaveProperty('additional_details');
      expect(older).not.toHaveProperty('didit_internal_id');
      expect(older?.['features']).toEqual([
        { feature: 'LIVENESS', status: 'Approved' },
        { feature: 'FACE_MATCH', status: 'Approved' },
      ]);
    } finally {
      sandbox.setListRows('newest');
    }
  });
});

describe('GET /v3/session/{id}/decision/', () => {
  it('shows null for features that have not run yet', async () => {
    const created = await createFaceMatch('decision-1');
    const res = await call(sandbox, 'GET', `/v3/session/${created.body.session_id}/decision/`);
    expect(res.body).toMatchObject({
      status: 'Not Started',
      features: ['LIVENESS', 'FACE_MATCH'],
      liveness_checks: null,
      face_matches: null,
      id_verifications: null,
      aml_screenings: null,
      reviews: [],
      vendor_data: 'decision-1',
    });
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('shows plural items with node ids, scores and media once completed', async () => {
    const created = await createFaceMatch('decision-2');
    sandbox.completeSession(created.body.session_id, { capture: 'match', livenessScore: 62.5, faceMatchScore: 48 });
    const res = await call(sandbox, 'GET', `/v3/session/${created.body.session_id}/decision/`);
    expect(res.body.status).toBe('Declined');
    expect(res.body.liveness_checks[0]).toMatchObject({
      node_id: 'feature_liveness',
      status: 'In Review',
      score: 62.5,
      method: 'PASSIVE',
      matches: [],
    });
    expect(res.body.face_matches[0]).toMatchObject({
      node_id: 'feature_face_match',
      status: 'Declined',
      score: 48,
      source_image_session_id: created.body.session_id,
    });
    expect(res.body.face_matches[0].warnings[0]).toEqual({
      feature: 'FACEMATCH',
      risk: 'LOW_FACE_MATCH_SIMILARITY',
      additional_data: { score: 48, review_threshold: 70, decline_threshold: 50 },
      log_type: 'error',
      short_description: 'Low face match similarity',
      long_description: expect.any(String),
      node_id: 'feature_face_match',
    });
  });
});

describe('PATCH /v3/session/{id}/update-status/', () => {
  it('refuses sessions not yet decided, before validating the body', async () => {
    const created = await createFaceMatch('eligibility-1');
    const res = await call(sandbox, 'PATCH', `/v3/session/${created.body.session_id}/update-status/`, { new_status: 'Nonsense' });
    expect(res.status).toBe(400);
    expect(res.body.status[0]).toMatch(/^Wrong Current Status/);
    sandbox.openSession(created.body.session_id);
    expect(
      (await call(sandbox, 'PATCH', `/v3/session/${created.body.session_id}/update-status/`, { new_status: 'Approved' })).status,
    ).toBe(400);
  });

  it('validates the body', async () => {
    const created = await createFaceMatch('eligibility-2');
    sandbox.completeSession(created.body.session_id, { capture: 'low_quality', livenessScore: 65 });
    const path = `/v3/session/${created.body.session_id}/update-status/`;
    expect((await call(sandbox, 'PATCH', path, { new_status: 'In Review' })).body).toEqual({
      new_status: ['"In Review" is not a valid choice.'],
    });
    expect((await call(sandbox, 'PATCH', path, {})).body).toEqual({ new_status: ['This field is required.'] });
    expect((await call(sandbox, 'PATCH', path, { new_status: 'Approved', send_email: true })).body).toHaveProperty(
      'email_address',
    );
    expect((await call(sandbox, 'PATCH', path, { new_status: 'Resubmitted' })).body).toEqual({
      nodes_to_resubmit: ['This field is required when new_status is Resubmitted.'],
    });
    const ok = await call(sandbox, 'PATCH', path, { new_status: 'Approved', comment: 'Looks fine' });
    expect(ok).toMatchObject({ status: 200, body: { session_id: created.body.session_id, session_kind: 'user' } });
    const overturn = await call(sandbox, 'PATCH', path, { new_status: 'Declined' });
    expect(overturn.status).toBe(200);
    const decision = sandbox.decision(created.body.session_id);
    expect(decision['reviews']).toEqual([
      { user: 'API Client', new_status: 'Approved', comment: 'Looks fine', created_at: expect.any(String) },
      { user: 'API Client', new_status: 'Declined', comment: null, created_at: expect.any(String) },
    ]);
  });

  it('answers Approved on an Approved session (and Declined on Declined) with 200 and changes nothing, fires no webhook', async () => {
    const receiver = await startReceiver();
    const sb = await startSandbox({ seed: 22, webhook: { url: receiver.url, secret: 'noop-secret-0123456789' } });
    try {
      const workflowId = jsonText(sb.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
      for (const [status, capture] of [
        ['Approved', 'match'],
        ['Declined', 'spoof'],
      ] as const) {
        const id = jsonText(sb.createSession({ workflow_id: workflowId })['session_id']);
        expect(sb.completeSession(id, { capture })['status']).toBe(status);
        await sb.flushDeliveries();
        const before = receiver.received.length;
        const res = await call(sb, 'PATCH', `/v3/session/${id}/update-status/`, { new_status: status, comment: 'again' });
        expect(res).toMatchObject({ status: 200, body: { session_id: id, session_kind: 'user' } });
        await sb.flushDeliveries();
        expect(receiver.received.length).toBe(before);
        expect(sb.decision(id)).toMatchObject({ status, reviews: [] });
        expect((await call(sb, 'GET', `/v3/sessions/${id}/reviews/`)).body.count).toBe(0);
      }
    } finally {
      await sb.stop();
      await receiver.stop();
    }
  });

  it('refuses Resubmitted on a Resubmitted session with 400', async () => {
    const created = await createFaceMatch('resubmit-twice');
    const id = created.body.session_id as string;
    sandbox.completeSession(id, { capture: 'match', faceMatchScore: 55 });
    const body = { new_status: 'Resubmitted', nodes_to_resubmit: [{ node_id: 'feature_face_match', feature: 'FACE_MATCH' }] };
    expect((await call(sandbox, 'PATCH', `/v3/session/${id}/update-status/`, body)).status).toBe(200);
    expect(await call(sandbox, 'PATCH', `/v3/session/${id}/update-status/`, body)).toMatchObject({
      status: 400,
      body: { new_status: ['The new status is the same as the current status.'] },
    });
  });

  it('refuses nodes_to_resubmit that are not steps of the session', async () => {
    const created = await call(sandbox, 'POST', '/v3/session/', { workflow_id: livenessWorkflow, vendor_data: 'nodes-1' });
    const id = created.body.session_id as string;
    sandbox.completeSession(id, { capture: 'low_quality', livenessScore: 60 });
    const res = await call(sandbox, 'PATCH', `/v3/session/${id}/update-status/`, {
      new_status: 'Resubmitted',
      nodes_to_resubmit: [{ node_id: 'feature_face_match', feature: 'FACE_MATCH' }],
    });
    expect(res).toMatchObject({
      status: 400,
      body: { nodes_to_resubmit: [{ node_id: ['Unknown node "feature_face_match".'] }] },
    });
  });

  it('Resubmitted clears the chosen steps and lets the user redo them', async () => {
    const created = await createFaceMatch('resubmit-1');
    const id = created.body.session_id as string;
    sandbox.completeSession(id, { capture: 'match', faceMatchScore: 55 });
    const res = await call(sandbox, 'PATCH', `/v3/session/${id}/update-status/`, {
      new_status: 'Resubmitted',
      nodes_to_resubmit: [{ node_id: 'feature_face_match', feature: 'FACE_MATCH' }],
    });
    expect(res.status).toBe(200);
    const decision = sandbox.decision(id);
    expect(decision['status']).toBe('Resubmitted');
    expect(decision['face_matches']).toBeNull();
    expect(decision['liveness_checks']).not.toBeNull();
    expect(sandbox.completeSession(id, { capture: 'match', faceMatchScore: 90 })['status']).toBe('Approved');
  });

  it('accepts Kyc Expired and Abandoned as current statuses, and refuses Awaiting User, Not Started, In Progress, Expired', async () => {
    const decidable = async (id: string) =>
      (await call(sandbox, 'PATCH', `/v3/session/${id}/update-status/`, { new_status: 'Declined' })).status;
    const make = async (user: string) =>
      (await call(sandbox, 'POST', '/v3/session/', { workflow_id: livenessWorkflow, vendor_data: user })).body
        .session_id as string;
    const kyc = await make('elig-kyc');
    sandbox.completeSession(kyc, { capture: 'match' });
    sandbox.expireKyc(kyc);
    expect(await decidable(kyc)).toBe(200);
    const abandoned = await make('elig-abandoned');
    sandbox.openSession(abandoned);
    sandbox.abandonSession(abandoned);
    expect(await decidable(abandoned)).toBe(200);
    const awaiting = await make('elig-awaiting');
    sandbox.awaitUser(awaiting);
    expect(await decidable(awaiting)).toBe(400);
    const notStarted = await make('elig-not-started');
    expect(await decidable(notStarted)).toBe(400);
    sandbox.openSession(notStarted);
    expect(await decidable(notStarted)).toBe(400);
    const expired = await make('elig-expired');
    sandbox.expireSession(expired);
    expect(await decidable(expired)).toBe(400);
  });
});

describe('Kyc Expired and Awaiting User', () => {
  it('moves an Approved session to Kyc Expired and fires status.updated with the decision', async () => {
    const receiver = await startReceiver();
    const sb = await startSandbox({ seed: 23, webhook: { url: receiver.url, secret: 'kyc-secret-0123456789' } });
    try {
      const workflowId = jsonText(sb.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
      const id = jsonText(sb.createSession({ workflow_id: workflowId })['session_id']);
      sb.completeSession(id, { capture: 'match' });
      const res = await call(sb, 'POST', `/sandbox/sessions/${id}/kyc-expire`);
      expect(res).toMatchObject({ status: 200, body: { status: 'Kyc Expired' } });
      await sb.flushDeliveries();
      const last = receiver.received.at(-1)!.json;
      expect(last).toMatchObject({ webhook_type: 'status.updated', status: 'Kyc Expired', decision: { status: 'Kyc Expired' } });
      expect((await call(sb, 'POST', `/sandbox/sessions/${id}/kyc-expire`)).status).toBe(400);
      const listed = await call(sb, 'GET', '/v3/sessions/?status=Kyc%20Expired');
      expect(listed.body.results.map((r: { session_id: string }) => r.session_id)).toEqual([id]);
    } finally {
      await sb.stop();
      await receiver.stop();
    }
  });

  it('puts a session in Awaiting User (a KYB status in Didit) and completes it from there', async () => {
    const created = await call(sandbox, 'POST', '/v3/session/', { workflow_id: livenessWorkflow, vendor_data: 'awaiting-1' });
    const id = created.body.session_id as string;
    const res = await call(sandbox, 'POST', `/sandbox/sessions/${id}/awaiting-user`);
    expect(res).toMatchObject({ status: 200, body: { status: 'Awaiting User', liveness_checks: null } });
    const listed = await call(sandbox, 'GET', '/v3/sessions/?status=Awaiting%20User&vendor_data=awaiting-1');
    expect(listed.body.results.map((r: { session_id: string }) => r.session_id)).toEqual([id]);
    expect(sandbox.completeSession(id, { capture: 'match' })['status']).toBe('Approved');
  });
});

describe('ids', () => {
  it('generates ids that are 8-4-4-4-12 lowercase hex, every third one not RFC 4122', async () => {
    const sb = await startSandbox({ seed: 24 });
    try {
      const workflowId = jsonText(sb.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
      const ids = [sb.applicationId, workflowId];
      for (let i = 0; i < 6; i++) ids.push(jsonText(sb.createSession({ workflow_id: workflowId })['session_id']));
      expect(ids.every((id) => HEX_UUID.test(id))).toBe(true);
      expect(RFC4122_UUID.test(sb.applicationId)).toBe(false);
      const nonRfc = ids.filter((id) => !RFC4122_UUID.test(id));
      expect(nonRfc.length).toBeGreaterThanOrEqual(2);
    } finally {
      await sb.stop();
    }
  });

  it('creates, decides and reads back a session whose id is not an RFC 4122 UUID, end to end', async () => {
    let id = '';
    for (let i = 0; i < 3 && (id === '' || RFC4122_UUID.test(id)); i++) {
      id = (await call(sandbox, 'POST', '/v3/session/', { workflow_id: livenessWorkflow, vendor_data: `non-rfc-${i}` })).body
        .session_id as string;
    }
    expect(HEX_UUID.test(id)).toBe(true);
    expect(RFC4122_UUID.test(id)).toBe(false);
    expect((await call(sandbox, 'POST', `/sandbox/sessions/${id}/complete`, { liveness_score: 60 })).body.status).toBe(
      'In Review',
    );
    expect((await call(sandbox, 'PATCH', `/v3/session/${id}/update-status/`, { new_status: 'Approved' })).status).toBe(200);
    const decision = await call(sandbox, 'GET', `/v3/session/${id}/decision/`);
    expect(decision.body).toMatchObject({ session_id: id, status: 'Approved' });
    const blocked = await call(sandbox, 'POST', '/v3/blocklist/add/', { session_id: id, blocklist_face: true });
    expect(blocked.status).toBe(200);
    await call(sandbox, 'POST', '/v3/blocklist/remove/', { session_id: id, unblock_face: true });
  });
});

describe('reviews feed', () => {
  it('POST sets the status and GET lists newest first with the documented item shape', async () => {
    const created = await createFaceMatch('reviews-1');
    const id = created.body.session_id as string;
    sandbox.completeSession(id, { capture: 'match', livenessScore: 60 });
    const posted = await call(sandbox, 'POST', `/v3/sessions/${id}/reviews/`, {
      new_status: 'Approved',
      comment: 'ok @lead@example.com',
    });
    expect(posted).toMatchObject({
      status: 201,
      body: { user: 'API Client', new_status: 'Approved', comment: 'ok @lead@example.com' },
    });
    await call(sandbox, 'POST', `/v3/sessions/${id}/reviews/`, { comment: 'note only' });
    const feed = await call(sandbox, 'GET', `/v3/sessions/${id}/reviews/`);
    expect(feed.body.count).toBe(2);
    expect(feed.body.results[0]).toMatchObject({ activity_type: 'COMMENT', comment: 'note only', new_status: null });
    expect(feed.body.results[1]).toMatchObject({
      activity_type: 'STATUS_UPDATED',
      actor_type: 'API_KEY',
      actor_display: 'API Client',
      previous_status: 'In Review',
      new_status: 'Approved',
      mentioned_emails: ['lead@example.com'],
      previous_value: { status: 'In Review' },
      new_value: { status: 'Approved' },
      changed_fields: ['status'],
    });
    const oldestFirst = await call(sandbox, 'GET', `/v3/sessions/${id}/reviews/?ordering=created_at`);
    expect(oldestFirst.body.results[0].activity_type).toBe('STATUS_UPDATED');
    expect((await call(sandbox, 'POST', `/v3/sessions/${id}/reviews/`, { new_status: 'Resubmitted' })).status).toBe(400);
  });
});

describe('delete and blocklist', () => {
  it('deletes with 200 and answers 404 afterwards', async () => {
    const created = await createFaceMatch('delete-1');
    const path = `/v3/session/${created.body.session_id}/delete/`;
    expect((await call(sandbox, 'DELETE', path)).status).toBe(200);
    expect((await call(sandbox, 'DELETE', path)).status).toBe(404);
    expect((await call(sandbox, 'GET', `/v3/session/${created.body.session_id}/decision/`)).status).toBe(404);
  });

  it('auto-declines a later session of a blocklisted face with FACE_IN_BLOCKLIST, until removed', async () => {
    // Two accounts, one face (the same portrait): Didit screens another user's sessions.
    const first = await createFaceMatch('blocked-account-a');
    sandbox.completeSession(first.body.session_id, { capture: 'match' });
    const add = await call(sandbox, 'POST', '/v3/blocklist/add/', { session_id: first.body.session_id, blocklist_face: true });
    expect(add.body).toEqual({ message: 'Successfully updated blocklist.' });
    const second = await createFaceMatch('blocked-account-b');
    const decision = sandbox.completeSession(second.body.session_id, { capture: 'match' });
    expect(decision['status']).toBe('Declined');
    const liveness = (decision['liveness_checks'] as { warnings: { risk: string; log_type: string }[] }[])[0];
    expect(liveness?.warnings).toContainEqual(expect.objectContaining({ risk: 'FACE_IN_BLOCKLIST', log_type: 'error' }));
    const remove = await call(sandbox, 'POST', '/v3/blocklist/remove/', {
      session_id: first.body.session_id,
      unblock_face: true,
    });
    expect(remove.body).toEqual({ message: 'Successfully removed from blocklist.' });
    const third = await createFaceMatch('blocked-account-c');
    const after = sandbox.completeSession(third.body.session_id, { capture: 'match' });
    const warnings = (after['liveness_checks'] as { warnings: { risk: string }[] }[])[0]?.warnings ?? [];
    expect(warnings.map((w) => w.risk)).not.toContain('FACE_IN_BLOCKLIST');
    expect((await call(sandbox, 'POST', '/v3/blocklist/add/', { session_id: 'x' })).body).toEqual({
      session_id: ['Must be a valid UUID.'],
    });
  });

  it("leaves the same user's own sessions out of blocklist screening, as Didit documents", async () => {
    const first = await createFaceMatch('same-account');
    sandbox.completeSession(first.body.session_id, { capture: 'match' });
    await call(sandbox, 'POST', '/v3/blocklist/add/', { session_id: first.body.session_id, blocklist_face: true });
    const own = await createFaceMatch('same-account');
    const decision = sandbox.completeSession(own.body.session_id, { capture: 'match' });
    const liveness = (decision['liveness_checks'] as { matches: unknown[]; warnings: { risk: string }[] }[])[0];
    expect(liveness?.warnings.map((w) => w.risk)).not.toContain('FACE_IN_BLOCKLIST');
    expect(liveness?.matches).toEqual([]);
    const other = await createFaceMatch('other-account');
    expect(sandbox.completeSession(other.body.session_id, { capture: 'match' })['status']).toBe('Declined');
    // The face is every face-match test's portrait: lift the block for the other tests.
    await call(sandbox, 'POST', '/v3/blocklist/remove/', { session_id: first.body.session_id, unblock_face: true });
  });

  it('refuses a blocklist body without a true flag or with a non-boolean one, as Didit documents', async () => {
    const first = await call(sandbox, 'POST', '/v3/session/', { workflow_id: livenessWorkflow, vendor_data: 'strict-blocklist' });
    sandbox.completeSession(first.body.session_id, { capture: 'match' });
    const id = first.body.session_id as string;
    const none = await call(sandbox, 'POST', '/v3/blocklist/add/', { session_id: id });
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ non_field_errors: ['At least one blocklist_* flag must be true.'] });
    const allFalse = await call(sandbox, 'POST', '/v3/blocklist/remove/', { session_id: id, unblock_face: false });
    expect(allFalse.status).toBe(400);
    expect(allFalse.body).toEqual({ non_field_errors: ['At least one unblock_* flag must be true.'] });
    const notBoolean = await call(sandbox, 'POST', '/v3/blocklist/add/', { session_id: id, blocklist_face: 'yes' });
    expect(notBoolean.status).toBe(400);
    expect(Object.keys(notBoolean.body as object)).toContain('blocklist_face');
    const unknown = await call(sandbox, 'POST', '/v3/blocklist/add/', {
      session_id: '7c0e9a52-0000-4000-8000-00000000abcd',
      blocklist_face: true,
    });
    expect(unknown.status).toBe(404);
  });

  it("names the blocked session in the later session's liveness matches[], and keeps the face blocked while another entry remains", async () => {
    const first = await createFaceMatch('matched-account-a');
    sandbox.completeSession(first.body.session_id, { capture: 'match' });
    await call(sandbox, 'POST', '/v3/blocklist/add/', { session_id: first.body.session_id, blocklist_face: true });
    const second = await createFaceMatch('matched-account-b');
    const decision = sandbox.completeSession(second.body.session_id, { capture: 'match' });
    const liveness = (decision['liveness_checks'] as { matches: Record<string, unknown>[]; warnings: { risk: string }[] }[])[0];
    expect(liveness?.matches).toEqual([
      expect.objectContaining({
        session_id: first.body.session_id,
        vendor_data: 'matched-account-a',
        is_blocklisted: true,
        similarity_percentage: expect.any(Number),
      }),
    ]);
    // The second session's own entry: removing the first's leaves the face blocked.
    await call(sandbox, 'POST', '/v3/blocklist/add/', { session_id: second.body.session_id, blocklist_face: true });
    await call(sandbox, 'POST', '/v3/blocklist/remove/', { session_id: first.body.session_id, unblock_face: true });
    const third = await createFaceMatch('matched-account-c');
    const again = sandbox.completeSession(third.body.session_id, { capture: 'match' });
    expect(again['status']).toBe('Declined');
    const matches = (again['liveness_checks'] as { matches: Record<string, unknown>[] }[])[0]?.matches;
    expect(matches?.[0]?.['session_id']).toBe(second.body.session_id);
    await call(sandbox, 'POST', '/v3/blocklist/remove/', { session_id: second.body.session_id, unblock_face: true });
    const fourth = await createFaceMatch('matched-account-d');
    const last = sandbox.completeSession(fourth.body.session_id, { capture: 'match' });
    expect((last['liveness_checks'] as { warnings: { risk: string }[] }[])[0]?.warnings.map((w) => w.risk)).not.toContain(
      'FACE_IN_BLOCKLIST',
    );
  });
});
