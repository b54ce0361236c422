import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import type { Role } from './rbac.ts';

/**
 * Every role boundary named in the issue, checked over HTTP through the real authentication
 * middleware. Each test asserts the refusal (403 forbidden) for the role just below the line and
 * that the role on the line gets past the guard (any answer but 401/403), so removing a check
 * makes a test fail. The threshold boundaries (only leads propose and approve, never their own
 * proposal, never with a token) are in `thresholds/thresholds.routes.test.ts`, on the real routes.
 */

const someSessionId = '11111111-2222-4333-8444-555555555555';

describe('role boundaries on the real routes', () => {
  let ctx: AppContext;
  let baseUrl: string;
  const tokens = {} as Record<Role, string>;
  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    baseUrl = await startTestServer(ctx);
    for (const role of ['viewer', 'analyst', 'lead', 'admin'] as const) tokens[role] = await createApiToken(ctx, role);
  });
  const call = (role: Role, method: string, path: string, body?: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...authHeaders(tokens[role]), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const expectForbidden = async (res: Response) => {
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error.code).toBe('forbidden');
  };
  const expectPastTheGuard = (res: Response) => expect([401, 403]).not.toContain(res.status);

  it('a viewer cannot decide, note or claim; an analyst can reach those routes', async () => {
    const decision = { decision: 'Approved', reason: 'same_person', note: 'ok', expectedVersion: 1 };
    await expectForbidden(await call('viewer', 'POST', `/api/sessions/${someSessionId}/decision`, decision));
    await expectForbidden(await call('viewer', 'POST', `/api/sessions/${someSessionId}/notes`, { note: 'x' }));
    await expectForbidden(await call('viewer', 'POST', `/api/sessions/${someSessionId}/claim`));
    expectPastTheGuard(await call('analyst', 'POST', `/api/sessions/${someSessionId}/decision`, decision));
    expectPastTheGuard(await call('analyst', 'POST', `/api/sessions/${someSessionId}/notes`, { note: 'x' }));
  });

  it('an analyst cannot replay webhooks; a lead can', async () => {
    await expectForbidden(await call('analyst', 'POST', '/api/sync/webhooks/1/replay'));
    expectPastTheGuard(await call('lead', 'POST', '/api/sync/webhooks/1/replay'));
  });

  it('only leads and admins read the audit log', async () => {
    await expectForbidden(await call('viewer', 'GET', '/api/audit'));
    await expectForbidden(await call('analyst', 'GET', '/api/audit'));
    expect((await call('lead', 'GET', '/api/audit')).status).toBe(200);
    expect((await call('admin', 'GET', '/api/audit')).status).toBe(200);
  });

  it('no API token manages tokens, not even an admin one (a signed-in admin does: token-authority.test.ts)', async () => {
    await expectForbidden(await call('lead', 'GET', '/api/admin/tokens'));
    await expectForbidden(await call('lead', 'POST', '/api/admin/tokens', { name: 'by-lead', role: 'admin' }));
    await expectForbidden(await call('admin', 'GET', '/api/admin/tokens'));
    await expectForbidden(
      await call('admin', 'POST', '/api/admin/tokens', { name: 'by-admin', role: 'viewer', expiresInDays: 7 }),
    );
    const target = await ctx.db.selectFrom('api_token').select('id').executeTakeFirstOrThrow();
    await expectForbidden(await call('lead', 'POST', `/api/admin/tokens/${target.id}/revoke`));
    await expectForbidden(await call('admin', 'POST', `/api/admin/tokens/${target.id}/revoke`));
    const made = await ctx.db.selectFrom('api_token').select('id').where('name', 'in', ['by-lead', 'by-admin']).execute();
    expect(made).toHaveLength(0);
    const revoked = await ctx.db.selectFrom('api_token').select('id').where('revoked_at', 'is not', null).execute();
    expect(revoked).toHaveLength(0);
  });

  it('answers 401, not 403, to a same-origin request with no credentials', async () => {
    expect((await fetch(`${baseUrl}/api/audit`)).status).toBe(401);
    const res = await fetch(`${baseUrl}/api/sessions/${someSessionId}/decision`, {
      method: 'POST',
      headers: { origin: ctx.config.publicUrl, 'x-requested-with': 'review-console', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });
});
