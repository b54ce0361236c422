import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { processSessionInbox } from '../sync/inbox-processor.ts';
import { lockSessionForSync } from '../sync/apply-session-state.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';
import { enqueue, jobs, taskList } from '../worker/jobs.ts';
import { postDelivery, sessionEvent, signedDelivery, stringField } from '../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { quickDiditClient } from '../../test/helpers/quick-didit-client.ts';
import { seedSession } from '../../test/helpers/seed.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { loadErasureStatus, requestErasure, runErasure, type ErasureDeps, type ErasureRequester } from './erasure.ts';
import { listErasuresWithoutJob } from './erasure.repository.ts';
import { erasureHandlers } from './erasure.tasks.ts';
import { vendorDataHash } from './pseudonym.ts';
import { isErased } from './tombstone.ts';

const SECRET = 'erasure-service-secret-001';

let sandbox: RunningSandbox;
let ctx: AppContext;
let deps: ErasureDeps & AppContext;
let baseUrl: string;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 19 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: SECRET,
  }));
  // The console's client with short backoffs, so failure paths finish quickly.
  deps = {
    ...ctx,
    didit: quickDiditClient(ctx, sandbox, { maxAttempts: 2 }),
  };
  baseUrl = await startTestServer(ctx);
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
});
afterAll(async () => {
  await sandbox.stop();
});

const admin: Actor = { kind: 'user', id: randomUUID(), label: 'dpo@example.test', role: 'admin' };
const byAdmin: ErasureRequester = { actor: admin, label: admin.label };
const person = () => `person-${randomUUID()}`;
const reference = () => `DSAR-${randomUUID().slice(0, 8)}`;

/** A session decided at Didit (the sandbox) only. */
function atDidit(vendorData: string): string {
  const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: vendorData }), 'session_id');
  sandbox.completeSession(id, { capture: 'match' });
  return id;
}

/** A session decided at Didit and stored here too, with a note of an analyst. */
async function stored(vendorData: string): Promise<string> {
  const id = atDidit(vendorData);
  await repairSessionFromDidit(deps, id);
  await ctx.db
    .insertInto('review_event')
    .values({ session_id: id, kind: 'note', actor_label: 'analyst@example.test', note: `Spoke to ${vendorData} on the phone` })
    .execute();
  return id;
}

const sessionRow = (id: string) => ctx.db.selectFrom('verification_session').selectAll().where('id', '=', id).executeTakeFirst();
const erasureSessions = (requestId: number) =>
  ctx.db.selectFrom('erasure_session').selectAll().where('request_id', '=', requestId).orderBy('session_id').execute();
const requestRow = (id: number) =>
  ctx.db.selectFrom('erasure_request').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const deletesOf = (id: string) =>
  sandbox
    .requests()
    .filter((r) => r.method === 'DELETE' && r.path === `/v3/session/${id}/delete/`)
    .map((r) => r.status);
const runJobs = () => runJobsOnce(ctx.pool, taskList(erasureHandlers(deps)));

interface JobRow {
  id: string;
  attempts: number;
  last_error: string | null;
}
async function jobOf(requestId: number): Promise<JobRow | undefined> {
  const { rows } = await sql<JobRow>`select id::text, attempts, last_error from graphile_worker._private_jobs
                                      where key = ${`erasure:${requestId}`}`.execute(ctx.db);
  return rows[0];
}
/** The job's backoff is over (graphile-worker's clock is the database's: moved by hand, not waited for). */
async function makeDue(requestId: number): Promise<void> {
  const job = await jobOf(requestId);
  if (job) await sql`select graphile_worker.reschedule_jobs(array[${job.id}::bigint], run_at => now())`.execute(ctx.db);
}

