import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedUser, seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { Actor } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import { insightsResponseSchema } from '../contract/insights.ts';
import type { SecondReviewPurpose, SecondReviewState } from '../db/schema.ts';
import { loadInsights } from './insights.service.ts';

/**
 * Agreement between first and second analysts on the insights page (issue 20) against a fixture
 * counted by hand. Reviews are `second_review` rows written directly, each with the decision
 * event it reviews and (once answered) the second analyst's `second_review` event.
 *
 * | review | workflow | purpose   | first | state     | answered  | codes        | counted in 02–03 |
 * |--------|----------|-----------|-------|-----------|-----------|--------------|------------------|
 * | r1     | A        | quality   | alice | agreed    | 02 10:00  | LOW          | yes, agreed      |
 * | r2     | A        | quality   | alice | disagreed | 02 11:00  | LOW, ATTACK  | yes; waits lead  |
 * | r3     | A        | four_eyes | alice | agreed    | 03 09:00  | —            | yes, agreed      |
 * | r4     | A        | four_eyes | bob   | resolved  | 03 10:00  | LOW          | yes              |
 * | r5     | A        | quality   | bob   | agreed    | 01 23:59  | LOW          | no (before)      |
 * | r6     | A        | quality   | bob   | agreed    | 04 00:00  | LOW          | no (after)       |
 * | r7     | A        | quality   | alice | withdrawn | 02 12:00  | LOW          | no (undone)      |
 * | r8     | A        | four_eyes | carol | open      |           | (held)       | open now         |
 * | r9     | A        | four_eyes | carol | open      |           | (not held)   | no: Didit decided|
 * | r10    | A        | quality   | carol | open      |           |              | open now         |
 * | r11    | B        | quality   | carol | agreed    | 03 11:00  | —            | yes, agreed      |
 * | r12    | B        | four_eyes | bob   | disagreed | 02 15:00  | ATTACK       | yes; waits lead  |
 * | r13    | B        | quality   | alice | open      |           |              | open now         |
 * | r14    | A        | quality   | bob   | disagreed | 01 08:00  | LOW          | no; waits lead   |
 *
 * carol has no email: she is known by her display name, "=Carol" (a formula to a spreadsheet).
 */
