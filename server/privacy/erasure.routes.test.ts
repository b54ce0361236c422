import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { stringField } from '../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { erasureStatusSchema, erasureResponseSchema } from '../contract/privacy.ts';

let sandbox: RunningSandbox;
let ctx: AppContext;
let baseUrl: string;
let admin: string;
let lead: string;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 23 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: 'erasure-routes-secret-001',
  }));
  baseUrl = await startTestServer(ctx);
  admin = await createApiToken(ctx, 'admin', 'dpo-automation');
  lead = await createApiToken(ctx, 'lead');
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
});
afterAll(async () => {
  await sandbox.stop();
});

/** A session decided at Didit and stored here. */
async function stored(vendorData = `person-${randomUUID()}`): Promise<string> {
  const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: vendorData }), 'session_id');
  sandbox.completeSession(id, { capture: 'match' });
  await repairSessionFromDidit(ctx, id);
  return id;
}

const erase = (id: string, body: unknown, token = admin) =>
  fetch(`${baseUrl}/api/sessions/${id}/erasure`, {
    method: 'POST',
    headers: { ...authHeaders(token), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const status = (id: string | number, token = admin) => fetch(`${baseUrl}/api/erasures/${id}`, { headers: authHeaders(token) });

describe('POST /api/sessions/:id/erasure', () => {
  it("erases the session's person here at once and answers the request, audited with its reference", async () => {
    const vendorData = `person-${randomUUID()}`;
    const [id, other] = [await stored(vendorData), await stored(vendorData)];
    const res = await erase(id, { reference: 'DSAR-2026-0101', scope: 'person' });
    expect(res.status).toBe(202);
    const body = erasureResponseSchema.parse(await bodyOf(res));
    expect(body).toMatchObject({
      resumed: false,
      erasure: {
        reference: 'DSAR-2026-0101',
        scope: 'person',
        state: 'in_progress',
        diditSearch: 'pending',
        requestedBy: 'dpo-automation',
        counts: { total: 2, pending: 2 },
      },
    });
    const rows = await ctx.db
      .selectFrom('verification_session')
      .select(['vendor_data', 'decision', 'personal_data_removal'])
      .where('id', 'in', [id, other])
      .execute();
    expect(rows).toEqual([
      { vendor_data: null, decision: null, personal_data_removal: 'erasure' },
      { vendor_data: null, decision: null, personal_data_removal: 'erasure' },
    ]);
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'details'])
      .where('action', '=', 'privacy.erasure_requested')
      .where('target_id', '=', String(body.erasure.id))
      .executeTakeFirstOrThrow();
    expect(audit.actor_label).toBe('dpo-automation');
    expect(JSON.stringify(audit.details)).not.toContain(vendorData);

    // The session page says so.
    const detail = await bodyOf(await fetch(`${baseUrl}/api/sessions/${id}`, { headers: authHeaders(admin) }));
    expect(detail.privacy).toMatchObject({ removal: 'erasure', erasureReference: 'DSAR-2026-0101' });
  });

  it('erases one session alone with scope session', async () => {
    const vendorData = `person-${randomUUID()}`;
    const [id, other] = [await stored(vendorData), await stored(vendorData)];
    const body = await bodyOf(await erase(id, { reference: 'TICKET-7', scope: 'session' }));
    expect(body.erasure).toMatchObject({ scope: 'session', diditSearch: 'not_needed', counts: { total: 1 } });
    const kept = await ctx.db.selectFrom('verification_session').select('vendor_data').where('id', '=', other).executeTakeFirst();
    expect(kept?.vendor_data).toBe(vendorData);
  });

  it('is for admins only', async () => {
    const id = await stored();
    const res = await erase(id, { reference: 'DSAR-1', scope: 'person' }, lead);
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error).toMatchObject({ code: 'forbidden' });
    const viewer = await createApiToken(ctx, 'viewer');
    expect((await erase(id, { reference: 'DSAR-1', scope: 'person' }, viewer)).status).toBe(403);
    // Without a token, the CSRF check of every state change refuses a request from elsewhere first.
    const anonymous = await fetch(`${baseUrl}/api/sessions/${id}/erasure`, { method: 'POST' });
    expect(anonymous.status).toBe(403);
    expect((await bodyOf(anonymous)).error.code).toBe('csrf_rejected');
    const row = await ctx.db.selectFrom('verification_session').select('vendor_data').where('id', '=', id).executeTakeFirst();
    expect(row?.vendor_data).not.toBeNull();
  });

  it('refuses bad input with 400 and erases nothing', async () => {
    const id = await stored();
    for (const body of [
      {},
      { reference: '', scope: 'person' },
      { reference: 'DSAR-1' },
      { reference: 'DSAR-1', scope: 'everyone' },
      { reference: 'jane.doe@example.com', scope: 'person' },
      { reference: 'DSAR-1', scope: 'person', vendorData: 'x' },
    ]) {
      const res = await erase(id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await erase('not-a-session', { reference: 'DSAR-1', scope: 'person' })).status).toBe(400);
    const requests = await ctx.db.selectFrom('erasure_session').select('request_id').where('session_id', '=', id).execute();
    expect(requests).toEqual([]);
  });

  it('answers 404 for a session the console does not have', async () => {
    const res = await erase(randomUUID(), { reference: 'DSAR-1', scope: 'person' });
    expect(res.status).toBe(404);
    expect((await bodyOf(res)).error.code).toBe('not_found');
  });

  it('resumes the open request when asked again with its reference, and refuses another reference with 409', async () => {
    const id = await stored();
    const first = await bodyOf(await erase(id, { reference: 'DSAR-55', scope: 'person' }));
    const again = await erase(id, { reference: 'DSAR-55', scope: 'person' });
    expect(again.status).toBe(202);
    expect(await bodyOf(again)).toMatchObject({ resumed: true, erasure: { id: first.erasure.id } });
    const conflict = await erase(id, { reference: 'DSAR-56', scope: 'person' });
    expect(conflict.status).toBe(409);
    expect((await bodyOf(conflict)).error).toMatchObject({
      code: 'conflict',
      details: { requestId: first.erasure.id, reference: 'DSAR-55' },
    });
  });
});

