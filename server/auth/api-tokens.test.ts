import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { createApiToken as createTokenRecord, hashToken, revokeApiToken } from './api-tokens.ts';

describe('API tokens', () => {
  let ctx: AppContext;
  let baseUrl: string;
  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    baseUrl = await startTestServer(ctx);
  });

  it('prints the token once and stores only its hash', async () => {
    const token = await createApiToken(ctx, 'analyst', 'hash-check');
    expect(token).toMatch(/^rct_[A-Za-z0-9_-]{43}$/);
    const row = await ctx.db.selectFrom('api_token').selectAll().where('name', '=', 'hash-check').executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(10));
    expect(row.role).toBe('analyst');
  });

  it('reads /api/me with a bearer token and reports the token and its capabilities', async () => {
    const token = await createApiToken(ctx, 'analyst', 'ci-reader');
    const res = await fetch(`${baseUrl}/api/me`, { headers: authHeaders(token) });
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body.user).toMatchObject({ kind: 'token', label: 'ci-reader', role: 'analyst' });
    expect(body.capabilities).toContain('session.decide');
    expect(body.capabilities).not.toContain('threshold.propose');
  });

  it('attributes every use of a token to its name in the audit log', async () => {
    const token = await createApiToken(ctx, 'viewer', 'nightly-export');
    await fetch(`${baseUrl}/api/me`, { headers: authHeaders(token) });
    await expect
      .poll(() =>
        ctx.db
          .selectFrom('audit_log')
          .select(['actor_type', 'actor_label', 'target_id', 'details'])
          .where('action', '=', 'token.used')
          .where('actor_label', '=', 'nightly-export')
          .execute(),
      )
      .toEqual([{ actor_type: 'token', actor_label: 'nightly-export', target_id: 'GET /api/me', details: { status: 200 } }]);
    const created = await ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'details'])
      .where('action', '=', 'token.created')
      .where('target_type', '=', 'api_token')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(created.details).toMatchObject({ name: 'nightly-export', role: 'viewer', via: 'test' });
  });

  it('refuses a missing, malformed or unknown token with 401', async () => {
    expect((await fetch(`${baseUrl}/api/me`)).status).toBe(401);
    const malformed = await fetch(`${baseUrl}/api/me`, { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
    expect((await bodyOf(malformed)).error.code).toBe('unauthenticated');
    const unknown = await fetch(`${baseUrl}/api/me`, { headers: authHeaders(`rct_${'A'.repeat(43)}`) });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('refuses a token once it has expired', async () => {
    const { token, record } = await createTokenRecord(ctx.db, {
      name: 'short-lived',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 60_000),
      createdBy: null,
    });
    expect((await fetch(`${baseUrl}/api/me`, { headers: authHeaders(token) })).status).toBe(200);
    await sql`update api_token set expires_at = now() - interval '1 second' where id = ${record.id}`.execute(ctx.db);
    expect((await fetch(`${baseUrl}/api/me`, { headers: authHeaders(token) })).status).toBe(401);
  });

  it('refuses a token on the next request after it is revoked', async () => {
    const token = await createApiToken(ctx, 'lead', 'to-revoke');
    expect((await fetch(`${baseUrl}/api/me`, { headers: authHeaders(token) })).status).toBe(200);
    await revokeApiToken(ctx.db, 'to-revoke', null, 'test');
    expect((await fetch(`${baseUrl}/api/me`, { headers: authHeaders(token) })).status).toBe(401);
    const revoked = await ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'token.revoked')
      .where(sql<string>`details ->> 'name'`, '=', 'to-revoke')
      .executeTakeFirstOrThrow();
    expect(revoked.details).toMatchObject({ name: 'to-revoke', via: 'test' });
  });

  it('refuses a second live token with the same name, and allows the name again after revocation', async () => {
    await createApiToken(ctx, 'viewer', 'reused-name');
    await expect(createApiToken(ctx, 'viewer', 'reused-name')).rejects.toMatchObject({ code: 'conflict' });
    await revokeApiToken(ctx.db, 'reused-name', null);
    await expect(createApiToken(ctx, 'viewer', 'reused-name')).resolves.toMatch(/^rct_/);
  });
});