describe("erasing a person's sessions", () => {
  it('removes their personal data here at once, then deletes every session at Didit, including ones never stored here', async () => {
    const vendorData = person();
    const [first, second] = [await stored(vendorData), await stored(vendorData)];
    const onlyAtDidit = atDidit(vendorData);
    const someoneElse = await stored(person());
    // A delivery about the person still waiting in the inbox.
    const pending = sessionEvent({ sessionId: first, status: 'Approved', extra: { vendor_data: vendorData } });
    expect((await postDelivery(baseUrl, signedDelivery(pending, SECRET))).status).toBe(200);
    const now = new Date('2026-12-03T10:00:00Z');

    const requested = await requestErasure(deps, { sessionId: first, scope: 'person' }, 'DSAR-2026-0042', byAdmin, now);
    expect(requested).toMatchObject({ resumed: false, removed: { sessions: 2, notes: 2, webhookBodies: 1 } });

    for (const id of [first, second]) {
      const row = await sessionRow(id);
      expect(row).toMatchObject({
        decision: null,
        media: {},
        vendor_data: null,
        vendor_data_hash: vendorDataHash(vendorData),
        personal_data_removal: 'erasure',
        personal_data_removed_at: now,
      });
      // Scores and statuses stay: they name no one.
      expect(row?.status).toBe('Approved');
      expect(row?.liveness_score).not.toBeNull();
    }
    const notes = await ctx.db
      .selectFrom('review_event')
      .select(['note', 'note_removed_at'])
      .where('session_id', 'in', [first, second])
      .execute();
    expect(notes).toEqual([
      { note: null, note_removed_at: now },
      { note: null, note_removed_at: now },
    ]);
    const inbox = await ctx.db.selectFrom('webhook_event').selectAll().where('session_id', '=', first).executeTakeFirstOrThrow();
    expect(inbox).toMatchObject({ payload: {}, raw_body: null, payload_removed_at: now, processed_at: now });
    expect((await sessionRow(someoneElse))?.vendor_data).not.toBeNull();
    // The plaintext is held only until Didit's list has been searched; the job is queued.
    expect(await requestRow(requested.requestId)).toMatchObject({
      vendor_data: vendorData,
      didit_searched_at: null,
      completed_at: null,
    });
    expect(await jobOf(requested.requestId)).toMatchObject({ attempts: 0 });

    await runJobs();

    const request = await requestRow(requested.requestId);
    expect(request).toMatchObject({ vendor_data: null, last_error: null });
    expect(request.didit_searched_at).not.toBeNull();
    expect(request.completed_at).not.toBeNull();
    expect((await erasureSessions(requested.requestId)).map((s) => [s.session_id, s.didit_state])).toEqual(
      [first, second, onlyAtDidit].sort().map((id) => [id, 'deleted']),
    );
    for (const id of [first, second, onlyAtDidit]) {
      expect(deletesOf(id)).toEqual([200]);
      expect(sandbox.state.sessions.get(id)?.deleted).toBe(true);
    }
    expect(sandbox.state.sessions.get(someoneElse)?.deleted).toBe(false);
    expect(await isErased(ctx.db, onlyAtDidit)).toBe(true);
    expect(await jobOf(requested.requestId)).toBeUndefined();
    expect(await loadErasureStatus(ctx.db, requested.requestId)).toMatchObject({
      reference: 'DSAR-2026-0042',
      scope: 'person',
      state: 'completed',
      diditSearch: 'done',
      requestedBy: 'dpo@example.test',
      counts: { total: 3, pending: 0, deleted: 3, gone: 0, failed: 0 },
    });

    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_label', 'target_type', 'target_id', 'details'])
      .where('target_type', '=', 'erasure_request')
      .where('target_id', '=', String(requested.requestId))
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      {
        action: 'privacy.erasure_requested',
        actor_label: 'dpo@example.test',
        target_type: 'erasure_request',
        target_id: String(requested.requestId),
        details: expect.objectContaining({ reference: 'DSAR-2026-0042', scope: 'person', resumed: false, sessionsKnown: 2 }),
      },
      {
        action: 'privacy.erasure_completed',
        actor_label: 'console',
        target_type: 'erasure_request',
        target_id: String(requested.requestId),
        details: { reference: 'DSAR-2026-0042', sessions: 3, deleted: 3, gone: 0 },
      },
    ]);
  });

  it('waits for a sync of a session it finds at Didit that is under way, then removes what that sync stored', async () => {
    const vendorData = person();
    // The workflow is known here (a session of it was read from Didit).
    await stored(person());
    const hidden = atDidit(vendorData);
    const { requestId } = await requestErasure(deps, { vendorData }, reference(), byAdmin);
    // A delivery about the session is being applied: it checked the tombstone (none yet) and holds the session's sync lock.
    let commitSync = () => {};
    let syncHolds = () => {};
    const holding = new Promise<void>((resolve) => (syncHolds = resolve));
    const sync = ctx.db.transaction().execute(async (trx) => {
      await lockSessionForSync(trx, hidden);
      await seedSession(trx, { id: hidden, workflowId, vendorData, status: 'Approved' });
      syncHolds();
      await new Promise<void>((resolve) => (commitSync = resolve));
    });
    await holding;
    const erasing = runErasure(deps, requestId);
    // The erasure waits on the session's sync lock instead of removing nothing and letting the sync commit after it.
    await vi.waitFor(async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks
                                                  where locktype = 'advisory' and not granted`.execute(ctx.db);
      expect(rows[0]?.n).toBeGreaterThan(0);
    });
    commitSync();
    await sync;
    expect((await erasing).status).toMatchObject({ state: 'completed' });
    expect(await sessionRow(hidden)).toMatchObject({
      vendor_data: null,
      decision: null,
      media: {},
      personal_data_removal: 'erasure',
    });
    expect(await isErased(ctx.db, hidden)).toBe(true);
  });

  it('names the request, never the person, in the audit trail, the jobs and the request itself', async () => {
    const vendorData = person();
    const id = await stored(vendorData);
    atDidit(vendorData);
    const { requestId } = await requestErasure(deps, { vendorData }, reference(), { actor: null, label: 'cli (dpo)' });
    await runJobs();
    expect((await loadErasureStatus(ctx.db, requestId))?.state).toBe('completed');
    const { rows } = await sql<{ n: number }>`
      select (select count(*) from audit_log where details::text like ${`%${vendorData}%`}
                                             or coalesce(target_id, '') like ${`%${vendorData}%`})
           + (select count(*) from erasure_request where coalesce(vendor_data, '') || reference like ${`%${vendorData}%`})
           + (select count(*) from graphile_worker._private_jobs
               where payload::text like ${`%${vendorData}%`} or coalesce(last_error, '') like ${`%${vendorData}%`})
           + (select count(*) from verification_session where id = ${id} and vendor_data is not null) as n`.execute(ctx.db);
    expect(Number(rows[0]?.n)).toBe(0);
    const requested = await ctx.db
      .selectFrom('audit_log')
      .select(['actor_type', 'details'])
      .where('action', '=', 'privacy.erasure_requested')
      .where('target_id', '=', String(requestId))
      .executeTakeFirstOrThrow();
    expect(requested).toMatchObject({ actor_type: 'system', details: { requestedBy: 'cli (dpo)' } });
  });

  it("counts Didit's 404 as done: a session Didit no longer has is confirmed gone", async () => {
    const id = await stored(person());
    sandbox.state.sessions.get(id)!.deleted = true; // deleted at Didit already (its own retention, another run)
    const { requestId } = await requestErasure(deps, { sessionId: id, scope: 'session' }, reference(), byAdmin);
    const { status, transientFailures } = await runErasure(deps, requestId);
    expect(transientFailures).toBe(0);
    expect(status).toMatchObject({
      state: 'completed',
      scope: 'session',
      diditSearch: 'not_needed',
      counts: { total: 1, gone: 1, deleted: 0 },
      sessions: [{ sessionId: id, diditState: 'gone', attempts: 1, lastError: null }],
    });
    expect(deletesOf(id)).toEqual([404]);
  });

  it('retries while Didit fails with 5xx, until Didit confirms the deletion', async () => {
    const vendorData = person();
    const id = await stored(vendorData);
    const { requestId } = await requestErasure(deps, { sessionId: id, scope: 'person' }, reference(), byAdmin);
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      await runJobs();
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    // Nothing confirmed: the job failed and waits for graphile-worker's retry; nothing was given up.
    const failed = await jobOf(requestId);
    expect(failed).toMatchObject({
      attempts: 1,
      last_error: expect.stringMatching(/not confirmed by Didit yet: deleting session/),
    });
    expect(await loadErasureStatus(ctx.db, requestId)).toMatchObject({
      state: 'in_progress',
      diditSearch: 'pending',
      lastError: expect.stringMatching(/server_error: Didit delete_session answered 503/),
      sessions: [{ sessionId: id, diditState: 'pending', attempts: 1, lastError: expect.stringMatching(/^server_error/) }],
    });
    expect((await requestRow(requestId)).vendor_data).toBe(vendorData);
    expect(deletesOf(id)).toEqual([503, 503]);

    // Didit is back; the retry comes due.
    await makeDue(requestId);
    await runJobs();
    expect(await loadErasureStatus(ctx.db, requestId)).toMatchObject({
      state: 'completed',
      diditSearch: 'done',
      lastError: null,
      sessions: [{ sessionId: id, diditState: 'deleted', attempts: 2, lastError: null }],
    });
    expect(deletesOf(id)).toEqual([503, 503, 200]);
    expect(await jobOf(requestId)).toBeUndefined();
  });

  it("marks a session Didit refuses (409 in_filed_report) failed with Didit's answer, and retries it when asked again", async () => {
    const vendorData = person();
    const [held, free] = [await stored(vendorData), await stored(vendorData)];
    sandbox.setFiledReport(held, 'report-7');
    const ref = reference();
    let requestId: number;
    try {
      ({ requestId } = await requestErasure(deps, { sessionId: held, scope: 'person' }, ref, byAdmin));
      await runJobs();
      const status = await loadErasureStatus(ctx.db, requestId);
      expect(status).toMatchObject({
        state: 'failed',
        lastError: 'Didit refused to delete 1 session; run the erasure again to retry.',
        counts: { total: 2, deleted: 1, failed: 1, pending: 0 },
      });
      expect(status?.sessions.find((s) => s.sessionId === held)).toMatchObject({
        diditState: 'failed',
        lastError: expect.stringMatching(/^bad_request: Didit delete_session answered 409: in_filed_report/),
      });
      expect(status?.sessions.find((s) => s.sessionId === free)?.diditState).toBe('deleted');
      // A refusal is not retried by itself: the job ended, and the sweep leaves the request to a person.
      expect(await jobOf(requestId)).toBeUndefined();
      expect(await listErasuresWithoutJob(ctx.db)).not.toContain(requestId);
    } finally {
      sandbox.setFiledReport(held, null);
    }

    const again = await requestErasure(deps, { sessionId: held, scope: 'person' }, ref, byAdmin);
    expect(again).toMatchObject({ requestId, resumed: true });
    await runJobs();
    expect(await loadErasureStatus(ctx.db, requestId)).toMatchObject({ state: 'completed', counts: { deleted: 2, failed: 0 } });
    expect(deletesOf(held)).toEqual([409, 200]);
    expect(deletesOf(free)).toEqual([200]);
  });

  it('is idempotent: asking again resumes the open request, and another reference is refused while it is open', async () => {
    const vendorData = person();
    const id = await stored(vendorData);
    const ref = reference();
    const first = await requestErasure(deps, { sessionId: id, scope: 'person' }, ref, byAdmin);
    const again = await requestErasure(deps, { vendorData }, ref, byAdmin);
    expect(again).toMatchObject({ requestId: first.requestId, resumed: true, removed: { sessions: 0 } });
    await expect(requestErasure(deps, { vendorData }, 'DSAR-other', byAdmin)).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
      details: { requestId: first.requestId, reference: ref },
    });
    await expect(requestErasure(deps, { sessionId: id, scope: 'session' }, 'DSAR-other', byAdmin)).rejects.toMatchObject({
      status: 409,
    });
    const open = await ctx.db
      .selectFrom('erasure_request')
      .select('id')
      .where('subject_hash', '=', vendorDataHash(vendorData))
      .execute();
    expect(open).toEqual([{ id: first.requestId }]);
    expect(await erasureSessions(first.requestId)).toHaveLength(1);
    await runJobs();
    expect(deletesOf(id)).toEqual([200]);
    // Once completed, the same person may be asked for again (a new request).
    const later = await requestErasure(deps, { vendorData }, 'DSAR-later', byAdmin);
    expect(later.requestId).not.toBe(first.requestId);
  });

  it('resumes after a crash mid-way: the sweep re-queues the request and only what is left is deleted', async () => {
    const vendorData = person();
    const ids = [await stored(vendorData), await stored(vendorData), atDidit(vendorData)];
    const { requestId } = await requestErasure(deps, { vendorData }, reference(), byAdmin);
    const crash = new Error('the worker process died');
    await expect(
      runErasure(deps, requestId, {
        onProgress: (progress) => {
          if (progress.kind === 'confirmed') throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const midway = await erasureSessions(requestId);
    expect(midway.map((s) => s.didit_state).sort()).toEqual(['deleted', 'pending', 'pending']);
    // The crashed process's job is lost with it.
    await sql`select graphile_worker.remove_job(${`erasure:${requestId}`})`.execute(ctx.db);
    expect(await listErasuresWithoutJob(ctx.db)).toContain(requestId);

    await enqueue(ctx.db, jobs.sweepErasures, {});
    await runJobs();
    expect(await loadErasureStatus(ctx.db, requestId)).toMatchObject({ state: 'completed', counts: { deleted: 3 } });
    for (const id of ids) expect(deletesOf(id)).toEqual([200]);
    expect(await listErasuresWithoutJob(ctx.db)).not.toContain(requestId);
  });

  it('never stores a later delivery about an erased session: marked processed, its body removed, nothing applied', async () => {
    const vendorData = person();
    const id = await stored(vendorData);
    const neverStored = atDidit(vendorData);
    const { requestId } = await requestErasure(deps, { vendorData }, reference(), byAdmin);
    await runJobs();
    expect((await loadErasureStatus(ctx.db, requestId))?.state).toBe('completed');

    for (const sessionId of [id, neverStored]) {
      const late = sessionEvent({ sessionId, status: 'Declined', extra: { vendor_data: vendorData } });
      expect((await postDelivery(baseUrl, signedDelivery(late, SECRET))).status).toBe(200);
      expect(await processSessionInbox(deps, sessionId)).toEqual({ rows: 1, outcomes: { erased: 1 } });
      const row = await ctx.db
        .selectFrom('webhook_event')
        .selectAll()
        .where('session_id', '=', sessionId)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ payload: {}, raw_body: null, next_attempt_at: null, parked_at: null });
      expect(row.processed_at).not.toBeNull();
      expect(row.payload_removed_at).not.toBeNull();
    }
    expect(await sessionRow(id)).toMatchObject({ status: 'Approved', decision: null, vendor_data: null });
    expect(await sessionRow(neverStored)).toBeUndefined();
  });
});
