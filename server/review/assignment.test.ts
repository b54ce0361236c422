import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { seedSession, seedUser, seedWorkflow } from '../../test/helpers/seed.ts';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import type { Actor } from '../auth/rbac.ts';
import { myAvailabilitySchema, teamAvailabilitySchema } from '../contract/assignment.ts';
import { queueQuerySchema } from '../contract/review.ts';
import { loadInsights } from '../insights/insights.service.ts';
import { assignOpenSessions } from './assignment.ts';
import { reviewReads } from './review.service.ts';

/**
 * Assignment and SLAs (issue 20, ADR 0020) against real Postgres: the assigner, availability,
 * caps and auto-assign over HTTP, and the queue's SLA fields under an injected clock.
 */
describe('assignment', () => {
  let app: SsoTestConsole;
  const { send, get } = signedInPeople(() => app.baseUrl);
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

  const assigned = async (ids: string[]) => {
    const rows = await app.ctx.db
      .selectFrom('verification_session')
      .select(['id', 'assigned_to'])
      .where('id', 'in', ids)
      .execute();
    return Object.fromEntries(rows.map((row) => [row.id, row.assigned_to]));
  };
  const available = (actor: Actor, maxAssigned: number | null = null) =>
    app.ctx.db
      .insertInto('analyst_availability')
      .values({ user_id: actor.id, available: true, max_assigned: maxAssigned })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ available: true, max_assigned: maxAssigned }))
      .execute();
  const run = () =>
    app.ctx.db.transaction().execute((trx) => assignOpenSessions(trx, app.ctx.config.review, new Date(), 'schedule'));
  const auditOf = (targetId: string) =>
    app.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'actor_label', 'details'])
      .where('target_id', '=', targetId)
      .orderBy('id')
      .execute();
  const autoAssignWorkflow = async () => {
    const id = await seedWorkflow(app.ctx.db, { label: 'Auto', slaMinutes: 100 });
    await app.ctx.db.updateTable('workflow').set({ auto_assign: true }).where('id', '=', id).execute();
    return id;
  };

  beforeAll(async () => {
    app = await startSsoTestConsole();
  });

  // Each test starts with nobody available and no auto-assign workflow with open sessions.
  beforeEach(async () => {
    await app.ctx.db.updateTable('analyst_availability').set({ available: false }).execute();
    await app.ctx.db.updateTable('workflow').set({ auto_assign: false }).execute();
  });

  it('assigns the oldest sessions to the least-loaded available analyst under their cap, audited as the console', async () => {
    const workflow = await autoAssignWorkflow();
    const manual = await seedWorkflow(app.ctx.db, { label: 'Manual' });
    const alice = await seedUser(app.ctx.db, 'alice.assign@example.test', 'analyst');
    const bob = await seedUser(app.ctx.db, 'bob.assign@example.test', 'lead');
    const away = await seedUser(app.ctx.db, 'away.assign@example.test', 'analyst');
    const viewer = await seedUser(app.ctx.db, 'viewer.assign@example.test', 'viewer');
    await available(alice, 2);
    await available(bob, 1);
    await available(viewer);
    await app.ctx.db.insertInto('analyst_availability').values({ user_id: away.id, available: false }).execute();
    const s = [];
    for (let i = 0; i < 5; i++)
      s.push(await seedSession(app.ctx.db, { workflowId: workflow, inReviewSince: minutesAgo(50 - i) }));
    const notAuto = await seedSession(app.ctx.db, { workflowId: manual, inReviewSince: minutesAgo(60) });

    const result = await run();

    // Three places (alice 2, bob 1): the three oldest, alternating by load; the two newest wait.
    expect(result.assigned.map((a) => a.sessionId)).toEqual([s[0], s[1], s[2]]);
    const byId = await assigned([...s, notAuto]);
    expect([byId[s[0]!], byId[s[1]!], byId[s[2]!]].sort()).toEqual([alice.id, alice.id, bob.id].sort());
    expect(byId[s[3]!]).toBeNull();
    expect(byId[s[4]!]).toBeNull();
    expect(byId[notAuto]).toBeNull();
    const entries = await auditOf(s[0]!);
    expect(entries).toEqual([
      {
        action: 'session.assigned',
        actor_type: 'system',
        actor_label: 'console',
        details: expect.objectContaining({ assignedTo: byId[s[0]!], trigger: 'schedule' }),
      },
    ]);
    // Nobody has room left: a second run assigns nothing.
    expect((await run()).assigned).toEqual([]);
  });

  it('never assigns a session twice when two runs go at once', async () => {
    const workflow = await autoAssignWorkflow();
    const carol = await seedUser(app.ctx.db, 'carol.assign@example.test', 'analyst');
    const dave = await seedUser(app.ctx.db, 'dave.assign@example.test', 'analyst');
    await available(carol, 3);
    await available(dave, 3);
    const s = [];
    for (let i = 0; i < 8; i++)
      s.push(await seedSession(app.ctx.db, { workflowId: workflow, inReviewSince: minutesAgo(30 - i) }));

    const [first, second] = await Promise.all([run(), run()]);

    const all = [...first.assigned, ...second.assigned];
    expect(all).toHaveLength(6);
    expect(new Set(all.map((a) => a.sessionId)).size).toBe(6);
    const counts = await app.ctx.db
      .selectFrom('verification_session')
      .select(['assigned_to', sql<number>`count(*)::int`.as('n')])
      .where('id', 'in', s)
      .where('assigned_to', 'is not', null)
      .groupBy('assigned_to')
      .execute();
    expect(counts.map((c) => c.n)).toEqual([3, 3]);
    const assignedAudits = await app.ctx.db
      .selectFrom('audit_log')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('action', '=', 'session.assigned')
      .where('target_id', 'in', s)
      .executeTakeFirstOrThrow();
    expect(assignedAudits.n).toBe(6);
  });

  it('lets an analyst mark themselves available, assigns to them, and hands back unclaimed sessions when they leave', async () => {
    const workflow = await autoAssignWorkflow();
    const s1 = await seedSession(app.ctx.db, { workflowId: workflow, inReviewSince: minutesAgo(20) });
    const s2 = await seedSession(app.ctx.db, { workflowId: workflow, inReviewSince: minutesAgo(10) });

    const on = await send('analyst@example.test', 'PUT', '/api/me/availability', { available: true });
    expect(on.status).toBe(200);
    expect(myAvailabilitySchema.parse(await bodyOf(on))).toMatchObject({ available: true, cap: 5, assigned: 0 });
    await run();
    const me = await app.ctx.db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', 'analyst@example.test')
      .executeTakeFirstOrThrow();
    expect(await assigned([s1, s2])).toEqual({ [s1]: me.id, [s2]: me.id });

    // The queue's "mine" includes what is assigned to me; claim-next takes it first.
    const mine = await get('analyst@example.test', '/api/queue?assignee=me');
    const page = (await bodyOf(mine)) as { items: { id: string; assignedTo: { label: string } | null }[] };
    expect(page.items.map((i) => i.id).sort()).toEqual([s1, s2].sort());
    expect(page.items[0]?.assignedTo?.label).toBe('analyst@example.test');
    const next = await send('analyst@example.test', 'POST', '/api/queue/claim-next', { filters: {} });
    expect(next.status).toBe(200);
    expect(((await bodyOf(next)) as { session: { id: string } }).session.id).toBe(s1);

    const off = await send('analyst@example.test', 'PUT', '/api/me/availability', { available: false });
    expect(myAvailabilitySchema.parse(await bodyOf(off))).toMatchObject({ available: false, released: 1, assigned: 1 });
    // The claimed one stays theirs; the other goes back.
    expect(await assigned([s1, s2])).toEqual({ [s1]: me.id, [s2]: null });
    expect((await auditOf(s2)).map((e) => [e.action, e.actor_label, e.details])).toEqual([
      ['session.assigned', 'console', expect.anything()],
      ['session.unassigned', 'analyst@example.test', { from: me.id, reason: 'unavailable' }],
    ]);
    expect((await auditOf(me.id)).filter((e) => e.action === 'analyst.availability_changed').map((e) => e.details)).toEqual([
      { from: false, to: true, released: 0 },
      { from: true, to: false, released: 1 },
    ]);
  });

  it('keeps a session assigned to an available analyst out of others’ claim-next until it passes its SLA', async () => {
    const workflow = await autoAssignWorkflow();
    const erin = await seedUser(app.ctx.db, 'erin.assign@example.test', 'analyst');
    await available(erin);
    const s = await seedSession(app.ctx.db, {
      workflowId: workflow,
      vendorData: 'assigned-to-erin',
      inReviewSince: minutesAgo(5),
    });
    await run();
    expect(await assigned([s])).toEqual({ [s]: erin.id });
    const filters = { q: 'assigned-to-erin' };
    expect((await send('analyst2@example.test', 'POST', '/api/queue/claim-next', { filters })).status).toBe(404);
    // Past due: anyone may take it, and the assignment ends, audited.
    await app.ctx.db
      .updateTable('verification_session')
      .set({ assignment_due_at: minutesAgo(1) })
      .where('id', '=', s)
      .execute();
    expect((await send('analyst2@example.test', 'POST', '/api/queue/claim-next', { filters })).status).toBe(200);
    expect(await assigned([s])).toEqual({ [s]: null });
    expect((await auditOf(s)).map((e) => e.action)).toEqual(['session.assigned', 'session.claimed', 'session.unassigned']);
  });

  it('lets leads see the team, set caps and switch auto-assign, audited; refuses others and bad input', async () => {
    const workflow = await seedWorkflow(app.ctx.db, { label: 'Switch me' });
    expect((await send('viewer@example.test', 'PUT', '/api/me/availability', { available: true })).status).toBe(403);
    expect((await send('analyst@example.test', 'PUT', '/api/me/availability', { available: 'yes' })).status).toBe(400);
    expect((await send('analyst@example.test', 'PUT', '/api/me/availability', {})).status).toBe(400);
    expect((await get('analyst@example.test', '/api/team/availability')).status).toBe(403);
    expect(
      (await send('analyst@example.test', 'PUT', `/api/workflows/${workflow}/auto-assign`, { autoAssign: true })).status,
    ).toBe(403);

    await send('analyst2@example.test', 'PUT', '/api/me/availability', { available: true });
    const team = teamAvailabilitySchema.parse(await bodyOf(await get('lead@example.test', '/api/team/availability')));
    const a2 = team.items.find((m) => m.label === 'analyst2@example.test')!;
    expect(a2).toMatchObject({ available: true, cap: 5, customCap: false, role: 'analyst' });
    expect(team.items.some((m) => m.label === 'viewer@example.test')).toBe(false);

    const cap = await send('lead@example.test', 'PUT', `/api/team/${a2.userId}/cap`, { maxAssigned: 2 });
    expect(cap.status).toBe(200);
    expect(await bodyOf(cap)).toMatchObject({ cap: 2, customCap: true });
    expect((await send('lead@example.test', 'PUT', `/api/team/${a2.userId}/cap`, { maxAssigned: -1 })).status).toBe(400);
    expect((await send('lead@example.test', 'PUT', `/api/team/not-a-uuid/cap`, { maxAssigned: 1 })).status).toBe(400);
    expect(
      (await send('lead@example.test', 'PUT', '/api/team/00000000-0000-4000-8000-000000000000/cap', { maxAssigned: 1 })).status,
    ).toBe(404);
    expect((await auditOf(a2.userId)).filter((e) => e.action === 'analyst.cap_changed').map((e) => e.details)).toEqual([
      { from: null, to: 2 },
    ]);

    const on = await send('lead@example.test', 'PUT', `/api/workflows/${workflow}/auto-assign`, { autoAssign: true });
    expect(on.status).toBe(200);
    expect(await bodyOf(on)).toEqual({ id: workflow, label: 'Switch me', autoAssign: true });
    const detail = (await bodyOf(await get('lead@example.test', `/api/workflows/${workflow}`))) as { autoAssign: boolean };
    expect(detail.autoAssign).toBe(true);
    expect((await auditOf(workflow)).map((e) => [e.action, e.details])).toEqual([
      ['workflow.auto_assign_changed', { from: false, to: true }],
    ]);
    expect(
      (
        await send('lead@example.test', 'PUT', '/api/workflows/00000000-0000-4000-8000-00000000abcd/auto-assign', {
          autoAssign: true,
        })
      ).status,
    ).toBe(404);
  });

  it('gives queue items their SLA due time and state by the injected clock, and their assignee', async () => {
    const workflow = await seedWorkflow(app.ctx.db, { label: 'Clocked', slaMinutes: 100 });
    const since = new Date('2026-12-01T10:00:00Z');
    const ids = {
      ok: await seedSession(app.ctx.db, { workflowId: workflow, vendorData: 'sla-clock-ok', inReviewSince: since }),
      risk: await seedSession(app.ctx.db, {
        workflowId: workflow,
        vendorData: 'sla-clock-risk',
        inReviewSince: new Date(since.getTime() - 85 * 60_000),
      }),
      late: await seedSession(app.ctx.db, {
        workflowId: workflow,
        vendorData: 'sla-clock-late',
        inReviewSince: new Date(since.getTime() - 120 * 60_000),
      }),
    };
    const frank = await seedUser(app.ctx.db, 'frank.assign@example.test', 'analyst');
    await app.ctx.db
      .updateTable('verification_session')
      .set({ assigned_to: frank.id, assigned_at: since })
      .where('id', '=', ids.risk)
      .execute();
    const reads = reviewReads(app.ctx.db, {
      settings: { ...app.ctx.config.review, sla: { businessHours: null, atRiskShare: 0.2 } },
      now: () => new Date('2026-12-01T10:01:00Z'),
    });
    const page = await reads.queuePage(queueQuerySchema.parse({ workflow }), frank);
    const item = (id: string) => page.items.find((i) => i.id === id)!;
    expect(item(ids.ok)).toMatchObject({ slaState: 'ok', slaDueAt: '2026-12-01T11:40:00.000Z', assignedTo: null });
    expect(item(ids.risk)).toMatchObject({
      slaState: 'at_risk',
      slaDueAt: '2026-12-01T10:15:00.000Z',
      assignedTo: { userId: frank.id, label: 'frank.assign@example.test' },
    });
    expect(item(ids.late)).toMatchObject({ slaState: 'breached', slaDueAt: '2026-12-01T09:40:00.000Z' });
    // "Mine" for frank: the session assigned to him.
    const mine = await reads.queuePage(queueQuerySchema.parse({ workflow, assignee: 'me' }), frank);
    expect(mine.items.map((i) => i.id)).toEqual([ids.risk]);
    // The insights page counts them per workflow, now.
    const insights = await loadInsights(app.ctx.db, { workflow }, new Date('2026-12-01T10:01:00Z'), {
      businessHours: null,
      atRiskShare: 0.2,
    });
    expect(insights.slaNow).toEqual([{ workflowId: workflow, open: 3, atRisk: 1, breached: 1 }]);
  });
});