describe('second review agreement on the insights page', () => {
  let ctx: AppContext;
  let baseUrl: string;
  let alice: Actor;
  let bob: Actor;
  let carol: Actor;
  let lead: Actor;
  const wfA = randomUUID();
  const wfB = randomUUID();
  const wfC = randomUUID(); // no reviews at all
  const at = (iso: string) => new Date(`2026-11-${iso}:00.000Z`);
  const now = at('03T12:30');
  const tokens = { analyst: '', lead: '', viewer: '' };
  const LOW = 'LOW_FACE_MATCH_SIMILARITY';
  const ATTACK = 'LIVENESS_FACE_ATTACK';

  async function review(r: {
    workflowId: string;
    purpose: SecondReviewPurpose;
    first: Actor;
    firstVerdict: 'Approved' | 'Declined';
    state: SecondReviewState;
    second?: { actor: Actor; verdict: 'Approved' | 'Declined'; at: string };
    codes?: string[];
    held?: boolean;
  }): Promise<void> {
    const sessionId = await seedSession(ctx.db, {
      workflowId: r.workflowId,
      status: r.firstVerdict,
      warningCodes: r.codes ?? [],
    });
    if (r.held) {
      await ctx.db.updateTable('verification_session').set({ review_push_state: 'held' }).where('id', '=', sessionId).execute();
    }
    const decision = await ctx.db
      .insertInto('review_event')
      .values({
        session_id: sessionId,
        kind: r.firstVerdict === 'Approved' ? 'approve' : 'decline',
        actor_id: r.first.id,
        actor_label: r.first.label,
        from_status: 'In Review',
        push_state: r.held ? 'held' : 'confirmed',
        created_at: at('01T06:00'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const second = r.second
      ? await ctx.db
          .insertInto('review_event')
          .values({
            session_id: sessionId,
            kind: 'second_review',
            actor_id: r.second.actor.id,
            actor_label: r.second.actor.label,
            created_at: at(r.second.at),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      : null;
    await ctx.db
      .insertInto('second_review')
      .values({
        session_id: sessionId,
        workflow_id: r.workflowId,
        purpose: r.purpose,
        triggers: JSON.stringify([{ rule: r.purpose === 'quality' ? 'sample' : 'face_match_floor', detail: 'test' }]),
        decision_event_id: decision.id,
        first_actor_id: r.first.id,
        first_verdict: r.firstVerdict,
        warning_codes: r.codes ?? [],
        state: r.state,
        ...(r.second && second
          ? {
              second_event_id: second.id,
              second_actor_id: r.second.actor.id,
              second_verdict: r.second.verdict,
              answered_at: at(r.second.at),
            }
          : {}),
        ...(r.state === 'resolved' ? { resolved_by: lead.id, resolution: 'Declined', resolved_at: at('03T11:30') } : {}),
      })
      .execute();
  }

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    baseUrl = await startTestServer(ctx);
    await seedWorkflow(ctx.db, { id: wfA, label: 'Returning users' });
    await seedWorkflow(ctx.db, { id: wfB, label: 'Password reset' });
    await seedWorkflow(ctx.db, { id: wfC, label: 'Quiet' });
    alice = await seedUser(ctx.db, 'alice@example.test', 'analyst');
    bob = await seedUser(ctx.db, 'bob@example.test', 'analyst');
    lead = await seedUser(ctx.db, 'lead@example.test', 'lead');
    const carolRow = await ctx.db
      .insertInto('app_user')
      .values({ subject: 'sub-carol', issuer: 'http://idp.test', email: null, display_name: '=Carol', roles: ['analyst'] })
      .returning('id')
      .executeTakeFirstOrThrow();
    carol = { kind: 'user', id: carolRow.id, label: '=Carol', role: 'analyst' };
    for (const role of ['analyst', 'lead', 'viewer'] as const) tokens[role] = await createApiToken(ctx, role);

    const answer = (actor: Actor, verdict: 'Approved' | 'Declined', when: string) => ({ actor, verdict, at: when });
    const A = { workflowId: wfA };
    await review({ ...A, purpose: 'quality', first: alice, firstVerdict: 'Approved', state: 'agreed', second: answer(bob, 'Approved', '02T10:00'), codes: [LOW] }); // prettier-ignore
    await review({ ...A, purpose: 'quality', first: alice, firstVerdict: 'Declined', state: 'disagreed', second: answer(bob, 'Approved', '02T11:00'), codes: [LOW, ATTACK] }); // prettier-ignore
    await review({ ...A, purpose: 'four_eyes', first: alice, firstVerdict: 'Approved', state: 'agreed', second: answer(bob, 'Approved', '03T09:00') }); // prettier-ignore
    await review({ ...A, purpose: 'four_eyes', first: bob, firstVerdict: 'Approved', state: 'resolved', second: answer(alice, 'Declined', '03T10:00'), codes: [LOW] }); // prettier-ignore
    await review({ ...A, purpose: 'quality', first: bob, firstVerdict: 'Approved', state: 'agreed', second: answer(alice, 'Approved', '01T23:59'), codes: [LOW] }); // prettier-ignore
    await review({ ...A, purpose: 'quality', first: bob, firstVerdict: 'Approved', state: 'agreed', second: answer(alice, 'Approved', '04T00:00'), codes: [LOW] }); // prettier-ignore
    await review({ ...A, purpose: 'quality', first: alice, firstVerdict: 'Approved', state: 'withdrawn', second: answer(bob, 'Approved', '02T12:00'), codes: [LOW] }); // prettier-ignore
    await review({ ...A, purpose: 'four_eyes', first: carol, firstVerdict: 'Approved', state: 'open', held: true });
    await review({ ...A, purpose: 'four_eyes', first: carol, firstVerdict: 'Approved', state: 'open', held: false });
    await review({ ...A, purpose: 'quality', first: carol, firstVerdict: 'Declined', state: 'open' });
    const B = { workflowId: wfB };
    await review({ ...B, purpose: 'quality', first: carol, firstVerdict: 'Declined', state: 'agreed', second: answer(alice, 'Declined', '03T11:00') }); // prettier-ignore
    await review({ ...B, purpose: 'four_eyes', first: bob, firstVerdict: 'Approved', state: 'disagreed', second: answer(alice, 'Declined', '02T15:00'), codes: [ATTACK], held: true }); // prettier-ignore
    await review({ ...B, purpose: 'quality', first: alice, firstVerdict: 'Approved', state: 'open' });
    await review({ ...A, purpose: 'quality', first: bob, firstVerdict: 'Approved', state: 'disagreed', second: answer(alice, 'Declined', '01T08:00'), codes: [LOW] }); // prettier-ignore
  });

  const load = async (query: Record<string, string> = {}) =>
    (await loadInsights(ctx.db, { from: '2026-11-02', to: '2026-11-03', ...query }, now)).secondReview;

  it('counts reviews answered in the range and how many agreed, per purpose, with the open work now', async () => {
    const { totals } = await load();
    // Answered 02–03: r1 r2 r3 r4 r11 r12 (r5 before, r6 after, r7 withdrawn); agreed r1 r3 r11.
    // Four eyes: r3 r4 r12, agreed r3; open r8 (r9's decision is no longer held); r12 waits for a lead.
    // Quality: r1 r2 r11, agreed r1 r11; open r10 r13; r2 and r14 (answered before the range) wait for a lead.
    expect(totals).toEqual({
      answered: 6,
      agreed: 3,
      agreementRate: 0.5,
      open: 3,
      disagreementsWaiting: 3,
      byPurpose: {
        fourEyes: { answered: 3, agreed: 1, agreementRate: 1 / 3, open: 1, disagreementsWaiting: 1 },
        quality: { answered: 3, agreed: 2, agreementRate: 2 / 3, open: 2, disagreementsWaiting: 2 },
      },
    });
  });

  it('gives each first analyst their answered reviews and agreement, known by email or else display name', async () => {
    const { analysts } = await load();
    expect(analysts).toEqual([
      // r1 r2 r3: r1 and r3 agreed.
      { actorId: alice.id, label: 'alice@example.test', answered: 3, agreed: 2, agreementRate: 2 / 3 },
      // r4 r12: both disagreed.
      { actorId: bob.id, label: 'bob@example.test', answered: 2, agreed: 0, agreementRate: 0 },
      // r11 (her open reviews r8 r9 r10 are not answered).
      { actorId: carol.id, label: '=Carol', answered: 1, agreed: 1, agreementRate: 1 },
    ]);
  });

  it('counts a review under each warning code its session carried, and those without any under none', async () => {
    const { warningCodes } = await load();
    expect(warningCodes).toEqual([
      // r1 r2 r4: r1 agreed.
      { code: LOW, answered: 3, agreed: 1, agreementRate: 1 / 3 },
      // r2 r12: neither agreed.
      { code: ATTACK, answered: 2, agreed: 0, agreementRate: 0 },
      // r3 r11: both agreed.
      { code: null, answered: 2, agreed: 2, agreementRate: 1 },
    ]);
  });

  it('reads the range on answered_at, while open reviews and waiting disagreements are counted now', async () => {
    // 03 alone: r3 r4 r11.
    const day = await load({ from: '2026-11-03', to: '2026-11-03' });
    expect(day.totals).toMatchObject({ answered: 3, agreed: 2, open: 3, disagreementsWaiting: 3 });
    // One each: the order between them is the database's collation of the labels.
    expect(day.analysts.map((a) => [a.label, a.answered, a.agreed]).sort()).toEqual([
      ['=Carol', 1, 1],
      ['alice@example.test', 1, 1],
      ['bob@example.test', 1, 0],
    ]);
    // 01–04 takes r5 (01 23:59), r6 (04 00:00) and r14 (01 08:00) in too; r7 stays out, withdrawn.
    const wide = await load({ from: '2026-11-01', to: '2026-11-04' });
    expect(wide.totals).toMatchObject({ answered: 9, agreed: 5 });
    expect(wide.analysts.find((a) => a.actorId === bob.id)).toEqual({
      actorId: bob.id,
      label: 'bob@example.test',
      answered: 5, // r4 r5 r6 r12 r14
      agreed: 2, // r5 r6
      agreementRate: 0.4,
    });
  });

  it('narrows every figure, the open work included, to one workflow', async () => {
    const a = await load({ workflow: wfA });
    // Four eyes r3 r4 (r3 agreed), open r8; quality r1 r2 (r1 agreed), open r10, r2 and r14 wait.
    expect(a.totals).toEqual({
      answered: 4,
      agreed: 2,
      agreementRate: 0.5,
      open: 2,
      disagreementsWaiting: 2,
      byPurpose: {
        fourEyes: { answered: 2, agreed: 1, agreementRate: 0.5, open: 1, disagreementsWaiting: 0 },
        quality: { answered: 2, agreed: 1, agreementRate: 0.5, open: 1, disagreementsWaiting: 2 },
      },
    });
    expect(a.analysts.map((r) => [r.label, r.answered, r.agreed])).toEqual([
      ['alice@example.test', 3, 2],
      ['bob@example.test', 1, 0],
    ]);
    expect(a.warningCodes.map((r) => [r.code, r.answered, r.agreed])).toEqual([
      [LOW, 3, 1],
      [ATTACK, 1, 0],
      [null, 1, 1],
    ]);
  });

  it('has no rate where nothing was answered', async () => {
    const quiet = await load({ workflow: wfC });
    const none = { answered: 0, agreed: 0, agreementRate: null, open: 0, disagreementsWaiting: 0 };
    expect(quiet).toEqual({
      totals: { ...none, byPurpose: { fourEyes: none, quality: none } },
      analysts: [],
      warningCodes: [],
    });
  });

  const get = (role: keyof typeof tokens, path: string) => fetch(`${baseUrl}${path}`, { headers: authHeaders(tokens[role]) });

  it('serves the figures to leads only, in the insights answer', async () => {
    expect((await get('analyst', '/api/insights?from=2026-11-02&to=2026-11-03')).status).toBe(403);
    expect((await get('viewer', '/api/insights?from=2026-11-02&to=2026-11-03')).status).toBe(403);
    expect((await get('analyst', '/api/insights?format=csv&section=second-review-analysts')).status).toBe(403);
    const ok = await get('lead', `/api/insights?from=2026-11-02&to=2026-11-03&workflow=${wfB}`);
    expect(ok.status).toBe(200);
    const body = insightsResponseSchema.parse(await bodyOf(ok));
    // B: r11 (agreed) and r12 (disagreed); r13 open; r12 waits for a lead.
    expect(body.secondReview.totals).toMatchObject({
      answered: 2,
      agreed: 1,
      agreementRate: 0.5,
      open: 1,
      disagreementsWaiting: 1,
    });
  });

  it('downloads both tables as CSV, neutralising formula-like names, on the audit trail', async () => {
    const res = await get('lead', '/api/insights?from=2026-11-02&to=2026-11-03&format=csv&section=second-review-analysts');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="insights-second-review-analysts-2026-11-02-2026-11-03.csv"',
    );
    expect((await res.text()).split('\r\n')).toEqual([
      'analyst,answered,agreed,agreement_rate',
      `alice@example.test,3,2,${2 / 3}`,
      'bob@example.test,2,0,0',
      "'=Carol,1,1,1",
      '',
    ]);

    const codes = await get(
      'lead',
      `/api/insights?from=2026-11-03&to=2026-11-03&workflow=${wfA}&format=csv&section=second-review-warning-codes`,
    );
    expect(codes.status).toBe(200);
    // 03 in A: r3 (no codes, agreed) and r4 (LOW, resolved).
    expect((await codes.text()).split('\r\n')).toEqual([
      'warning_code,answered,agreed,agreement_rate',
      `${LOW},1,0,0`,
      'none,1,1,1',
      '',
    ]);

    const exported = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', '=', 'insights.exported')
      .orderBy('id')
      .execute();
    expect(exported.map((row) => row.details)).toEqual([
      { section: 'second-review-analysts', from: '2026-11-02', to: '2026-11-03', workflowId: null },
      { section: 'second-review-warning-codes', from: '2026-11-03', to: '2026-11-03', workflowId: wfA },
    ]);
  });
});
