import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonText, type JsonObject } from './canonical-json.ts';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { call, LIVENESS_ONLY_WORKFLOW, startReceiver, type Receiver } from './test-helpers.ts';

/** DELETE /v3/session/{id}/delete/ as Didit documents it (docs/didit-contract.md §17). */

let sandbox: RunningSandbox;
let receiver: Receiver;
let workflowId: string;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({
    seed: 17,
    retryDelaysMs: [10, 10],
    webhook: { url: receiver.url, secret: 'delete-test-secret' },
  });
  workflowId = jsonText(sandbox.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
});
afterAll(async () => {
  await sandbox.stop();
  await receiver.stop();
});

function decidedSession(vendorData: string): { id: string; decision: JsonObject } {
  const id = jsonText(sandbox.createSession({ workflow_id: workflowId, vendor_data: vendorData })['session_id']);
  return { id, decision: sandbox.completeSession(id, { capture: 'match' }) };
}

function selfieUrl(decision: JsonObject): string {
  const checks = decision['liveness_checks'] as { reference_image: string }[];
  return checks[0]?.reference_image ?? '';
}

const deletePath = (id: string) => `/v3/session/${id}/delete/`;

describe('deleting a session', () => {
  it("answers 200 with the face data's fate, then the session is gone from every read, and a second delete is 404", async () => {
    const { id, decision } = decidedSession('delete-reads');
    const media = selfieUrl(decision);
    expect((await fetch(media)).status).toBe(200);
    expect((await call(sandbox, 'GET', '/v3/sessions/?vendor_data=delete-reads')).body.count).toBe(1);

    const deleted = await call(sandbox, 'DELETE', deletePath(id));
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({
      session_id: id,
      session_number: expect.any(Number),
      face_retention_outcome: 'deleted',
      biometric_template_uuid: null,
      biometric_template_expires_at: null,
      deleted_child_verifications: 0,
    });

    expect((await call(sandbox, 'GET', `/v3/session/${id}/decision/`)).status).toBe(404);
    const listed = await call(sandbox, 'GET', '/v3/sessions/?vendor_data=delete-reads');
    expect(listed.body).toMatchObject({ count: 0, results: [] });
    const all = await call(sandbox, 'GET', '/v3/sessions/?limit=1000');
    expect(all.body.results.map((row: { session_id: string }) => row.session_id)).not.toContain(id);
    // Links issued before the delete no longer resolve.
    expect((await fetch(media)).status).toBe(404);
    expect((await call(sandbox, 'DELETE', deletePath(id))).status).toBe(404);
  });

  it('drops a delivery waiting for its retry once its session is deleted', async () => {
    const { id } = decidedSession('delete-retry');
    await sandbox.flushDeliveries();
    const before = receiver.received.length;
    // The session's next delivery fails its first attempt; the session is deleted meanwhile.
    receiver.respond = async (_index, hook) => {
      if (hook.json['session_id'] !== id) return 200;
      expect((await call(sandbox, 'DELETE', deletePath(id))).status).toBe(200);
      return 500;
    };
    try {
      expect((await call(sandbox, 'PATCH', `/v3/session/${id}/update-status/`, { new_status: 'Declined' })).status).toBe(200);
      await sandbox.flushDeliveries();
    } finally {
      receiver.respond = () => 200;
    }
    const delivery = sandbox.deliveries().findLast((d) => d.session_id === id);
    expect(delivery).toMatchObject({ state: 'dropped', status: 'Declined' });
    expect(delivery?.attempts).toHaveLength(1);
    expect(receiver.received.length - before).toBe(1);
  });

  it('drops a delivery still queued behind another when its session is deleted', async () => {
    const first = decidedSession('delete-queued-a');
    const second = decidedSession('delete-queued-b');
    await sandbox.flushDeliveries();
    let release: () => void = () => {};
    const held = new Promise<number>((resolve) => (release = () => resolve(200)));
    // The destination is busy with the first session's delivery: the second's waits its turn.
    receiver.respond = (_index, hook) => (hook.json['session_id'] === first.id ? held : 200);
    try {
      await call(sandbox, 'PATCH', `/v3/session/${first.id}/update-status/`, { new_status: 'Declined' });
      await call(sandbox, 'PATCH', `/v3/session/${second.id}/update-status/`, { new_status: 'Declined' });
      expect((await call(sandbox, 'DELETE', deletePath(second.id))).status).toBe(200);
      release();
      await sandbox.flushDeliveries();
    } finally {
      receiver.respond = () => 200;
    }
    expect(sandbox.deliveries().findLast((d) => d.session_id === first.id)).toMatchObject({ state: 'delivered' });
    const dropped = sandbox.deliveries().findLast((d) => d.session_id === second.id);
    expect(dropped).toMatchObject({ state: 'dropped', status: 'Declined' });
    expect(dropped?.attempts).toEqual([]);
  });

  it('refuses a session in a filed regulatory report with 409 in_filed_report and deletes nothing', async () => {
    const { id } = decidedSession('delete-filed');
    sandbox.setFiledReport(id, '5ec00000-0000-4000-8000-000000000007');
    try {
      const refused = await call(sandbox, 'DELETE', deletePath(id));
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'in_filed_report', detail: expect.stringContaining('5ec00000') });
      expect((await call(sandbox, 'GET', `/v3/session/${id}/decision/`)).status).toBe(200);
    } finally {
      sandbox.setFiledReport(id, null);
    }
    expect((await call(sandbox, 'DELETE', deletePath(id))).status).toBe(200);
  });

  it('counts the delete against the generic-write scope', async () => {
    const { id } = decidedSession('delete-scope');
    const deleted = await call(sandbox, 'DELETE', deletePath(id));
    expect(deleted.headers.get('x-ratelimit-limit')).toBe('300');
  });

  it("answers the older generation's 204 with no body when asked to", async () => {
    const { id } = decidedSession('delete-older');
    sandbox.setDeleteAnswers('older');
    try {
      const deleted = await call(sandbox, 'DELETE', deletePath(id));
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeNull();
    } finally {
      sandbox.setDeleteAnswers('newest');
    }
    expect((await call(sandbox, 'GET', `/v3/session/${id}/decision/`)).status).toBe(404);
  });
});
