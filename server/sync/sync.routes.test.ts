import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { postDelivery, sessionEvent, signedDelivery, stringField } from '../../test/helpers/didit-events.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { processSessionInbox } from './inbox-processor.ts';
import { repairSessionFromDidit } from './repair-session.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';

const SECRET = 'sync-routes-secret-00001';

let sandbox: RunningSandbox;
let ctx: AppContext;
let baseUrl: string;
let viewer: string;
/** Someone who may see faces (viewers see none by default, issue 19). */
let analyst: string;
let lead: string;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 5, mediaTtlSeconds: 3600 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: SECRET,
  }));
  baseUrl = await startTestServer(ctx);
  viewer = await createApiToken(ctx, 'viewer');
  analyst = await createApiToken(ctx, 'analyst');
  lead = await createApiToken(ctx, 'lead');
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
});
afterAll(async () => {
  await sandbox.stop();
});

const api = (path: string, token: string | undefined, method = 'GET') =>
  fetch(`${baseUrl}/api${path}`, { method, headers: token ? authHeaders(token) : {} });

/** A session decided at the sandbox and synced here through the repair path. */
async function syncedSession(): Promise<string> {
  const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: randomUUID() }), 'session_id');
  sandbox.completeSession(id, { capture: 'match' });
  await repairSessionFromDidit(ctx, id);
  return id;
}

describe('GET /api/sync/status', () => {
  it('needs an authenticated actor', async () => {
    expect((await api('/sync/status', undefined)).status).toBe(401);
  });

  it('reports the inbox, parked rows, reconciliation and Didit call health', async () => {
    // A console of its own: the counts below must not see what the other tests of this file did.
    const own = await createTestContext({
      DIDIT_BASE_URL: sandbox.url,
      DIDIT_API_KEY: sandbox.apiKey,
      DIDIT_WEBHOOK_SECRET: SECRET,
    });
    const ownUrl = await startTestServer(own.ctx);
    const ownViewer = await createApiToken(own.ctx, 'viewer');
    const parkedSession = randomUUID();
    await postDelivery(
      ownUrl,
      signedDelivery(sessionEvent({ sessionId: parkedSession, status: 'Approved', withDecision: false }), SECRET),
    );
    await processSessionInbox(own.ctx, parkedSession); // Didit does not know it: parked
    await postDelivery(ownUrl, signedDelivery(sessionEvent(), SECRET)); // left in the backlog

    const res = await fetch(`${ownUrl}/api/sync/status`, { headers: authHeaders(ownViewer) });
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body.webhooks).toMatchObject({ backlog: 1, parkedCount: 1 });
    expect(Date.parse(body.webhooks.lastReceivedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(body.webhooks.parked[0]).toMatchObject({
      sessionId: parkedSession,
      status: 'Approved',
      lastError: expect.stringMatching(/^not_found/),
    });
    expect(body.reconciliation).toEqual({ active: null, lastCompleted: null, lagSeconds: null });
    expect(body.didit.calls).toContainEqual(expect.objectContaining({ operation: 'get_decision', total: 1, errors: 0 }));
    expect(body.didit.rateLimits.map((r: { scope: string }) => r.scope)).toEqual([
      'generic-get',
      'generic-write',
      'session-decision',
    ]);
    expect(body.didit.rateLimits[2]).toMatchObject({ budgetPerMinute: 90, usedLastMinute: 1 });
  });
});

describe('POST /api/sync/webhooks/:id/replay', () => {
  it('is for leads only', async () => {
    expect((await api('/sync/webhooks/1/replay', viewer, 'POST')).status).toBe(403);
  });

  it('puts a parked row back in the inbox, wakes the worker and writes the audit log', async () => {
    const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: 'late' }), 'session_id');
    // Parked while Didit was failing...
    sandbox.setFaults({ apiErrorRate: 1 });
    await postDelivery(
      baseUrl,
      signedDelivery(sessionEvent({ sessionId: id, status: 'Not Started', withDecision: false, workflowId }), SECRET),
    );
    await ctx.db
      .updateTable('webhook_event')
      .set({ parked_at: new Date(), last_error: 'server_error: Didit answered 503', attempts: 6 })
      .where('session_id', '=', id)
      .execute();
    sandbox.setFaults({ apiErrorRate: 0 });
    const row = await ctx.db.selectFrom('webhook_event').select('id').where('session_id', '=', id).executeTakeFirstOrThrow();

    const res = await api(`/sync/webhooks/${row.id}/replay`, lead, 'POST');
    expect(res.status).toBe(202);
    expect(await bodyOf(res)).toEqual({ id: row.id, sessionId: id, status: 'queued' });
    expect(await ctx.db.selectFrom('webhook_event').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()).toMatchObject(
      {
        parked_at: null,
        attempts: 0,
        last_error: null,
      },
    );
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'webhook.replay').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'token', target_id: String(row.id) });
    expect(audit[0]?.details).toMatchObject({
      sessionId: id,
      wasParked: true,
      previousError: 'server_error: Didit answered 503',
    });

    await processSessionInbox(ctx, id);
    expect(await ctx.db.selectFrom('verification_session').select('status').where('id', '=', id).executeTakeFirst()).toEqual({
      status: 'Not Started',
    });
  });

  it('answers 404 for an unknown row', async () => {
    expect((await api('/sync/webhooks/987654321/replay', lead, 'POST')).status).toBe(404);
  });
});

