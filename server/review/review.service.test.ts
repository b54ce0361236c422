import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext } from '../../test/helpers/test-context.ts';
import { seedSession, seedUser, seedWorkflow } from '../../test/helpers/seed.ts';
import type { Actor } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { queueQuerySchema } from '../contract/review.ts';
import { countQueue, listQueue } from './queue.repository.ts';
import type { ReviewDeps, ReviewSettings } from './review-deps.ts';
import { reviewReads, reviewService } from './review.service.ts';

describe('review service', () => {
  let ctx: AppContext;
  let settings: ReviewSettings;
  let deps: ReviewDeps;
  let workflowId: string;
  let alice: Actor;
  let bob: Actor;
  let lead: Actor;
  const origin = { ip: '127.0.0.1' };

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    settings = ctx.config.review;
    deps = { settings };
    workflowId = await seedWorkflow(ctx.db);
    alice = await seedUser(ctx.db, 'alice@example.test', 'analyst');
    bob = await seedUser(ctx.db, 'bob@example.test', 'analyst');
    lead = await seedUser(ctx.db, 'lead@example.test', 'lead');
  });

  beforeEach(async () => {
    await sql`truncate review_event, verification_session cascade`.execute(ctx.db);
    await sql`delete from graphile_worker._private_jobs`.execute(ctx.db);
  });

  describe('claims', () => {
    it('refuses a session claimed by someone else, naming who and since when', async () => {
      const id = await seedSession(ctx.db, { workflowId });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, alice, origin));
      await expect(ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, bob, origin))).rejects.toMatchObject({
        status: 409,
        details: { reason: 'claimed_by_other', claimedBy: 'alice@example.test', since: expect.any(String) },
      });
    });

    it('lets anyone take over a claim that has been idle past the limit', async () => {
      const id = await seedSession(ctx.db, { workflowId });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, alice, origin));
      await ctx.db
        .updateTable('verification_session')
        .set({ claim_touched_at: new Date(Date.now() - (settings.claimIdleMinutes + 1) * 60_000) })
        .where('id', '=', id)
        .execute();
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, bob, origin));
      const row = await ctx.db
        .selectFrom('verification_session')
        .select('claimed_by')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.claimed_by).toBe(bob.id);
    });

    it('hands back the previous claim when an analyst claims another session', async () => {
      const first = await seedSession(ctx.db, { workflowId });
      const second = await seedSession(ctx.db, { workflowId });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(first, alice, origin));
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(second, alice, origin));
      const rows = await ctx.db.selectFrom('verification_session').select(['id', 'claimed_by']).execute();
      expect(rows.find((r) => r.id === first)?.claimed_by).toBeNull();
      expect(rows.find((r) => r.id === second)?.claimed_by).toBe(alice.id);
      const kinds = await ctx.db.selectFrom('review_event').select(['session_id', 'kind']).orderBy('id').execute();
      expect(kinds).toEqual([
        { session_id: first, kind: 'claim' },
        { session_id: first, kind: 'release' },
        { session_id: second, kind: 'claim' },
      ]);
    });

    it('refuses claims by API tokens: claims belong to people', async () => {
      const id = await seedSession(ctx.db, { workflowId });
      const token: Actor = { kind: 'token', id: '00000000-0000-4000-8000-00000000beef', label: 'ci', role: 'admin' };
      await expect(
        ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, token, origin)),
      ).rejects.toMatchObject({
        status: 403,
      });
    });

    it('lets a lead release a claim someone else holds, but not an analyst', async () => {
      const id = await seedSession(ctx.db, { workflowId });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, alice, origin));
      await expect(
        ctx.db.transaction().execute((trx) => reviewService(trx, deps).release(id, bob, origin)),
      ).rejects.toMatchObject({
        status: 409,
      });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).release(id, lead, origin));
      const row = await ctx.db
        .selectFrom('verification_session')
        .select('claimed_by')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.claimed_by).toBeNull();
    });
  });

  describe('claim next', () => {
    it('takes the oldest unclaimed session matching the view', async () => {
      const now = Date.now();
      const oldest = await seedSession(ctx.db, { workflowId, inReviewSince: new Date(now - 3_600_000) });
      await seedSession(ctx.db, { workflowId, inReviewSince: new Date(now - 60_000) });
      const oldestSpoofish = await seedSession(ctx.db, {
        workflowId,
        inReviewSince: new Date(now - 7_200_000),
        livenessScore: 20,
      });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(oldestSpoofish, bob, origin));
      const query = queueQuerySchema.parse({});
      const claimed = await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claimNext(query, alice, origin));
      expect(claimed).toBe(oldest);
      const filtered = queueQuerySchema.parse({ livenessMax: '30' });
      expect(
        await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claimNext(filtered, lead, origin)),
      ).toBeUndefined();
    });

    it('never gives two analysts pressing it at once the same session (100 trials)', async () => {
      for (let trial = 0; trial < 100; trial++) {
        await sql`truncate review_event, verification_session cascade`.execute(ctx.db);
        await seedSession(ctx.db, { workflowId, inReviewSince: new Date(Date.now() - 1000) });
        await seedSession(ctx.db, { workflowId, inReviewSince: new Date(Date.now() - 500) });
        const query = queueQuerySchema.parse({});
        const [a, b] = await Promise.all([
          ctx.db.transaction().execute((trx) => reviewService(trx, deps).claimNext(query, alice, origin)),
          ctx.db.transaction().execute((trx) => reviewService(trx, deps).claimNext(query, bob, origin)),
        ]);
        expect(a).toBeDefined();
        expect(b).toBeDefined();
        expect(a).not.toBe(b);
      }
    });
  });

  describe('decisions', () => {
    const decide = (
      actor: Actor,
      id: string,
      expectedVersion: number,
      decision: 'Approved' | 'Declined' = 'Approved',
      note?: string,
    ) =>
      ctx.db
        .transaction()
        .execute((trx) =>
          reviewService(trx, deps).recordDecision(
            id,
            actor,
            { decision, reason: decision === 'Approved' ? 'same_person' : 'different_person', note, expectedVersion },
            origin,
          ),
        );

    it('stores the decision, releases the claim, bumps the version and enqueues exactly one push, atomically', async () => {
      const inReviewSince = new Date('2026-11-02T09:00:00.000Z');
      const id = await seedSession(ctx.db, { workflowId, inReviewSince });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, alice, origin));
      const eventId = await decide(alice, id, 1);
      const session = await ctx.db.selectFrom('verification_session').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(session).toMatchObject({ version: 2, review_push_state: 'pending', claimed_by: null });
      const event = await ctx.db.selectFrom('review_event').selectAll().where('id', '=', eventId).executeTakeFirstOrThrow();
      expect(event).toMatchObject({
        kind: 'approve',
        actor_id: alice.id,
        actor_label: 'alice@example.test',
        reason_code: 'same_person',
        push_state: 'pending',
        session_version: 1,
        // What the insights page times from, and what tells an override.
        in_review_since: inReviewSince,
        from_status: 'In Review',
      });
      const jobs = await sql<{
        task_identifier: string;
        payload: unknown;
      }>`select t.identifier as task_identifier, j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id`.execute(
        ctx.db,
      );
      expect(jobs.rows).toEqual([{ task_identifier: 'push_review_decision', payload: { reviewEventId: eventId } }]);
      const audit = await ctx.db
        .selectFrom('audit_log')
        .select(['action', 'target_id'])
        .where('action', '=', 'session.decided')
        .execute();
      expect(audit).toContainEqual({ action: 'session.decided', target_id: id });
    });

    it('rejects a decision on a session changed since it was opened, with no side effects', async () => {
      const id = await seedSession(ctx.db, { workflowId });
      await ctx.db.updateTable('verification_session').set({ version: 3 }).where('id', '=', id).execute();
      await expect(decide(alice, id, 2)).rejects.toMatchObject({
        status: 409,
        details: { reason: 'version_mismatch', currentVersion: 3 },
      });
      expect(await ctx.db.selectFrom('review_event').selectAll().execute()).toEqual([]);
    });

    it('lets exactly one of two analysts deciding the same session win (100 trials), with one push job', async () => {
      for (let trial = 0; trial < 100; trial++) {
        await sql`truncate review_event, verification_session cascade`.execute(ctx.db);
        await sql`delete from graphile_worker._private_jobs`.execute(ctx.db);
        const id = await seedSession(ctx.db, { workflowId });
        const results = await Promise.allSettled([decide(alice, id, 1, 'Approved'), decide(bob, id, 1, 'Declined')]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected');
        expect(rejected?.reason).toMatchObject({ status: 409 });
        const jobs = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs`.execute(ctx.db);
        expect(jobs.rows[0]?.n).toBe(1);
      }
    });

    it('refuses a second decision while the first is still on its way to Didit', async () => {
      const id = await seedSession(ctx.db, { workflowId });
      await decide(alice, id, 1);
      await expect(decide(alice, id, 2, 'Declined')).rejects.toMatchObject({
        status: 409,
        details: { reason: 'decision_pending' },
      });
    });

    it('requires a note to override an automatic Declined, and refuses undecidable statuses', async () => {
      const declined = await seedSession(ctx.db, { workflowId, status: 'Declined' });
      await expect(decide(alice, declined, 1, 'Approved')).rejects.toMatchObject({
        status: 400,
        details: { issues: [{ path: 'note' }] },
      });
      await expect(decide(alice, declined, 1, 'Declined', 'again')).rejects.toMatchObject({
        status: 409,
        details: { reason: 'not_decidable' },
      });
      const overrideId = await decide(alice, declined, 1, 'Approved', 'Portrait is an old photo of the same person.');
      expect(
        await ctx.db
          .selectFrom('review_event')
          .select(['from_status', 'in_review_since'])
          .where('id', '=', overrideId)
          .executeTakeFirst(),
      ).toEqual({ from_status: 'Declined', in_review_since: null });
      const started = await seedSession(ctx.db, { workflowId, status: 'In Progress' });
      await expect(decide(alice, started, 1, 'Approved', 'x')).rejects.toMatchObject({
        status: 409,
        details: { reason: 'not_decidable' },
      });
    });

    it('refuses a decision on a session another analyst is working on', async () => {
      const id = await seedSession(ctx.db, { workflowId });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, bob, origin));
      await expect(decide(alice, id, 1)).rejects.toMatchObject({ status: 409, details: { reason: 'claimed_by_other' } });
    });

    it('rejects a reason code from the other list', async () => {
      const id = await seedSession(ctx.db, { workflowId });
      await expect(
        ctx.db
          .transaction()
          .execute((trx) =>
            reviewService(trx, deps).recordDecision(
              id,
              alice,
              { decision: 'Approved', reason: 'different_person', expectedVersion: 1 },
              origin,
            ),
          ),
      ).rejects.toMatchObject({ status: 400, details: { issues: [{ path: 'reason' }] } });
    });
  });

  describe('queue', () => {
    it('pages by keyset without skipping or repeating rows while new sessions arrive', async () => {
      const base = Date.now() - 10_000_000;
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push(await seedSession(ctx.db, { workflowId, inReviewSince: new Date(base + i * 1000) }));
      const scope = { actorId: alice.id, claimIdleMinutes: settings.claimIdleMinutes };
      const seen: string[] = [];
      let cursor: string | undefined;
      let page = 0;
      do {
        const result = await listQueue(ctx.db, queueQuerySchema.parse({ limit: '10', cursor }), scope);
        seen.push(...result.rows.map((r) => r.id));
        cursor = result.nextCursor ?? undefined;
        // A webhook inserts a newer session and updates an older one between pages.
        if (page++ === 0) await seedSession(ctx.db, { workflowId, inReviewSince: new Date() });
      } while (cursor);
      expect(seen.slice(0, 25)).toEqual(ids);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toHaveLength(26);
    });

    it('filters by warning, score range, method, assignee and vendor_data, and sorts by score', async () => {
      const a = await seedSession(ctx.db, {
        workflowId,
        livenessScore: 40,
        faceMatchScore: 80,
        warningCodes: ['LOW_LIVENESS_SCORE'],
        vendorData: 'user-42',
      });
      const b = await seedSession(ctx.db, {
        workflowId,
        livenessScore: 90,
        faceMatchScore: 60,
        warningCodes: ['LOW_FACE_MATCH_SIMILARITY'],
        method: 'FLASHING',
      });
      const c = await seedSession(ctx.db, {
        workflowId,
        livenessScore: 70,
        faceMatchScore: null,
        warningCodes: ['LOW_LIVENESS_SCORE'],
      });
      await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(b, alice, origin));
      const scope = { actorId: alice.id, claimIdleMinutes: settings.claimIdleMinutes };
      const ids = async (params: Record<string, string>) =>
        (await listQueue(ctx.db, queueQuerySchema.parse(params), scope)).rows.map((r) => r.id);
      expect(await ids({ warning: 'LOW_LIVENESS_SCORE', sort: 'liveness' })).toEqual([a, c]);
      expect(await ids({ livenessMin: '60', livenessMax: '80' })).toEqual([c]);
      expect(await ids({ method: 'FLASHING' })).toEqual([b]);
      expect(await ids({ assignee: 'me' })).toEqual([b]);
      expect((await ids({ assignee: 'unassigned' })).sort()).toEqual([a, c].sort());
      expect(await ids({ q: 'USER-4' })).toEqual([a]);
      expect(await ids({ q: '%' })).toEqual([]);
      expect(await ids({ sort: 'face_match', dir: 'desc' })).toEqual([a, b, c]);
      expect(await countQueue(ctx.db, queueQuerySchema.parse({}), scope, 2)).toEqual({ total: 2, capped: true });
    });

    it('returns each row with its warning codes, none as an empty list', async () => {
      const two = await seedSession(ctx.db, { workflowId, warningCodes: ['LOW_LIVENESS_SCORE', 'LOW_FACE_MATCH_SIMILARITY'] });
      const none = await seedSession(ctx.db, { workflowId, warningCodes: [] });
      const scope = { actorId: alice.id, claimIdleMinutes: settings.claimIdleMinutes };
      const { rows } = await listQueue(ctx.db, queueQuerySchema.parse({}), scope);
      expect(Object.fromEntries(rows.map((row) => [row.id, row.warning_codes]))).toEqual({
        [two]: ['LOW_LIVENESS_SCORE', 'LOW_FACE_MATCH_SIMILARITY'],
        [none]: [],
      });
    });
  });

  it('builds the session detail with thresholds in force, warnings, timeline and other sessions', async () => {
    const settingsWorkflow = await seedWorkflow(ctx.db, {
      settings: {
        features: [
          {
            feature: 'LIVENESS',
            config: { face_liveness_score_review_threshold: 70, face_liveness_score_decline_threshold: 50 },
          },
        ],
        face_match_score_review_threshold: 75,
        face_match_score_decline_threshold: 45,
      },
    });
    const earlier = await seedSession(ctx.db, { workflowId: settingsWorkflow, status: 'Approved', vendorData: 'user-7' });
    const id = await seedSession(ctx.db, { workflowId: settingsWorkflow, vendorData: 'user-7' });
    await ctx.db.transaction().execute((trx) => reviewService(trx, deps).claim(id, alice, origin));
    const detail = await reviewReads(ctx.db, deps).sessionDetail(id, alice);
    expect(detail.thresholds).toMatchObject({
      livenessReview: 70,
      livenessDecline: 50,
      faceMatchReview: 75,
      faceMatchDecline: 45,
    });
    expect(detail.warnings[0]).toMatchObject({ risk: 'LOW_FACE_MATCH_SIMILARITY', logType: 'warning' });
    expect(detail.timeline.map((t) => (t.source === 'console' ? t.kind : t.status))).toEqual(['claim']);
    expect(detail.otherSessions.map((s) => s.id)).toEqual([earlier]);
    expect(detail.allowed).toEqual({
      claim: false,
      release: true,
      decide: ['Approved', 'Declined', 'Resubmitted'],
      note: true,
      undo: false,
      escalate: true,
      deEscalate: false,
    });
    const forBob = await reviewReads(ctx.db, deps).sessionDetail(id, bob);
    expect(forBob.allowed).toEqual({
      claim: false,
      release: false,
      decide: [],
      note: true,
      undo: false,
      escalate: false,
      deEscalate: false,
    });
    expect(forBob.claim).toMatchObject({ label: 'alice@example.test' });
  });

  describe('the thresholds a session is drawn against are those it was scored under', () => {
    const applyVersion = async (workflow: string, version: number, appliedAt: Date, review: number, decline: number) =>
      (
        await ctx.db
          .insertInto('threshold_version')
          .values({
            workflow_id: workflow,
            version,
            liveness_review: review,
            liveness_decline: decline,
            face_match_review: review,
            face_match_decline: decline,
            reason: 'test',
            state: 'applied',
            applied_at: appliedAt,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;

    it('keeps an in-review session on the version it entered review under, and names the one in force now', async () => {
      const workflow = await seedWorkflow(ctx.db);
      const hourAgo = new Date(Date.now() - 3_600_000);
      const v1 = await applyVersion(workflow, 1, new Date(Date.now() - 7_200_000), 70, 50);
      const id = await seedSession(ctx.db, { workflowId: workflow, inReviewSince: hourAgo });
      const v2 = await applyVersion(workflow, 2, new Date(Date.now() - 60_000), 80, 60);
      const detail = await reviewReads(ctx.db, deps).sessionDetail(id, alice);
      expect(detail.thresholds).toEqual({
        versionId: v1,
        version: 1,
        livenessReview: 70,
        livenessDecline: 50,
        faceMatchReview: 70,
        faceMatchDecline: 50,
        source: 'version',
        nowInForce: { versionId: v2, version: 2 },
      });
      // A session that entered review after v2 is drawn against v2, with nothing to point out.
      const later = await seedSession(ctx.db, { workflowId: workflow });
      expect((await reviewReads(ctx.db, deps).sessionDetail(later, alice)).thresholds).toMatchObject({
        version: 2,
        faceMatchReview: 80,
        nowInForce: null,
      });
    });

    it('scored before any console version: the thresholds the first push replaced, not the settings Didit reports now', async () => {
      // Didit now reports the pushed values (85/65); the session went to review under 70/50.
      const workflow = await seedWorkflow(ctx.db, {
        settings: {
          face_liveness_score_review_threshold: 85,
          face_liveness_score_decline_threshold: 65,
          face_match_score_review_threshold: 85,
          face_match_score_decline_threshold: 65,
        },
      });
      const id = await seedSession(ctx.db, {
        workflowId: workflow,
        inReviewSince: new Date(Date.now() - 3_600_000),
        warningCodes: [],
      });
      const v1 = await applyVersion(workflow, 1, new Date(Date.now() - 60_000), 85, 65);
      await ctx.db
        .updateTable('threshold_version')
        .set({
          replaced_thresholds: JSON.stringify({
            livenessReview: 70,
            livenessDecline: 50,
            faceMatchReview: 70,
            faceMatchDecline: 50,
          }),
        })
        .where('id', '=', v1)
        .execute();
      expect((await reviewReads(ctx.db, deps).sessionDetail(id, alice)).thresholds).toEqual({
        versionId: null,
        version: null,
        livenessReview: 70,
        livenessDecline: 50,
        faceMatchReview: 70,
        faceMatchDecline: 50,
        source: 'didit_settings',
        nowInForce: { versionId: v1, version: 1 },
      });
    });

    it("takes Didit's own word from a threshold warning's additional_data", async () => {
      const workflow = await seedWorkflow(ctx.db);
      await applyVersion(workflow, 1, new Date(Date.now() - 7_200_000), 80, 60);
      const id = await seedSession(ctx.db, { workflowId: workflow, warningCodes: ['LOW_LIVENESS_SCORE'] });
      await ctx.db
        .updateTable('verification_session')
        .set({
          warnings: JSON.stringify([
            {
              feature: 'LIVENESS',
              risk: 'LOW_LIVENESS_SCORE',
              logType: 'warning',
              shortDescription: null,
              longDescription: null,
              nodeId: null,
              additionalData: { score: 58.6, review_threshold: 70, decline_threshold: 50 },
            },
          ]),
        })
        .where('id', '=', id)
        .execute();
      expect((await reviewReads(ctx.db, deps).sessionDetail(id, alice)).thresholds).toMatchObject({
        version: 1,
        livenessReview: 70,
        livenessDecline: 50,
        faceMatchReview: 80,
        faceMatchDecline: 60,
        source: 'didit_warnings',
      });
    });
  });
});
