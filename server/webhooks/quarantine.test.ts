import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { postDelivery, signedDelivery, stringField } from '../../test/helpers/didit-events.ts';
import { faceMatchWorkflow } from '../../test/helpers/didit-workflows.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { readSyncStatus } from '../sync/sync-status.ts';
import { syncTasks, runJobsOnce } from '../../test/helpers/sync-worker.ts';

/**
 * An authentic delivery that cannot be stored as an event is repaired from Didit in seconds: the
 * quarantine queues a re-read of the session, the worker applies Didit's decision, and the Sync
 * page sees the repair. The sandbox plays Didit; no destination is registered, so the only news
 * of each session is the delivery the test posts.
 */
const SECRET = 'quarantine-test-secret-001';
const RFC_4122 = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let sandbox: RunningSandbox;
let ctx: AppContext;
let baseUrl: string;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: SECRET,
  }));
  baseUrl = await startTestServer(ctx);
  workflowId = stringField(sandbox.createWorkflow(faceMatchWorkflow()), 'workflow_id');
  return () => sandbox.stop();
});

const drainWorker = () => runJobsOnce(ctx.pool, syncTasks(ctx));

/** A session decided at Didit, In Review; its id is one of Didit's that is not an RFC 4122 UUID. */
function decidedSession(): string {
  for (let i = 0; i < 10; i++) {
    const person = `quarantine-${i}-${Math.random()}`;
    const id = stringField(
      sandbox.createSession({ workflow_id: workflowId, vendor_data: person, portrait_image: sandbox.portraitFor(person) }),
      'session_id',
    );
    sandbox.completeSession(id, { capture: 'match', livenessScore: 60, faceMatchScore: 90 });
    if (!RFC_4122.test(id)) return id;
  }
  throw new Error('the sandbox made no id outside RFC 4122');
}

/** Didit's status.updated for the session, signed, with an event time long past the window. */
function staleDelivery(sessionId: string) {
  const decision = sandbox.decision(sessionId);
  const timestamp = Math.floor(Date.now() / 1000) - 15 * 60;
  return signedDelivery(
    {
      event_id: '00000000-0000-0000-0000-000000000000',
      webhook_type: 'status.updated',
      timestamp,
      created_at: timestamp - 60,
      session_id: sessionId,
      status: decision['status'],
      workflow_id: workflowId,
      decision,
    },
    SECRET,
  );
}

const quarantined = (sessionId: string) =>
  ctx.db.selectFrom('webhook_quarantine').selectAll().where('session_id', '=', sessionId).executeTakeFirstOrThrow();

describe('the webhook quarantine', () => {
  it("repairs the session from Didit's decision and reports the repair on the Sync page", async () => {
    const id = decidedSession();
    expect((await postDelivery(baseUrl, staleDelivery(id))).status).toBe(401);
    expect(await ctx.db.selectFrom('verification_session').select('id').where('id', '=', id).execute()).toEqual([]);

    sandbox.clearRequests();
    await drainWorker();
    // One targeted decision read, nothing else.
    expect(sandbox.requests().map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v3/session/${id}/decision/`]);
    const session = await ctx.db.selectFrom('verification_session').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(session).toMatchObject({ status: 'In Review', liveness_score: 60, face_match_score: 90, workflow_id: workflowId });
    expect(await quarantined(id)).toMatchObject({ reason: 'stale_timestamp', repair_state: 'repaired', repair_error: null });

    const status = await readSyncStatus(ctx.db);
    expect(status.webhooks.quarantinedCount).toBeGreaterThanOrEqual(1);
    expect(status.webhooks.quarantined.find((q) => q.sessionId === id)).toMatchObject({
      reason: 'stale_timestamp',
      repairState: 'repaired',
      repairedAt: expect.any(String),
    });
  });

  it('records a failed re-read while Didit is down, and repairs it once Didit is back', async () => {
    const id = decidedSession();
    expect((await postDelivery(baseUrl, staleDelivery(id))).status).toBe(401);
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      await drainWorker();
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    expect(await quarantined(id)).toMatchObject({ repair_state: 'failed', repair_error: expect.stringMatching(/503/) });
    // graphile-worker retries with backoff; make the retry due now rather than sleeping.
    await sql`select graphile_worker.reschedule_jobs(
                array(select id from graphile_worker.jobs where key = ${`repair:${id}`}), run_at := now())`.execute(ctx.db);
    await drainWorker();
    expect(await quarantined(id)).toMatchObject({ repair_state: 'repaired', repair_error: null });
    expect(
      await ctx.db.selectFrom('verification_session').select('status').where('id', '=', id).executeTakeFirstOrThrow(),
    ).toEqual({ status: 'In Review' });
  }, 30_000);

  it('marks the delivery gone when Didit no longer has the session', async () => {
    const id = decidedSession();
    expect((await postDelivery(baseUrl, staleDelivery(id))).status).toBe(401);
    const deleted = await fetch(`${sandbox.url}/v3/session/${id}/delete/`, {
      method: 'DELETE',
      headers: { 'x-api-key': sandbox.apiKey },
    });
    expect(deleted.status).toBe(200);
    await drainWorker();
    expect(await quarantined(id)).toMatchObject({ repair_state: 'gone' });
  });
});
