import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { postDelivery, sessionEvent, signedDelivery, stringField } from '../../test/helpers/didit-events.ts';
import { quickDiditClient } from '../../test/helpers/quick-didit-client.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { MAX_ROW_ATTEMPTS, processSessionInbox } from './inbox-processor.ts';
import type { SyncDeps } from './sync-deps.ts';
import { faceMatchWorkflow } from '../../test/helpers/didit-workflows.ts';

const SECRET = 'inbox-processor-secret-01';

let sandbox: RunningSandbox;
let ctx: AppContext;
let deps: SyncDeps;
let baseUrl: string;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: SECRET,
  }));
  // Same client, shorter backoff, so failure paths finish quickly.
  deps = {
    ...ctx,
    didit: quickDiditClient(ctx, sandbox),
  };
  baseUrl = await startTestServer(ctx);
  workflowId = stringField(sandbox.createWorkflow(faceMatchWorkflow()), 'workflow_id');
});
afterAll(async () => {
  await sandbox.stop();
});

const now = () => Math.floor(Date.now() / 1000);

async function deliver(event: Record<string, unknown>): Promise<void> {
  const res = await postDelivery(baseUrl, signedDelivery(event, SECRET));
  expect(res.status).toBe(200);
}

const sessionRow = (id: string) => ctx.db.selectFrom('verification_session').selectAll().where('id', '=', id).executeTakeFirst();
const inboxRows = (id: string) =>
  ctx.db.selectFrom('webhook_event').selectAll().where('session_id', '=', id).orderBy('id').execute();

