import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedUser, seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { Actor } from '../auth/rbac.ts';
import type { AppContext } from '../context.ts';
import type { InsightsResponse } from '../contract/insights.ts';
import { vendorDataHash } from '../privacy/pseudonym.ts';
import { applySessionState } from '../sync/apply-session-state.ts';
import { loadInsights } from './insights.service.ts';

/**
 * The insights page's numbers against a fixture computed by hand (comments give the arithmetic).
 * Stays In Review go through `applySessionState`, the path Didit's webhooks take; decisions and
 * claims are review events written with the times the fixture needs.
 */
describe('insights over a hand-computed fixture', () => {
  let ctx: AppContext;
  let baseUrl: string;
  let alice: Actor;
  let bob: Actor;
  const wfA = randomUUID(); // SLA 60 min
  const wfB = randomUUID(); // SLA 240 min
  const ids = Object.fromEntries(['s1', 's2', 's3', 's4', 's5', 's6', 's7'].map((k) => [k, randomUUID()])) as Record<
    string,
    string
  >;
  const at = (iso: string) => new Date(`2026-11-${iso}:00.000Z`);
  const now = at('03T12:30');
  const tokens = { analyst: '', lead: '', viewer: '' };

  async function status(session: string, workflowId: string, next: string, when: string, vendorData?: string) {
    await ctx.db.transaction().execute((trx) =>
      applySessionState(trx, {
        sessionId: ids[session]!,
        status: next,
        eventAt: at(when),
        source: 'webhook',
        snapshot: null,
        workflowId,
        vendorData,
      }),
    );
  }
  async function event(
    session: string,
    actor: Actor,
    kind: 'claim' | 'approve' | 'decline',
    when: string,
    stay?: string,
    fromStatus = 'In Review',
  ) {
    await ctx.db
      .insertInto('review_event')
      .values({
        session_id: ids[session]!,
        kind,
        actor_id: actor.id,
        actor_label: actor.label,
        created_at: at(when),
        ...(kind === 'claim'
          ? {}
          : { in_review_since: stay ? at(stay) : null, from_status: fromStatus, push_state: 'confirmed' }),
      })
      .execute();
  }

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    baseUrl = await startTestServer(ctx);
    await seedWorkflow(ctx.db, { id: wfA, label: '=Returning users', slaMinutes: 60 });
    await seedWorkflow(ctx.db, { id: wfB, label: 'Password reset', slaMinutes: 240 });
    alice = await seedUser(ctx.db, 'alice@example.test', 'analyst');
    bob = await seedUser(ctx.db, 'bob@example.test', 'analyst');
    for (const role of ['analyst', 'lead', 'viewer'] as const) tokens[role] = await createApiToken(ctx, role);

    // s1 (A): in 02 09:00, alice claims 09:10, approves 09:30 (30 min), Didit confirms 09:31.
    await status('s1', wfA, 'In Review', '02T09:00', 'user-1');
    await event('s1', alice, 'claim', '02T09:10');
    await event('s1', alice, 'approve', '02T09:30', '02T09:00');
    await status('s1', wfA, 'Approved', '02T09:31');
    // s2 (A): in 09:00, bob claims 10:00, declines 10:30 (90 min: over A's 60-min SLA).
    await status('s2', wfA, 'In Review', '02T09:00');
    await event('s2', bob, 'claim', '02T10:00');
    await event('s2', bob, 'decline', '02T10:30', '02T09:00');
    await status('s2', wfA, 'Declined', '02T10:31');
    // s3 (A): in 10:00, alice claims 10:20, approves 11:00 (60 min: at the SLA, not over);
    // someone in Didit's console declines it the next day (decided again).
    await status('s3', wfA, 'In Review', '02T10:00');
    await event('s3', alice, 'claim', '02T10:20');
    await event('s3', alice, 'approve', '02T11:00', '02T10:00');
    await status('s3', wfA, 'Approved', '02T11:01');
    await status('s3', wfA, 'Declined', '03T09:30');
    // s4 (B): in 02 22:00, bob claims 03 01:00, declines 02:00 (240 min: at B's SLA).
    await status('s4', wfB, 'In Review', '02T22:00');
    await event('s4', bob, 'claim', '03T01:00');
    await event('s4', bob, 'decline', '03T02:00', '02T22:00');
    await status('s4', wfB, 'Declined', '03T02:01');
    // s5 (B): in 03 08:00, still waiting at 12:30.
    await status('s5', wfB, 'In Review', '03T08:00');
    // s6 (A): Didit declined it automatically; alice overrides to Approved without claiming.
    await seedSession(ctx.db, {
      id: ids.s6,
      workflowId: wfA,
      status: 'Approved',
      vendorData: 'user-6',
      diditCreatedAt: at('03T07:00'),
    });
    await event('s6', alice, 'approve', '03T09:00', undefined, 'Declined');
    // s7 (A): user-1 again, created 03 10:00, declined for a presentation attack: s1's approval is contradicted.
    await seedSession(ctx.db, {
      id: ids.s7,
      workflowId: wfA,
      status: 'Declined',
      vendorData: 'user-1',
      warningCodes: ['LIVENESS_FACE_ATTACK'],
      diditCreatedAt: at('03T10:00'),
    });
    // Seeded rows lack the keyed hash applySessionState writes (and insights link people by).
    for (const [id, vendorData] of [
      [ids.s6!, 'user-6'],
      [ids.s7!, 'user-1'],
    ] as const) {
      await ctx.db
        .updateTable('verification_session')
        .set({ vendor_data_hash: vendorDataHash(vendorData) })
        .where('id', '=', id)
        .execute();
    }
  });

  const load = (query: Record<string, string> = {}) =>
    loadInsights(ctx.db, { from: '2026-11-02', to: '2026-11-03', ...query }, now);

  it('times each stay from entering review to the first decision, with percentiles and SLA breaches', async () => {
    const { timeToDecision, range } = await load();
    expect(range).toEqual({ from: '2026-11-02', to: '2026-11-03', days: 2, workflowId: null });
    // [30, 60, 90, 240]: p50 = 60 + 0.5·30; p90 = 90 + 0.7·150; p99 = 90 + 0.97·150. Only s2 is over its SLA.
    expect(timeToDecision.overall).toEqual({ decisions: 4, p50Minutes: 75, p90Minutes: 195, p99Minutes: 235.5, breaches: 1 });
    // 02: [30, 60, 90]: p90 = 60 + 0.8·30, p99 = 60 + 0.98·30. 03: [240].
    expect(timeToDecision.byDay).toEqual([
      { day: '2026-11-02', decisions: 3, p50Minutes: 60, p90Minutes: 84, p99Minutes: 89.4, breaches: 1 },
      { day: '2026-11-03', decisions: 1, p50Minutes: 240, p90Minutes: 240, p99Minutes: 240, breaches: 0 },
    ]);
    expect(timeToDecision.byWorkflow).toEqual(
      expect.arrayContaining([
        { workflowId: wfA, decisions: 3, p50Minutes: 60, p90Minutes: 84, p99Minutes: 89.4, breaches: 1 },
        { workflowId: wfB, decisions: 1, p50Minutes: 240, p90Minutes: 240, p99Minutes: 240, breaches: 0 },
      ]),
    );
    expect(timeToDecision.byDayAndWorkflow.map((r) => [r.day, r.workflowId, r.decisions])).toEqual([
      ['2026-11-02', wfA, 3],
      ['2026-11-03', wfB, 1],
    ]);
  });

  it('counts sessions in review at each hour, and daily inflow and outflow', async () => {
    const { queueDepth, flow } = await load();
    // Marks from 02 00:00 to 03 12:00 (now is 12:30): 37 hours.
    expect(queueDepth.start).toBe('2026-11-02T00:00:00.000Z');
    expect(queueDepth.hours).toBe(37);
    expect(queueDepth.end).toBe('2026-11-03T12:30:00.000Z');
    const series = Object.fromEntries(queueDepth.series.map((s) => [s.workflowId, s.values]));
    // At 12:30: s5 alone.
    expect(Object.fromEntries(queueDepth.series.map((s) => [s.workflowId, s.current]))).toEqual({ [wfA]: 0, [wfB]: 1 });
    const a = new Array<number>(37).fill(0);
    a[9] = 2; // s1, s2 (entered at 09:00 exactly)
    a[10] = 2; // s2, s3 (s1 left 09:31)
    a[11] = 1; // s3 (left 11:01)
    expect(series[wfA]).toEqual(a);
    const b = new Array<number>(37).fill(0);
    for (let h = 22; h <= 26; h++) b[h] = 1; // s4 from 22:00 to 02:01 (03 02:00 is mark 26)
    for (let h = 32; h <= 36; h++) b[h] = 1; // s5 from 03 08:00 on
    expect(series[wfB]).toEqual(b);
    // By day, then workflow id (random here, so compared as a set within the day).
    expect(flow.map((r) => r.day)).toEqual(['2026-11-02', '2026-11-02', '2026-11-03']);
    expect(flow).toEqual(
      expect.arrayContaining([
        { day: '2026-11-02', workflowId: wfA, entered: 3, left: 3 },
        { day: '2026-11-02', workflowId: wfB, entered: 1, left: 0 },
        { day: '2026-11-03', workflowId: wfB, entered: 1, left: 1 },
      ]),
    );
  });

  it('gives each analyst their mix, handling time, overrides and contradicted decisions', async () => {
    const { analysts } = await load();
    expect(analysts).toEqual([
      // s1, s3, s6; handling 20 and 40 (s6 was never claimed); s6 overrides; s3 declined since; user-1 attacked after s1.
      {
        actorId: alice.id,
        label: 'alice@example.test',
        decisions: 3,
        approved: 3,
        declined: 0,
        perDay: 1.5,
        medianHandlingMinutes: 30,
        overrides: 1,
        decidedAgain: 1,
        laterAttack: 1,
      },
      // s2, s4; handling 30 and 60.
      {
        actorId: bob.id,
        label: 'bob@example.test',
        decisions: 2,
        approved: 0,
        declined: 2,
        perDay: 1,
        medianHandlingMinutes: 45,
        overrides: 0,
        decidedAgain: 0,
        laterAttack: 0,
      },
    ]);
  });

  it("still finds the user's later attack once retention removed vendor_data (linked by its keyed hash)", async () => {
    // Inside a transaction rolled back afterwards: the other tests keep the fixture as it is.
    const rollback = new Error('rollback');
    let analysts: InsightsResponse['analysts'] = [];
    const outcome = await ctx.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('verification_session').set({ vendor_data: null }).where('id', 'in', [ids.s1!, ids.s7!]).execute();
        ({ analysts } = await loadInsights(trx, { from: '2026-11-02', to: '2026-11-03' }, now));
        throw rollback;
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(rollback);
    expect(analysts.find((a) => a.actorId === alice.id)).toMatchObject({ laterAttack: 1 });
  });

  it('narrows every figure to one workflow and one day', async () => {
    const body = await load({ workflow: wfB, from: '2026-11-03', to: '2026-11-03' });
    expect(body.workflows.map((w) => w.id)).toEqual([wfB]);
    expect(body.timeToDecision.overall).toMatchObject({ decisions: 1, p50Minutes: 240 });
    expect(body.queueDepth.series).toEqual([{ workflowId: wfB, values: [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1], current: 1 }]);
    expect(body.analysts.map((a) => [a.label, a.decisions])).toEqual([['bob@example.test', 1]]);
  });

  it('gives each threshold version in force during the range its rates over the range', async () => {
    const version = (n: number, appliedAt: string) =>
      ctx.db
        .insertInto('threshold_version')
        .values({
          workflow_id: wfA,
          version: n,
          liveness_review: 70,
          liveness_decline: 50,
          reason: 'test',
          state: 'applied',
          applied_at: at(appliedAt),
        })
        .execute();
    await version(1, '02T10:00');
    await version(2, '05T00:00'); // after the range: not listed
    const { versions } = await load();
    // In force from 02 10:00: s2 (Declined 10:31) and s3 (Declined since 03 09:30); s1 was decided before it.
    expect(versions).toEqual([
      {
        workflowId: wfA,
        version: 1,
        appliedAt: at('02T10:00').toISOString(),
        sessions: 2,
        reviewRate: expect.any(Number),
        declineRate: 1,
      },
    ]);
    await ctx.db.deleteFrom('threshold_version').where('workflow_id', '=', wfA).execute();
  });

  const get = (role: keyof typeof tokens, path: string) => fetch(`${baseUrl}${path}`, { headers: authHeaders(tokens[role]) });

  it('serves leads only, and refuses a backwards or too long range and an unknown workflow', async () => {
    expect((await get('analyst', '/api/insights')).status).toBe(403);
    expect((await get('viewer', '/api/insights')).status).toBe(403);
    const ok = await get('lead', '/api/insights?from=2026-11-02&to=2026-11-03');
    expect(ok.status).toBe(200);
    expect(((await bodyOf(ok)) as InsightsResponse).timeToDecision.overall.decisions).toBe(4);

    const backwards = await get('lead', '/api/insights?from=2026-11-03&to=2026-11-02');
    expect(backwards.status).toBe(400);
    expect((await bodyOf(backwards)).error.message).toMatch(/from must be on or before `to`/);
    expect((await get('lead', '/api/insights?from=2026-01-01&to=2026-11-03')).status).toBe(400);
    expect((await get('lead', '/api/insights?from=yesterday')).status).toBe(400);
    expect((await get('lead', '/api/insights?colour=red')).status).toBe(400);
    const unknown = await get('lead', `/api/insights?workflow=${randomUUID()}`);
    expect(unknown.status).toBe(404);
  });

  it('downloads each table as CSV with the same numbers, neutralising formula-like text, on the audit trail', async () => {
    const res = await get('lead', '/api/insights?from=2026-11-02&to=2026-11-03&format=csv&section=time-to-decision');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="insights-time-to-decision-2026-11-02-2026-11-03.csv"',
    );
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('day,workflow_id,workflow,sla_minutes,decisions,p50_minutes,p90_minutes,p99_minutes,sla_breaches');
    expect(lines).toContain(`2026-11-02,${wfA},'=Returning users,60,3,60,84,89.4,1`);
    expect(lines).toContain('2026-11-03,all,all workflows,,1,240,240,240,0');

    const analysts = await (await get('lead', '/api/insights?from=2026-11-02&to=2026-11-03&format=csv&section=analysts')).text();
    expect(analysts).toContain('alice@example.test,3,3,0,1.5,30,1,1,1\r\n');
    expect((await get('lead', '/api/insights?format=csv&section=everything')).status).toBe(400);
    expect((await get('lead', '/api/insights?format=xml&section=flow')).status).toBe(400);
    const exported = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', '=', 'insights.exported')
      .execute();
    expect(exported.map((row) => row.details['section'])).toEqual(['time-to-decision', 'analysts']);
  });

  it('lets a lead set a workflow SLA, audited, and refuses others and bad values', async () => {
    const put = (role: keyof typeof tokens, id: string, body: unknown) =>
      fetch(`${baseUrl}/api/workflows/${id}/sla`, {
        method: 'PUT',
        headers: { ...authHeaders(tokens[role]), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put('analyst', wfB, { slaMinutes: 120 })).status).toBe(403);
    expect((await put('lead', wfB, { slaMinutes: 0 })).status).toBe(400);
    expect((await put('lead', wfB, { slaMinutes: 90.5 })).status).toBe(400);
    expect((await put('lead', wfB, { slaMinutes: '120' })).status).toBe(400);
    expect((await put('lead', wfB, { slaMinutes: 120, label: 'x' })).status).toBe(400);
    expect((await put('lead', randomUUID(), { slaMinutes: 120 })).status).toBe(404);
    const ok = await put('lead', wfB, { slaMinutes: 120 });
    expect(ok.status).toBe(200);
    expect(await bodyOf(ok)).toEqual({ id: wfB, label: 'Password reset', slaMinutes: 120 });
    const audit = await ctx.db.selectFrom('audit_log').select('details').where('action', '=', 'workflow.sla_changed').execute();
    expect(audit.map((row) => row.details)).toEqual([{ from: 240, to: 120 }]);
    // s4 took 240 minutes: over the new SLA.
    expect((await load({ workflow: wfB })).timeToDecision.overall.breaches).toBe(1);
    await put('lead', wfB, { slaMinutes: 240 });
  });
});
