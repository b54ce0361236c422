import { beforeAll, describe, expect, it } from 'vitest';
import { startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { addressGroup, FailedLoginAudit, type LoginFailureKind } from './failed-logins.ts';

/**
 * Issue #15, finding 11c: every refused callback appended a row to the hash-chained audit log, so
 * an anonymous client could add 30 rows a minute per address. Now each refusal is counted (metric)
 * and at most the first of a window and one summary per address and kind reach the audit log.
 */

async function failureRows(ctx: AppContext, where: { ip?: string } = {}) {
  let query = ctx.db
    .selectFrom('audit_log')
    .select(['ip', 'user_agent', 'details'])
    .where('action', '=', 'auth.login_failed')
    .orderBy('id');
  if (where.ip) query = query.where('ip', '=', where.ip);
  return query.execute();
}

const countOf = (rows: Array<{ details: Record<string, unknown> }>) =>
  rows.reduce((sum, row) => sum + Number(row.details.count), 0);

describe('refused sign-ins over HTTP', () => {
  let app: SsoTestConsole;
  beforeAll(async () => {
    app = await startSsoTestConsole();
  });

  const metricValue = async (kind: LoginFailureKind): Promise<number> =>
    (await app.ctx.metrics.authLoginFailures.get()).values.find((value) => value.labels.kind === kind)?.value ?? 0;

  it('writes one audit row for a burst of forged callbacks from one address, and counts every one', async () => {
    const before = await metricValue('state');
    const burst = 40;
    for (let i = 0; i < burst; i++) {
      const res = await fetch(`${app.baseUrl}/auth/callback?code=guess-${i}&state=forged-${i}`, {
        headers: { 'x-forwarded-for': '198.51.100.7', 'user-agent': 'burst-client' },
      });
      expect(res.status).toBe(400);
      await res.arrayBuffer();
    }
    const rows = await failureRows(app.ctx, { ip: '198.51.100.7' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      user_agent: 'burst-client',
      details: { kind: 'state', count: 1, reason: expect.stringContaining('state') },
    });
    expect((await metricValue('state')) - before).toBe(burst);
    // Another address is still seen at once.
    await fetch(`${app.baseUrl}/auth/callback?state=forged`, { headers: { 'x-forwarded-for': '198.51.100.8' } });
    expect(await failureRows(app.ctx, { ip: '198.51.100.8' })).toHaveLength(1);
  });

  it('keeps a caller-chosen IdP error out of the trail', async () => {
    const res = await fetch(`${app.baseUrl}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': '198.51.100.9' } });
    const cookie = res.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const state = new URL(res.headers.get('location') ?? '').searchParams.get('state');
    const callback = await fetch(
      `${app.baseUrl}/auth/callback?state=${state}&error=${encodeURIComponent('<script>x</script>'.repeat(50))}`,
      { headers: { cookie, 'x-forwarded-for': '198.51.100.9' } },
    );
    expect(callback.status).toBe(400);
    const [row] = await failureRows(app.ctx, { ip: '198.51.100.9' });
    expect(row?.details).toMatchObject({ kind: 'idp_error', reason: 'the identity provider answered (malformed error)' });
  });
});

describe('failure windows', () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ({ ctx } = await createTestContext());
  });

  it('writes the first refusal of a window at once and the rest as one summary once the window closes', async () => {
    let now = Date.parse('2026-11-30T10:00:00Z');
    const counted: LoginFailureKind[] = [];
    const audit = new FailedLoginAudit(ctx.db, { windowMs: 60_000, now: () => now, onFailure: (kind) => counted.push(kind) });
    const ip = '192.0.2.10';
    for (let i = 0; i < 25; i++) {
      await audit.record({ kind: 'oidc', reason: i % 2 ? 'nonce mismatch' : 'aud mismatch', ip, userAgent: 'x' });
      now += 1_000;
    }
    expect(counted).toHaveLength(25);
    expect(await failureRows(ctx, { ip })).toHaveLength(1);

    now = Date.parse('2026-11-30T10:01:00Z'); // the window has closed
    await audit.flushClosed();
    const rows = await failureRows(ctx, { ip });
    expect(rows).toHaveLength(2);
    expect(rows[1]?.details).toMatchObject({
      kind: 'oidc',
      count: 24,
      reasons: { 'nonce mismatch': 12, 'aud mismatch': 12 },
      windowStart: '2026-11-30T10:00:00.000Z',
      lastAt: '2026-11-30T10:00:24.000Z',
    });
    expect(countOf(rows)).toBe(25);

    // The next refusal opens a new window, and is seen at once again.
    await audit.record({ kind: 'oidc', reason: 'aud mismatch', ip, userAgent: 'x' });
    expect(await failureRows(ctx, { ip })).toHaveLength(3);
    // A closed window with nothing after its first refusal writes no summary.
    now += 60_000;
    await audit.flushClosed();
    expect(await failureRows(ctx, { ip })).toHaveLength(3);
  });

  it('bounds the rows of a window whatever the number of addresses', async () => {
    let now = Date.parse('2026-11-30T11:00:00Z');
    const audit = new FailedLoginAudit(ctx.db, { windowMs: 60_000, maxTracked: 3, now: () => now });
    const before = (await failureRows(ctx)).length;
    for (let i = 0; i < 200; i++) {
      await audit.record({
        kind: 'state',
        reason: 'unknown state',
        ip: `10.${(i >> 8) & 255}.${i & 255}.1`,
        userAgent: undefined,
      });
    }
    const during = (await failureRows(ctx)).slice(before);
    expect(during).toHaveLength(4); // three tracked addresses, and the overflow window's first
    now += 60_000;
    await audit.flushClosed();
    const all = (await failureRows(ctx)).slice(before);
    expect(all).toHaveLength(5);
    expect(all[4]?.details).toMatchObject({ count: 196, reasons: { 'unknown state': 196 } });
    expect(countOf(all)).toBe(200);
  });

  it('counts an IPv6 /64 as one address', async () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const audit = new FailedLoginAudit(ctx.db, { now: () => now });
    await audit.record({ kind: 'state', reason: 'unknown state', ip: '2001:db8:aa:1::1', userAgent: undefined });
    await audit.record({ kind: 'state', reason: 'unknown state', ip: '2001:db8:aa:1:ffff::2', userAgent: undefined });
    const rows = await ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'auth.login_failed')
      .where('ip', 'like', '2001:db8:aa:1:%')
      .execute();
    expect(rows).toHaveLength(1);
    expect(addressGroup('2001:db8:aa:1::1')).toBe('2001:db8:aa:1::/64');
    expect(addressGroup('2001:0db8:00aa:0001:0:0:0:9')).toBe('2001:db8:aa:1::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(addressGroup('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressGroup('192.0.2.1')).toBe('192.0.2.1');
  });
});