describe('GET /api/erasures/:id', () => {
  it('shows where the request stands, to admins only; unknown is 404, a bad id 400', async () => {
    const id = await stored();
    const created = await bodyOf(await erase(id, { reference: 'DSAR-77', scope: 'session' }));
    const res = await status(created.erasure.id);
    expect(res.status).toBe(200);
    expect(erasureStatusSchema.parse(await bodyOf(res))).toMatchObject({
      id: created.erasure.id,
      reference: 'DSAR-77',
      sessions: [{ sessionId: id, diditState: 'pending', attempts: 0, lastError: null, confirmedAt: null }],
    });
    expect((await status(created.erasure.id, lead)).status).toBe(403);
    expect((await status(987_654)).status).toBe(404);
    expect((await status('abc')).status).toBe(400);
  });

  it('takes an erased session In Review out of the queue; deciding or noting it answers 409', async () => {
    const vendorData = `person-${randomUUID()}`;
    const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: vendorData }), 'session_id');
    sandbox.completeSession(id, { capture: 'match', livenessScore: 60 });
    await repairSessionFromDidit(ctx, id);
    const analyst = await createApiToken(ctx, 'analyst');
    const inQueue = async () => {
      const res = await fetch(`${baseUrl}/api/queue?status=In%20Review&q=${vendorData}`, { headers: authHeaders(analyst) });
      return (await bodyOf(res)).items.map((item: { id: string }) => item.id) as string[];
    };
    expect(await inQueue()).toEqual([id]);

    expect((await erase(id, { reference: 'DSAR-2026-0199', scope: 'person' })).status).toBe(202);
    expect(await inQueue()).toEqual([]);
    const post = (path: string, body: unknown = {}) =>
      fetch(`${baseUrl}/api/sessions/${id}/${path}`, {
        method: 'POST',
        headers: { ...authHeaders(analyst), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // (Claims are for people signed in; an API token decides and notes.)
    for (const res of [
      await post('decision', { decision: 'Approved', reason: 'matches_reference', expectedVersion: 1 }),
      await post('notes', { note: 'looked again' }),
    ]) {
      expect(res.status).toBe(409);
      expect((await bodyOf(res)).error.details).toMatchObject({ reason: 'erased' });
    }
    const detail = await bodyOf(await fetch(`${baseUrl}/api/sessions/${id}`, { headers: authHeaders(analyst) }));
    expect(detail.allowed).toEqual({
      claim: false,
      release: false,
      decide: [],
      note: false,
      undo: false,
      escalate: false,
      deEscalate: false,
    });
    expect(detail.privacy).toMatchObject({ removal: 'erasure', erasureReference: 'DSAR-2026-0199' });
    const stay = await ctx.db
      .selectFrom('review_interval')
      .select(['left_at', 'left_status'])
      .where('session_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stay.left_status).toBe('Erased');
    expect(stay.left_at).not.toBeNull();
  });
});
