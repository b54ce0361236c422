import { beforeAll, describe, expect, it } from 'vitest';
import { startReviewConsole } from '../../test/helpers/review-console.ts';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession } from '../../test/helpers/seed.ts';
import { type SsoTestConsole } from '../../test/helpers/sso.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { removePersonalData } from '../privacy/personal-data.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';
import { buildTaskList } from '../worker/runner.ts';

/**
 * "Decline and block this face" over real HTTP against the Didit sandbox: the decision and the
 * block leave through the outbox, Didit's blocklist then declines the face, and the console links
 * the later session back to the decision that blocked it.
 */
describe('face block routes', () => {
  let app: SsoTestConsole;
  let sandbox: RunningSandbox;
  let workflowId: string;
  const people = signedInPeople(() => app.baseUrl);
  const { post } = people;
  const get = async (email: string, path: string) => bodyOf(await people.get(email, path));
  const makeRetriesDue = () => app.ctx.pool.query(`update graphile_worker._private_jobs set run_at = now()`);
  /** Runs every job, made due first (a decision's push waits out the undo window; retries wait their backoff). */
  const runWorker = async () => {
    await makeRetriesDue();
    await runJobsOnce(app.ctx.pool, buildTaskList(app.ctx));
  };

  /**
   * A session In Review at the sandbox and in our database: an impostor (`seed` picks which
   * stranger) claiming to be `victim` (whose portrait the session holds) under account `vendorData`.
   */
  async function impostorSession(vendorData: string, seed = 5, victim = vendorData): Promise<string> {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: sandbox.portraitFor(victim),
    });
    const id = created.session_id as string;
    sandbox.openSession(id);
    const decision = sandbox.completeSession(id, { capture: 'mismatch', seed, faceMatchScore: 60 });
    if (decision['status'] === 'In Review') await seedSession(app.ctx.db, { id, workflowId, vendorData, faceMatchScore: 60 });
    else await seedSession(app.ctx.db, { id, workflowId, vendorData, status: 'Declined' });
    await repairSessionFromDidit(app.ctx, id);
    return id;
  }

  /** A recorded blocklist call about session `id` (other tests' pushes may run in the same worker pass). */
  const isFor = (request: { body: unknown }, id: string) =>
    typeof request.body === 'object' && request.body !== null && (request.body as { session_id?: unknown }).session_id === id;

  /** Declines and blocks at the version the session has now (unless `body` says otherwise). */
  async function declineAndBlock(email: string, id: string, body: Record<string, unknown> = {}) {
    const current = await app.ctx.db.selectFrom('verification_session').select('version').where('id', '=', id).executeTakeFirst();
    return post(email, `/api/sessions/${id}/decline-and-block`, {
      reason: 'different_person',
      note: 'Not the account owner: a stranger, clearly.',
      expectedVersion: current?.version ?? 1,
      ...body,
    });
  }

  const auditActions = async (id: string) =>
    (await app.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', id).orderBy('id').execute()).map(
      (row) => row.action,
    );

  beforeAll(async () => {
    ({ app, sandbox, workflowId } = await startReviewConsole({ seed: 11 }));
    return () => sandbox.stop();
  });

  it('declines and blocks: decision and block stored together, both confirmed by Didit, and the face is declined next time with a link back', async () => {
    const id = await impostorSession('user-blocked-face');
    const res = await declineAndBlock('analyst@example.test', id);
    expect(res.status).toBe(201);
    const answer = await bodyOf(res);
    expect(answer).toMatchObject({
      pushState: 'pending',
      faceBlock: { own: { state: 'blocking', blockedBy: 'analyst@example.test' } },
    });

    const decision = await app.ctx.db
      .selectFrom('review_event')
      .selectAll()
      .where('session_id', '=', id)
      .where('kind', '=', 'decline')
      .executeTakeFirstOrThrow();
    const block = await app.ctx.db.selectFrom('face_block').selectAll().where('session_id', '=', id).executeTakeFirstOrThrow();
    expect(block).toMatchObject({
      state: 'blocking',
      review_event_id: decision.id,
      reason_code: 'different_person',
      note: 'Not the account owner: a stranger, clearly.',
    });

    sandbox.clearRequests();
    await runWorker();
    const calls = sandbox.requests();
    expect(calls.find((r) => r.method === 'PATCH' && r.path === `/v3/session/${id}/update-status/`)).toMatchObject({
      status: 200,
    });
    expect(calls.find((r) => r.path === '/v3/blocklist/add/' && isFor(r, id))).toMatchObject({ method: 'POST', status: 200 });
    expect(sandbox.decision(id).status).toBe('Declined');
    // Didit's status.updated closes the loop; the re-read applies it as a webhook would.
    await repairSessionFromDidit(app.ctx, id);
    const detail = await get('analyst@example.test', `/api/sessions/${id}`);
    expect(detail).toMatchObject({
      status: 'Declined',
      pushState: 'confirmed',
      faceBlock: { own: { state: 'blocked', pushError: null } },
    });
    expect(detail.faceBlock.own.confirmedAt).toEqual(expect.any(String));
    expect(detail.faceBlock.allowed).toEqual({ declineAndBlock: false, unblock: false, retry: false });
    expect((await get('lead@example.test', `/api/sessions/${id}`)).faceBlock.allowed.unblock).toBe(true);
    expect(await auditActions(id)).toEqual(
      expect.arrayContaining(['session.decided', 'session.face_blocked', 'session.decision_pushed', 'session.face_block_pushed']),
    );

    // The same impostor comes back under another account: Didit declines the face, naming the blocked session.
    const later = await impostorSession('user-second-account', 5, 'user-blocked-face');
    expect(sandbox.decision(later).status).toBe('Declined');
    const laterDetail = await get('analyst@example.test', `/api/sessions/${later}`);
    expect(laterDetail.warningCodes).toContain('FACE_IN_BLOCKLIST');
    expect(laterDetail.faceBlock).toMatchObject({
      own: null,
      inBlocklist: true,
      matched: { sessionId: id, source: 'didit', block: { state: 'blocked', blockedBy: 'analyst@example.test' } },
    });
  });

  it('retries a block Didit answers with 503 until Didit confirms', async () => {
    const id = await impostorSession('user-flaky-block', 21);
    expect((await declineAndBlock('analyst2@example.test', id)).status).toBe(201);
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      await runWorker();
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    const pending = await app.ctx.db.selectFrom('face_block').selectAll().where('session_id', '=', id).executeTakeFirstOrThrow();
    // Refused at least once (a slow pass may have retried it after its backoff), still on its way.
    expect(pending.state).toBe('blocking');
    expect(pending.push_attempts).toBeGreaterThanOrEqual(1);
    expect(pending.push_error).toMatch(/503|server/i);
    expect((await get('analyst2@example.test', `/api/sessions/${id}`)).faceBlock.own).toMatchObject({
      state: 'blocking',
      pushAttempts: pending.push_attempts,
    });
    await runWorker();
    const confirmed = await app.ctx.db
      .selectFrom('face_block')
      .selectAll()
      .where('id', '=', pending.id)
      .executeTakeFirstOrThrow();
    expect(confirmed).toMatchObject({ state: 'blocked', push_error: null });
    expect(sandbox.decision(id).status).toBe('Declined');
  });

  it('lets a lead unblock with a note, pushed to Didit; the face passes again; analysts may not', async () => {
    const id = await impostorSession('user-unblocked-face', 33);
    expect((await post('lead@example.test', `/api/sessions/${id}/unblock-face`, { note: 'Too early.' })).status).toBe(409);
    expect((await declineAndBlock('analyst@example.test', id)).status).toBe(201);
    const early = await post('lead@example.test', `/api/sessions/${id}/unblock-face`, { note: 'Before Didit confirmed.' });
    expect(early.status).toBe(409);
    expect((await bodyOf(early)).error.details.reason).toBe('block_pending');
    await runWorker();

    const analyst = await post('analyst@example.test', `/api/sessions/${id}/unblock-face`, { note: 'I changed my mind.' });
    expect(analyst.status).toBe(403);
    const noNote = await post('lead@example.test', `/api/sessions/${id}/unblock-face`, { note: '   ' });
    expect(noNote.status).toBe(400);
    expect((await bodyOf(noNote)).error.details.issues[0].path).toBe('note');

    sandbox.clearRequests();
    const unblocked = await post('lead@example.test', `/api/sessions/${id}/unblock-face`, {
      note: 'Twin of the owner, verified by phone.',
    });
    expect(unblocked.status).toBe(200);
    expect((await bodyOf(unblocked)).faceBlock.own).toMatchObject({ state: 'unblocking', unblockedBy: 'lead@example.test' });
    await runWorker();
    expect(sandbox.requests().find((r) => r.path === '/v3/blocklist/remove/' && isFor(r, id))).toMatchObject({
      method: 'POST',
      status: 200,
    });
    const detail = await get('lead@example.test', `/api/sessions/${id}`);
    expect(detail.faceBlock.own).toMatchObject({ state: 'unblocked', unblockNote: 'Twin of the owner, verified by phone.' });
    expect(detail.faceBlock.own.unblockConfirmedAt).toEqual(expect.any(String));
    const again = await post('lead@example.test', `/api/sessions/${id}/unblock-face`, { note: 'Again.' });
    expect(again.status).toBe(409);
    expect((await bodyOf(again)).error.details.reason).toBe('already_unblocked');
    expect(await auditActions(id)).toEqual(expect.arrayContaining(['session.face_unblocked']));
    expect((await auditActions(id)).filter((a) => a === 'session.face_block_pushed')).toHaveLength(2);

    // The same face is not declined any more.
    const later = await impostorSession('user-third-account', 33, 'user-unblocked-face');
    expect(sandbox.decision(later).status).not.toBe('Declined');
  });

  it('answers 400 for a bad body, 403 to a viewer, 404 for an unknown session, 409 when already blocked or erased', async () => {
    const id = await impostorSession('user-validation', 44);
    const noNote = await declineAndBlock('analyst@example.test', id, { note: '' });
    expect(noNote.status).toBe(400);
    expect((await bodyOf(noNote)).error.details.issues[0].path).toBe('note');
    expect((await declineAndBlock('analyst@example.test', id, { reason: undefined })).status).toBe(400);
    expect((await declineAndBlock('analyst@example.test', id, { reason: 'no_such_reason' })).status).toBe(400);
    expect((await declineAndBlock('viewer@example.test', id)).status).toBe(403);
    expect((await post('viewer@example.test', `/api/sessions/${id}/unblock-face`, { note: 'x' })).status).toBe(403);
    expect((await declineAndBlock('analyst@example.test', '7c0e9a52-0000-4000-8000-00000000abcd')).status).toBe(404);
    expect(
      (await post('lead@example.test', '/api/sessions/7c0e9a52-0000-4000-8000-00000000abcd/unblock-face', { note: 'x' })).status,
    ).toBe(404);
    expect(await app.ctx.db.selectFrom('face_block').selectAll().where('session_id', '=', id).execute()).toEqual([]);

    expect((await declineAndBlock('analyst@example.test', id)).status).toBe(201);
    const twice = await declineAndBlock('analyst@example.test', id);
    expect(twice.status).toBe(409);
    const body = await bodyOf(twice);
    expect(body.error.details).toMatchObject({ reason: 'already_blocked', session: { id } });

    // An erasure (or retention with RETENTION_NOTES=remove) takes the block's note with the session's notes.
    const removedAt = new Date('2026-12-04T09:00:00Z');
    await app.ctx.db
      .transaction()
      .execute((trx) => removePersonalData(trx, [id], { reason: 'erasure', removeNotes: true, now: removedAt }));
    expect(
      await app.ctx.db
        .selectFrom('face_block')
        .select(['note', 'unblock_note', 'note_removed_at'])
        .where('session_id', '=', id)
        .execute(),
    ).toEqual([{ note: null, unblock_note: null, note_removed_at: removedAt }]);
    expect((await get('analyst@example.test', `/api/sessions/${id}`)).faceBlock.own).toMatchObject({
      note: null,
      noteRemovedAt: removedAt.toISOString(),
    });

    const erased = await impostorSession('user-erased', 45);
    await app.ctx.db
      .updateTable('verification_session')
      .set({ personal_data_removal: 'erasure' })
      .where('id', '=', erased)
      .execute();
    const refused = await declineAndBlock('analyst@example.test', erased);
    expect(refused.status).toBe(409);
    expect((await bodyOf(refused)).error.details.reason).toBe('erased');
  });

  it('parks a block Didit refuses (unknown session) as failed and lets an analyst retry it', async () => {
    // Our copy exists, Didit has no such session: blocklist add answers 404, a final refusal.
    const id = await seedSession(app.ctx.db, { workflowId, vendorData: 'user-unknown-at-didit' });
    expect((await declineAndBlock('analyst@example.test', id)).status).toBe(201);
    await runWorker();
    const detail = await get('analyst@example.test', `/api/sessions/${id}`);
    expect(detail.faceBlock.own).toMatchObject({
      state: 'failed',
      failedAction: 'block',
      pushError: expect.stringMatching(/404/),
    });
    expect(detail.faceBlock.allowed.retry).toBe(true);
    expect(await auditActions(id)).toContain('session.face_block_push_failed');
    const retried = await post('analyst@example.test', `/api/sessions/${id}/face-block/retry`);
    expect(retried.status).toBe(200);
    expect((await bodyOf(retried)).faceBlock.own).toMatchObject({ state: 'blocking', pushError: null });
    expect((await post('analyst@example.test', `/api/sessions/${id}/face-block/retry`)).status).toBe(409);
  });

  it('infers the link from the same person when Didit names no blocked session', async () => {
    const blocked = await seedSession(app.ctx.db, {
      workflowId,
      vendorData: 'user-inferred',
      diditCreatedAt: new Date(Date.now() - 3_600_000),
    });
    expect((await declineAndBlock('analyst@example.test', blocked)).status).toBe(201);
    const later = await seedSession(app.ctx.db, {
      workflowId,
      vendorData: 'user-inferred',
      status: 'Declined',
      warningCodes: ['FACE_IN_BLOCKLIST'],
      diditCreatedAt: new Date(Date.now() + 60_000),
    });
    const detail = await get('viewer@example.test', `/api/sessions/${later}`);
    expect(detail.faceBlock).toMatchObject({
      inBlocklist: true,
      matched: { sessionId: blocked, source: 'inferred', block: { blockedBy: 'analyst@example.test' } },
      allowed: { declineAndBlock: false, unblock: false, retry: false },
    });
  });
});