describe('inbox processing', () => {
  it('applies an In Review event: status, feature statuses, scores, method, warnings, media and expiry, decision', async () => {
    const sessionId = randomUUID();
    const at = now();
    await deliver(sessionEvent({ sessionId, status: 'In Review', timestamp: at, livenessScore: 88.4, faceMatchScore: 61.5 }));
    const summary = await processSessionInbox(deps, sessionId);
    expect(summary.outcomes).toEqual({ applied: 1 });
    const row = await sessionRow(sessionId);
    expect(row).toMatchObject({
      status: 'In Review',
      liveness_status: 'Approved',
      face_match_status: 'In Review',
      liveness_score: 88.4,
      face_match_score: 61.5,
      liveness_method: 'PASSIVE',
      warning_codes: ['LOW_FACE_MATCH_SIMILARITY'],
      session_number: 1042,
      vendor_data: 'user-42',
      decided_at: null,
      decision_source: null,
    });
    expect(row?.in_review_since?.getTime()).toBe(at * 1000);
    expect(row?.event_at?.getTime()).toBe(at * 1000);
    expect(Object.keys(row?.media ?? {}).sort()).toEqual(['faceMatchSelfie', 'portrait', 'selfie']);
    // X-Amz-Date (the event second) + X-Amz-Expires (3600).
    expect(row?.media_expires_at?.getTime()).toBe((at + 3600) * 1000);
    expect(row?.decision).toMatchObject({ session_id: sessionId, status: 'In Review' });
    expect((await inboxRows(sessionId))[0]?.processed_at).not.toBeNull();
  });

  it('never moves a session backwards when an older event arrives after a newer one', async () => {
    const sessionId = randomUUID();
    const at = now();
    await deliver(sessionEvent({ sessionId, status: 'Approved', timestamp: at, faceMatchScore: 91 }));
    await processSessionInbox(deps, sessionId);
    await deliver(sessionEvent({ sessionId, status: 'In Review', timestamp: at - 30 }));
    await deliver(sessionEvent({ sessionId, status: 'In Progress', timestamp: at - 60 }));
    const summary = await processSessionInbox(deps, sessionId);
    expect(summary.outcomes).toEqual({ stale: 2 });
    expect(await sessionRow(sessionId)).toMatchObject({
      status: 'Approved',
      in_review_since: null,
      face_match_score: 91,
      decision_source: 'didit',
    });
    expect((await inboxRows(sessionId)).every((r) => r.processed_at !== null)).toBe(true);
  });

  it('applies a burst delivered out of order in event-time order, ending at the newest status', async () => {
    const sessionId = randomUUID();
    const at = now();
    const events = [
      sessionEvent({ sessionId, status: 'Not Started', timestamp: at - 120 }),
      sessionEvent({ sessionId, status: 'In Progress', timestamp: at - 90 }),
      sessionEvent({ sessionId, status: 'In Review', timestamp: at - 60 }),
      sessionEvent({ sessionId, status: 'Declined', timestamp: at, faceMatchScore: 40 }),
    ];
    for (const event of [events[3], events[1], events[0], events[2]]) if (event) await deliver(event);
    await processSessionInbox(deps, sessionId);
    const row = await sessionRow(sessionId);
    expect(row).toMatchObject({ status: 'Declined', in_review_since: null, decision_source: 'didit', face_match_score: 40 });
    expect(row?.decided_at?.getTime()).toBe(at * 1000);
  });

  it('orders two statuses of the same second by lifecycle (a decision beats In Progress)', async () => {
    const sessionId = randomUUID();
    const at = now();
    await deliver(sessionEvent({ sessionId, status: 'In Review', timestamp: at }));
    await processSessionInbox(deps, sessionId);
    await deliver(sessionEvent({ sessionId, status: 'In Progress', timestamp: at }));
    expect((await processSessionInbox(deps, sessionId)).outcomes).toEqual({ stale: 1 });
    expect((await sessionRow(sessionId))?.status).toBe('In Review');
  });

  it('accepts lowercase liveness methods and legacy singular feature blocks', async () => {
    const sessionId = randomUUID();
    const event = sessionEvent({ sessionId, status: 'In Review', method: 'flashing' });
    const decision = event['decision'] as Record<string, unknown>;
    const [liveness] = decision['liveness_checks'] as Record<string, unknown>[];
    const [faceMatch] = decision['face_matches'] as Record<string, unknown>[];
    delete decision['liveness_checks'];
    delete decision['face_matches'];
    decision['liveness'] = liveness;
    decision['face_match'] = { ...faceMatch, warnings: [{ risk: 'LOW_FACE_MATCH_SIMILARITY', log_type: 'warning' }] };
    await deliver(event);
    await processSessionInbox(deps, sessionId);
    const row = await sessionRow(sessionId);
    expect(row).toMatchObject({
      liveness_method: 'FLASHING',
      face_match_score: 61.5,
      warning_codes: ['LOW_FACE_MATCH_SIMILARITY'],
    });
    expect(row?.warnings).toEqual([expect.objectContaining({ feature: 'FACEMATCH', risk: 'LOW_FACE_MATCH_SIMILARITY' })]);
  });

  it('tells decisions made in Didit’s console (outside) from ours (API Client) and automatic ones', async () => {
    const outside = randomUUID();
    const ours = randomUUID();
    const at = now();
    const review = (user: string) => ({
      reviews: [{ user, new_status: 'Approved', comment: 'ok', created_at: new Date((at - 5) * 1000).toISOString() }],
    });
    const withReview = (sessionId: string, user: string) => {
      const event = sessionEvent({ sessionId, status: 'Approved', timestamp: at });
      Object.assign(event['decision'] as object, review(user));
      return event;
    };
    await deliver(withReview(outside, 'reviewer@company.test'));
    await deliver(withReview(ours, 'API Client'));
    await processSessionInbox(deps, outside);
    await processSessionInbox(deps, ours);
    expect(await sessionRow(outside)).toMatchObject({ decision_source: 'outside' });
    expect(await sessionRow(ours)).toMatchObject({ decision_source: 'console' });
    expect((await sessionRow(ours))?.decided_at?.getTime()).toBe((at - 5) * 1000);
  });

  it('fetches the decision when a decision-bearing status.updated arrives without one', async () => {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: 'fetch-me',
      portrait_image: sandbox.portraitFor('fetch-me'),
    });
    const sessionId = stringField(created, 'session_id');
    sandbox.completeSession(sessionId, { capture: 'match', livenessScore: 93, faceMatchScore: 64 });
    sandbox.clearRequests();
    await deliver(sessionEvent({ sessionId, status: 'In Review', withDecision: false, workflowId }));
    await processSessionInbox(deps, sessionId);
    expect(sandbox.requests().filter((r) => r.path === `/v3/session/${sessionId}/decision/`)).toHaveLength(1);
    expect(await sessionRow(sessionId)).toMatchObject({
      status: 'In Review',
      liveness_score: 93,
      face_match_score: 64,
      vendor_data: 'fetch-me',
    });
  });

  it('retries a failing row with backoff, parks it after the last attempt, and never blocks other sessions', async () => {
    const failing = randomUUID();
    const healthy = randomUUID();
    // Didit does not know `failing`, and answers 503 to everything for now.
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      await deliver(sessionEvent({ sessionId: failing, status: 'Approved', withDecision: false }));
      expect((await processSessionInbox(deps, failing)).outcomes).toEqual({ retry: 1 });
      const [row] = await inboxRows(failing);
      expect(row).toMatchObject({ attempts: 1, parked_at: null, processed_at: null });
      expect(row?.last_error).toMatch(/^server_error: Didit get_decision answered 503/);
      expect(row?.next_attempt_at?.getTime()).toBeGreaterThan(Date.now());
      // A retry job waits for next_attempt_at.
      const jobs = await sql<{
        run_at: Date;
      }>`select run_at from graphile_worker.jobs where key = ${`inbox-retry:${failing}`}`.execute(ctx.db);
      expect(jobs.rows[0]?.run_at.getTime()).toBe(row?.next_attempt_at?.getTime());

      // Another session is applied meanwhile.
      await deliver(sessionEvent({ sessionId: healthy, status: 'In Review' }));
      expect((await processSessionInbox(deps, healthy)).outcomes).toEqual({ applied: 1 });

      // Fast-forward to the last attempt.
      await ctx.db
        .updateTable('webhook_event')
        .set({ attempts: MAX_ROW_ATTEMPTS - 1, next_attempt_at: new Date(Date.now() - 1000) })
        .where('session_id', '=', failing)
        .execute();
      expect((await processSessionInbox(deps, failing)).outcomes).toEqual({ parked: 1 });
      const [parked] = await inboxRows(failing);
      expect(parked).toMatchObject({ attempts: MAX_ROW_ATTEMPTS, processed_at: null });
      expect(parked?.parked_at).not.toBeNull();
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
  });

  it('parks at once a row Didit says does not exist', async () => {
    const unknown = randomUUID();
    await deliver(sessionEvent({ sessionId: unknown, status: 'Declined', withDecision: false }));
    expect((await processSessionInbox(deps, unknown)).outcomes).toEqual({ parked: 1 });
    const [row] = await inboxRows(unknown);
    expect(row?.last_error).toMatch(/^not_found/);
    expect(await sessionRow(unknown)).toBeUndefined();
  });
});
