import { createHmac } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, jsonText, type JsonObject } from './canonical-json.ts';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { call, FACE_MATCH_WORKFLOW, LIVENESS_ONLY_WORKFLOW, startReceiver, type Receiver } from './test-helpers.ts';

const SECRET = 'receiver_secret_for_tests';
let sandbox: RunningSandbox;
let receiver: Receiver;
let workflowId: string;

/** Didit's 5 s delivery timeout unless a test waits one out. */
async function startSandboxForReceiver(deliveryTimeoutMs?: number): Promise<void> {
  sandbox = await startSandbox({
    seed: 5,
    retryDelaysMs: [20, 40],
    deliveryTimeoutMs,
    webhook: { url: receiver.url, secret: SECRET },
  });
  workflowId = jsonText(sandbox.createWorkflow(FACE_MATCH_WORKFLOW)['workflow_id']);
}

beforeEach(async () => {
  receiver = await startReceiver();
  await startSandboxForReceiver();
});
afterEach(async () => {
  await sandbox.stop();
  await receiver.stop();
});

const hmac = (message: string | Buffer) => createHmac('sha256', SECRET).update(message).digest('hex');

function newSession(vendorData = 'user-1'): string {
  return jsonText(
    sandbox.createSession({ workflow_id: workflowId, vendor_data: vendorData, portrait_image: sandbox.portraitFor(vendorData) })[
      'session_id'
    ],
  );
}

describe('status.updated deliveries', () => {
  it('a session driven end to end sends Not Started, In Progress, In Review, then Approved after update-status', async () => {
    const id = newSession();
    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'match', livenessScore: 65 });
    await sandbox.flushDeliveries();
    const patched = await call(sandbox, 'PATCH', `/v3/session/${id}/update-status/`, { new_status: 'Approved', comment: 'ok' });
    expect(patched.status).toBe(200);
    await sandbox.flushDeliveries();
    expect(receiver.received.map((h) => h.json['status'])).toEqual(['Not Started', 'In Progress', 'In Review', 'Approved']);
    const [notStarted, inProgress, inReview, approved] = receiver.received.map((h) => h.json);
    expect(notStarted).not.toHaveProperty('decision');
    expect(inProgress).not.toHaveProperty('decision');
    expect(inReview?.['decision']).toMatchObject({ status: 'In Review', session_id: id });
    expect(approved?.['decision']).toMatchObject({
      status: 'Approved',
      reviews: [{ user: 'API Client', new_status: 'Approved', comment: 'ok' }],
    });
    expect(approved).toMatchObject({
      webhook_type: 'status.updated',
      session_id: id,
      workflow_id: workflowId,
      workflow_version: 1,
      vendor_data: 'user-1',
      application_id: sandbox.applicationId,
      environment: 'live',
    });
    expect(approved).not.toHaveProperty('metadata');
  });

  it('signs every delivery with X-Signature, X-Signature-V2 and X-Signature-Simple', async () => {
    const id = jsonText(
      sandbox.createSession({
        workflow_id: workflowId,
        portrait_image: sandbox.portraitFor('z'),
        metadata: { nickname: 'Zoë', '10': 1, '9': 2 },
      })['session_id'],
    );
    await sandbox.flushDeliveries();
    const hook = receiver.received[0];
    if (!hook) throw new Error('no delivery');
    const body = hook.raw.toString('latin1');
    expect(body).toContain('"metadata":{"10":1,"9":2,"nickname":"Zo\\u00eb"}');
    expect(hook.headers['x-signature']).toBe(hmac(hook.raw));
    expect(hook.headers['x-signature-v2']).toBe(hmac(Buffer.from(canonicalJson(hook.json, { asciiOnly: false }), 'utf8')));
    expect(hook.headers['x-signature-v2']).not.toBe(hook.headers['x-signature']);
    expect(hook.headers['x-signature-simple']).toBe(
      hmac(`${hook.headers['x-timestamp'] as string}:${id}:Not Started:status.updated`),
    );
    expect(hook.headers['x-timestamp']).toBe(jsonText(hook.json['timestamp']));
    expect(hook.headers['user-agent']).toBe('DiditWebhook/2.0 +https://didit.me');
    expect(hook.headers['content-type']).toBe('application/json');
  });

  it("a decision from Didit's own console fires status.updated with a CONSOLE_USER review", async () => {
    const id = newSession();
    sandbox.completeSession(id, { capture: 'low_quality', livenessScore: 60, faceMatchScore: 90 });
    const decided = await call(sandbox, 'POST', `/sandbox/sessions/${id}/console-decision`, {
      new_status: 'Declined',
      comment: 'Printed photo',
    });
    expect(decided.status).toBe(200);
    await sandbox.flushDeliveries();
    const last = receiver.received.at(-1)?.json;
    expect(last?.['status']).toBe('Declined');
    const feed = await call(sandbox, 'GET', `/v3/sessions/${id}/reviews/`);
    expect(feed.body.results[0]).toMatchObject({
      actor_type: 'CONSOLE_USER',
      new_status: 'Declined',
      comment: 'Printed photo',
      previous_status: 'In Review',
    });
  });

  it('a per-step status change fires data.updated, not status.updated', async () => {
    const id = newSession();
    sandbox.completeSession(id, { capture: 'match', faceMatchScore: 60 });
    await sandbox.flushDeliveries();
    const before = receiver.received.length;
    const res = await call(sandbox, 'PATCH', `/v3/session/${id}/features/feature_face_match/update-status/`, {
      new_status: 'Approved',
    });
    expect(res.body).toMatchObject({ session_id: id, node_id: 'feature_face_match', new_status: 'Approved' });
    await sandbox.flushDeliveries();
    expect(receiver.received.slice(before).map((h) => h.json['webhook_type'])).toEqual(['data.updated']);
    expect(
      (await call(sandbox, 'PATCH', `/v3/session/${id}/features/nope/update-status/`, { new_status: 'Approved' })).status,
    ).toBe(404);
  });
});