describe('fresh media links', () => {
  /** Links that expire within the refresh margin (default 5 min): a refresh asks Didit. */
  async function expiringSoon(id: string): Promise<Date> {
    const expiresAt = new Date(Date.now() + 60_000);
    await ctx.db.updateTable('verification_session').set({ media_expires_at: expiresAt }).where('id', '=', id).execute();
    return expiresAt;
  }

  it('coalesces concurrent refreshes of one session into one Didit call', async () => {
    const id = await syncedSession();
    await expiringSoon(id);
    const before = await ctx.db
      .selectFrom('verification_session')
      .select(['media', 'media_expires_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    sandbox.clearRequests();
    const responses = await Promise.all(Array.from({ length: 5 }, () => api(`/sessions/${id}/refresh-media`, analyst, 'POST')));
    const bodies = await Promise.all(responses.map((r) => bodyOf(r)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sandbox.requests().filter((r) => r.path === `/v3/session/${id}/decision/`)).toHaveLength(1);
    // Those that came after the refresh find the new links fresh; all get the same ones.
    expect(bodies.some((body) => body.refreshed)).toBe(true);
    for (const body of bodies) {
      expect(body).toMatchObject({ sessionId: id, reason: null, media: { stale: false } });
      expect(body.media.selfie).not.toBe(before.media['selfie']);
      expect(body.media).toEqual(bodies[0].media);
    }
  });

  it('returns the old links with their expiry and a flag when Didit rate-limits the refresh', async () => {
    const id = await syncedSession();
    await expiringSoon(id);
    const before = await ctx.db
      .selectFrom('verification_session')
      .select(['media', 'media_expires_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    sandbox.setFaults({ apiRateLimitRate: 1 });
    try {
      const res = await api(`/sessions/${id}/refresh-media`, analyst, 'POST');
      expect(res.status).toBe(200);
      expect(await bodyOf(res)).toEqual({
        sessionId: id,
        media: {
          selfie: before.media['selfie'] ?? null,
          portrait: before.media['portrait'] ?? null,
          video: before.media['video'] ?? null,
          expiresAt: before.media_expires_at?.toISOString() ?? null,
          stale: true,
          staleReason: 'rate_limited',
          retryAfterSeconds: 1,
        },
        refreshed: false,
        reason: 'rate_limited',
        retryAfterSeconds: 1,
      });
    } finally {
      sandbox.setFaults({ apiRateLimitRate: 0 });
    }
  });

  it('refreshes on read only when a link expires within the margin (default 5 min)', async () => {
    const id = await syncedSession();
    sandbox.clearRequests();
    expect((await ctx.media.ensureFresh(id)).refreshed).toBe(false);
    expect(sandbox.requests()).toHaveLength(0);
    await ctx.db
      .updateTable('verification_session')
      .set({ media_expires_at: new Date(Date.now() + 4 * 60_000) })
      .where('id', '=', id)
      .execute();
    const result = await ctx.media.ensureFresh(id);
    expect(result.refreshed).toBe(true);
    expect(result.mediaExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
  });

  it('answers 404 for a session we do not have', async () => {
    expect((await api(`/sessions/${randomUUID()}/refresh-media`, analyst, 'POST')).status).toBe(404);
  });
});
