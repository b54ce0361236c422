import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken as createCliToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { sameOriginHeaders, startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';

/**
 * Issue #15, finding 5: an API token made by an admin who later lost the role kept working, and
 * could create more admin tokens that survived the parent's revocation. Now a token is managed
 * only by a signed-in admin, works only while its creator holds a role at least as strong as its
 * own, and is revoked when its creator loses access.
 *
 * The dev IdP is shared by the file's tests, so each test that changes the admin's groups (or
 * disables them) puts them back before it ends.
 */

const admin = 'admin@example.test';

describe('API tokens carry no more than their creator lends them', () => {
  let app: SsoTestConsole;
  beforeAll(async () => {
    app = await startSsoTestConsole();
  });

  const signInAdmin = async (): Promise<TestBrowser> => {
    const browser = new TestBrowser();
    expect((await browser.signIn(app.baseUrl, admin)).status).toBe(303);
    return browser;
  };

  /** A token made in the web app by the signed-in admin, as the Tokens page does. */
  const createInWebApp = async (browser: TestBrowser, name: string, role: string): Promise<{ token: string; id: string }> => {
    const res = await browser.fetch(`${app.baseUrl}/api/admin/tokens`, {
      method: 'POST',
      headers: sameOriginHeaders(app.baseUrl),
      body: JSON.stringify({ name, role }),
    });
    expect(res.status).toBe(201);
    const body = await bodyOf(res);
    return { token: body.token, id: body.record.id };
  };

  const statusWith = async (token: string): Promise<number> => {
    const res = await fetch(`${app.baseUrl}/api/me`, { headers: authHeaders(token) });
    await res.arrayBuffer();
    return res.status;
  };

  /** Makes the admin's session re-check their groups with the IdP on its next request. */
  const ageRoleCheck = () =>
    sql`update http_session set sess = jsonb_set(sess::jsonb, '{login,rolesCheckedAt}', '0')::json
        where sess::jsonb #>> '{login,email}' = ${admin}`.execute(app.ctx.db);

  const restoreAdmin = async () => {
    app.idp.setDisabled(admin, false);
    app.idp.setGroups(admin, ['console-admins']);
    // Signing in again records the admin role the IdP grants again.
    await signInAdmin();
  };

  it('refuses to let an API token, even an admin one, create, list or revoke tokens', async () => {
    const browser = await signInAdmin();
    const parent = await createInWebApp(browser, 'parent-admin-token', 'admin');
    const sibling = await createInWebApp(browser, 'sibling-token', 'viewer');
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${app.baseUrl}${path}`, {
        method,
        headers: { ...authHeaders(parent.token), 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const minted = await call('POST', '/api/admin/tokens', { name: 'child-admin-token', role: 'admin' });
    expect(minted.status).toBe(403);
    expect((await bodyOf(minted)).error.code).toBe('forbidden');
    expect((await call('GET', '/api/admin/tokens')).status).toBe(403);
    expect((await call('POST', `/api/admin/tokens/${sibling.id}/revoke`)).status).toBe(403);

    const names = await app.ctx.db.selectFrom('api_token').select(['name', 'revoked_at']).execute();
    expect(names.map((row) => row.name)).not.toContain('child-admin-token');
    expect(names.find((row) => row.name === 'sibling-token')?.revoked_at).toBeNull();
    // The token is told what it may do: everything an admin may, except managing tokens.
    const me = await bodyOf(await call('GET', '/api/me'));
    expect(me.capabilities).toContain('audit.read');
    expect(me.capabilities).not.toContain('token.manage');
    // The signed-in admin still manages tokens.
    const list = await browser.fetch(`${app.baseUrl}/api/admin/tokens`);
    expect(list.status).toBe(200);
  });

  it('suspends a token while its creator holds a weaker role than the token, and resumes it when they hold it again', async () => {
    const browser = await signInAdmin();
    const adminToken = await createInWebApp(browser, 'nightly-admin-job', 'admin');
    const leadToken = await createInWebApp(browser, 'nightly-lead-job', 'lead');
    expect(await statusWith(adminToken.token)).toBe(200);
    try {
      // The IdP moves the admin to the leads; their session learns it at its next role check.
      app.idp.setGroups(admin, ['console-leads']);
      await ageRoleCheck();
      const me = await browser.fetch(`${app.baseUrl}/api/me`);
      expect((await bodyOf(me)).user.role).toBe('lead');

      expect(await statusWith(adminToken.token)).toBe(401);
      expect(await statusWith(leadToken.token)).toBe(200);
      // Suspended, not revoked: nothing was written to the token.
      const row = await app.ctx.db
        .selectFrom('api_token')
        .select('revoked_at')
        .where('id', '=', adminToken.id)
        .executeTakeFirstOrThrow();
      expect(row.revoked_at).toBeNull();
    } finally {
      await restoreAdmin();
    }
    expect(await statusWith(adminToken.token)).toBe(200);
  });

  it('revokes for good every token of a person whose groups no longer map to any role', async () => {
    const browser = await signInAdmin();
    const { token, id } = await createInWebApp(browser, 'leaver-job', 'viewer');
    expect(await statusWith(token)).toBe(200);
    try {
      app.idp.setGroups(admin, ['marketing']);
      await ageRoleCheck();
      expect((await browser.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
      expect(await statusWith(token)).toBe(401);
      const row = await app.ctx.db
        .selectFrom('api_token')
        .select(['revoked_at', 'revoked_by_label'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.revoked_at).not.toBeNull();
      expect(row.revoked_by_label).toBe('console (creator lost access)');
      const trail = await app.ctx.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'token.revoked')
        .where('target_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(trail.details).toMatchObject({ name: 'leaver-job', reason: 'no mapped role any more' });
    } finally {
      await restoreAdmin();
    }
    // Regaining the role does not bring a revoked token back.
    expect(await statusWith(token)).toBe(401);
  });

  it('revokes the tokens of a person who signs in again without any mapped group', async () => {
    const browser = await signInAdmin();
    const { token, id } = await createInWebApp(browser, 'moved-team-job', 'analyst');
    // Every token the admin still lends authority to, this one and any an earlier test left live.
    const live = await app.ctx.db
      .selectFrom('api_token')
      .innerJoin('app_user', 'app_user.id', 'api_token.created_by_id')
      .select('api_token.name')
      .where('app_user.email', '=', admin)
      .where('api_token.revoked_at', 'is', null)
      .execute();
    try {
      app.idp.setGroups(admin, ['marketing']);
      const again = new TestBrowser();
      expect((await again.signIn(app.baseUrl, admin)).status).toBe(403);
      expect(await statusWith(token)).toBe(401);
      const refused = await app.ctx.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'auth.login_refused')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      const revokedTokens = (refused.details as { revokedTokens?: string[] }).revokedTokens ?? [];
      expect(revokedTokens).toContain('moved-team-job');
      expect([...revokedTokens].sort()).toEqual(live.map((t) => t.name).sort());
      const row = await app.ctx.db.selectFrom('api_token').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.revoked_at).not.toBeNull();
    } finally {
      await restoreAdmin();
    }
  });

  it('revokes the tokens of a person disabled at the IdP, whose session refresh the IdP refuses', async () => {
    const browser = await signInAdmin();
    const { token } = await createInWebApp(browser, 'disabled-admin-job', 'lead');
    try {
      app.idp.setDisabled(admin, true);
      await ageRoleCheck();
      expect((await browser.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
      expect(await statusWith(token)).toBe(401);
      const ended = await app.ctx.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'auth.session_ended')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(ended.details).toMatchObject({
        reason: 'the identity provider refused the refresh',
        revokedTokens: expect.arrayContaining(['disabled-admin-job']),
      });
    } finally {
      await restoreAdmin();
    }
    expect(await statusWith(token)).toBe(401);
  });

  it('leaves a CLI token, which no person lends authority to, bounded by its expiry and revocation only', async () => {
    const token = await createCliToken(app.ctx, 'admin', 'ops-cli-token');
    expect(await statusWith(token)).toBe(200);
    const row = await app.ctx.db
      .selectFrom('api_token')
      .select('created_by_id')
      .where('name', '=', 'ops-cli-token')
      .executeTakeFirstOrThrow();
    expect(row.created_by_id).toBeNull();
    // Still not a way to mint tokens.
    const minted = await fetch(`${app.baseUrl}/api/admin/tokens`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'minted-by-cli-token', role: 'admin' }),
    });
    expect(minted.status).toBe(403);
  });
});