describe('retries', () => {
  it('retries a 5xx twice with a new event_id each time and the same timestamp, then gives up', async () => {
    receiver.respond = () => 503;
    newSession();
    await sandbox.flushDeliveries();
    expect(receiver.received).toHaveLength(3);
    const eventIds = new Set(receiver.received.map((h) => h.json['event_id']));
    expect(eventIds.size).toBe(3);
    expect(new Set(receiver.received.map((h) => h.json['timestamp'])).size).toBe(1);
    const strip = (j: JsonObject) => ({ ...j, event_id: undefined });
    expect(strip(receiver.received[2]!.json)).toEqual(strip(receiver.received[0]!.json));
    const [delivery] = sandbox.deliveries();
    expect(delivery).toMatchObject({ state: 'failed' });
    expect(delivery?.attempts.map((a) => a.status_code)).toEqual([503, 503, 503]);
  });

  it('retries 404 and succeeds on a later attempt', async () => {
    receiver.respond = (i) => (i === 0 ? 404 : 200);
    newSession();
    await sandbox.flushDeliveries();
    expect(receiver.received).toHaveLength(2);
    expect(sandbox.deliveries()[0]?.state).toBe('delivered');
  });

  it('does not retry other 4xx answers', async () => {
    receiver.respond = () => 400;
    newSession();
    await sandbox.flushDeliveries();
    expect(receiver.received).toHaveLength(1);
    expect(sandbox.deliveries()[0]?.state).toBe('failed');
  });

  it('waits the configured delays between attempts', async () => {
    receiver.respond = () => 500;
    newSession();
    await sandbox.flushDeliveries();
    const times = (sandbox.deliveries()[0]?.attempts ?? []).map((a) => Date.parse(a.sent_at));
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(19);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(39);
  });
});

describe('delivery timeout', () => {
  beforeEach(async () => {
    await sandbox.stop();
    await startSandboxForReceiver(150);
  });

  it('treats a receiver slower than the timeout as a failure and retries', async () => {
    receiver.respond = (i) => (i === 0 ? new Promise((resolve) => setTimeout(() => resolve(200), 400)) : 200);
    newSession();
    await sandbox.flushDeliveries();
    const attempts = sandbox.deliveries()[0]?.attempts ?? [];
    expect(attempts[0]).toMatchObject({ error: 'timeout', status_code: null });
    expect(attempts[1]).toMatchObject({ status_code: 200 });
  });

  /**
   * Waits for every delivery while garbage is collected: in long runs a collection lost a timeout
   * that only a weakly held signal enforced, and the attempt hung for undici's own 300 s.
   */
  async function flushCollectingGarbage(): Promise<void> {
    setFlagsFromString('--expose-gc');
    const collector = setInterval(runInNewContext('gc') as () => void, 25);
    try {
      await sandbox.flushDeliveries();
    } finally {
      clearInterval(collector);
    }
  }
  const sentFor = (sessionId: string) => receiver.received.filter((h) => h.json['session_id'] === sessionId);

  it('gives up on a receiver that never answers, retries, and sends the next delivery to it', async () => {
    receiver.respond = (i) => (i === 0 ? new Promise<number>(() => {}) : 200);
    const hungId = newSession('user-1');
    const nextId = newSession('user-2');
    await flushCollectingGarbage();
    const [hung] = sandbox.deliveries();
    expect(hung?.attempts[0]).toMatchObject({ status_code: null, error: 'timeout' });
    expect(sentFor(hungId).length).toBeGreaterThanOrEqual(2);
    expect(sentFor(nextId).length).toBeGreaterThanOrEqual(1);
  });

  it('counts an answer whose body stalls after the headers as timed out, and retries', async () => {
    receiver.respond = (i) => (i === 0 ? { status: 200, stallBody: true } : 200);
    const id = newSession();
    await flushCollectingGarbage();
    const [delivery] = sandbox.deliveries();
    expect(delivery?.attempts[0]).toMatchObject({ status_code: null, error: 'timeout' });
    expect(sentFor(id).length).toBeGreaterThanOrEqual(2);
  });
});

