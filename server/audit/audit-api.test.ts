import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from './audit.repository.ts';

const alice = { kind: 'user', id: '00000000-0000-4000-8000-00000000000a', label: 'alice@example.test', role: 'analyst' } as const;
const bob = { kind: 'user', id: '00000000-0000-4000-8000-00000000000b', label: 'bob@example.test', role: 'lead' } as const;

describe('GET /api/audit', () => {
  let ctx: AppContext;
  let baseUrl: string;
  let lead: string;
  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    baseUrl = await startTestServer(ctx);
    for (let i = 0; i < 7; i++) {
      await appendAudit(ctx.db, { actor: alice, action: 'session.media_viewed', targetType: 'session', targetId: `s-${i}` });
    }
    await appendAudit(ctx.db, {
      actor: bob,
      action: 'session.decided',
      targetType: 'session',
      targetId: 's-1',
      details: { decision: 'Approved' },
    });
    await appendAudit(ctx.db, { actor: bob, action: 'auth.login', targetType: 'user', targetId: bob.id });
    await appendAudit(ctx.db, { actor: { ...alice, label: '=HYPERLINK("http://evil")' }, action: 'auth.login' });
    lead = await createApiToken(ctx, 'lead', 'auditor');
  });
  const get = async (query: string) => {
    const res = await fetch(`${baseUrl}/api/audit${query}`, { headers: authHeaders(lead) });
    expect(res.status).toBe(200);
    return bodyOf(res);
  };

  it('filters by actor, action (or action family), target and time range', async () => {
    expect((await get('?actor=bob@example.test')).entries.map((e: { action: string }) => e.action)).toEqual([
      'auth.login',
      'session.decided',
    ]);
    expect((await get(`?actor=${alice.id}&action=session.media_viewed`)).entries).toHaveLength(7);
    expect((await get('?action=auth.*')).entries.every((e: { action: string }) => e.action.startsWith('auth.'))).toBe(true);
    const target = await get('?targetType=session&targetId=s-1');
    expect(target.entries.map((e: { action: string }) => e.action)).toEqual(['session.decided', 'session.media_viewed']);
    expect((await get(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).entries).toEqual([]);
    expect(
      (await get(`?to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&actor=bob@example.test`)).entries,
    ).toHaveLength(2);
    const bad = await fetch(`${baseUrl}/api/audit?from=yesterday-ish`, { headers: authHeaders(lead) });
    expect(bad.status).toBe(400);
  });

  it('pages newest first with a keyset cursor, without gaps or repeats', async () => {
    const seen: number[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page = await get(`?action=session.media_viewed&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.entries.map((e: { id: number }) => e.id));
      cursor = page.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(new Set(seen).size).toBe(7);
  });

  it('streams a CSV export that neutralises spreadsheet formulas, and records the export', async () => {
    const res = await fetch(`${baseUrl}/api/audit?format=csv&action=auth.login`, { headers: authHeaders(lead) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="audit-.*\.csv"/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,occurred_at,actor_type,actor_id,actor,action,target_type,target_id,ip,details');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    const exported = await ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'audit.exported')
      .executeTakeFirstOrThrow();
    expect(exported).toMatchObject({
      actor_type: 'token',
      actor_label: 'auditor',
      details: { filters: { action: 'auth.login' } },
    });
  });

  it('keeps the log append-only: the trigger refuses UPDATE and DELETE', async () => {
    await expect(sql`update audit_log set actor_label = 'someone-else'`.execute(ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(ctx.db)).rejects.toThrow(/append-only/);
  });
});