describe('delivery log and resend', () => {
  it('lists deliveries and resends one with a fresh event_id', async () => {
    receiver.respond = () => 400;
    const id = newSession();
    await sandbox.flushDeliveries();
    const log = await call(sandbox, 'GET', `/sandbox/deliveries?session_id=${id}`);
    expect(log.body).toHaveLength(1);
    receiver.respond = () => 200;
    const resent = await call(sandbox, 'POST', `/sandbox/deliveries/${log.body[0].id}/resend`);
    expect(resent.status).toBe(202);
    await call(sandbox, 'POST', '/sandbox/deliveries/flush');
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.json['event_id']).not.toBe(receiver.received[0]?.json['event_id']);
    expect(sandbox.deliveries()[1]).toMatchObject({ state: 'delivered', resend_of: log.body[0].id });
    expect((await call(sandbox, 'POST', '/sandbox/deliveries/unknown/resend')).status).toBe(404);
  });

  it('keeps the configured number of deliveries, dropping the oldest', async () => {
    const small = await startSandbox({ deliveryLogLimit: 2, webhook: { url: receiver.url, secret: SECRET } });
    try {
      const workflow = jsonText(small.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
      const sessions = [1, 2, 3].map(() => jsonText(small.createSession({ workflow_id: workflow })['session_id']));
      await small.flushDeliveries();
      expect(small.deliveries().map((d) => d.session_id)).toEqual(sessions.slice(1));
    } finally {
      await small.stop();
    }
  });
});

describe('destinations API', () => {
  it('creates a destination with a 43-character URL-safe secret and validates input', async () => {
    const created = await call(sandbox, 'POST', '/v3/webhook/destinations/', {
      label: 'Second',
      url: 'http://127.0.0.1:9/hooks',
      subscribed_events: ['status.updated'],
    });
    expect(created.status).toBe(201);
    expect(created.body.secret_shared_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ enabled: true, webhook_version: 'v3', summary: { total_deliveries: 0 } });
    const dup = await call(sandbox, 'POST', '/v3/webhook/destinations/', { url: 'http://127.0.0.1:9/hooks' });
    expect(dup.body).toHaveProperty('url');
    expect(
      (await call(sandbox, 'POST', '/v3/webhook/destinations/', { url: 'http://x.test/', subscribed_events: [] })).body,
    ).toEqual({
      subscribed_events: ['This list may not be empty.'],
    });
    expect((await call(sandbox, 'POST', '/v3/webhook/destinations/', { url: 'ftp://x' })).body).toEqual({
      url: ['Enter a valid URL.'],
    });
    const patched = await call(sandbox, 'PATCH', `/v3/webhook/destinations/${created.body.uuid}/`, { enabled: false });
    expect(patched.body).toMatchObject({ enabled: false, secret_shared_key: created.body.secret_shared_key });
    expect((await call(sandbox, 'DELETE', `/v3/webhook/destinations/${created.body.uuid}/`)).status).toBe(204);
    expect((await call(sandbox, 'DELETE', `/v3/webhook/destinations/${created.body.uuid}/`)).status).toBe(404);
  });

  it('delivers nothing to a destination created without subscribed_events', async () => {
    const other = await startReceiver();
    try {
      await call(sandbox, 'POST', '/v3/webhook/destinations/', { url: other.url });
      newSession();
      await sandbox.flushDeliveries();
      expect(other.received).toHaveLength(0);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await other.stop();
    }
  });
});
