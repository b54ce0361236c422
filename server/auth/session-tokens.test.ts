import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyOf } from '../../test/helpers/http.ts';
import { sameOriginHeaders, startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';
import { openRefreshToken, sealRefreshToken, type SessionLogin } from './session.ts';

/**
 * Issue #15, finding 12: the session row (`http_session`, connect-pg-simple) kept the person's ID
 * token and refresh token in clear. It now keeps no ID token at all and the refresh token only
 * sealed under a key derived from SESSION_SECRET.
 */

const jwtShape = /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/;

async function sessionRowOf(app: SsoTestConsole, email: string): Promise<{ sid: string; text: string; login: SessionLogin }> {
  const { rows } = await sql<{ sid: string; text: string }>`
    select sid, sess::text as text from http_session where sess::jsonb #>> '{login,email}' = ${email}`.execute(app.ctx.db);
  expect(rows).toHaveLength(1);
  const row = rows[0]!;
  return { ...row, login: (JSON.parse(row.text) as { login: SessionLogin }).login };
}

describe('what a signed-in session keeps in Postgres', () => {
  let app: SsoTestConsole;
  beforeAll(async () => {
    app = await startSsoTestConsole();
  });

  it('keeps no ID token and no refresh token in clear in the session row after sign-in', async () => {
    const browser = new TestBrowser();
    expect((await browser.signIn(app.baseUrl, 'analyst@example.test')).status).toBe(303);
    const { text, login } = await sessionRowOf(app, 'analyst@example.test');

    expect(text).not.toMatch(jwtShape);
    expect(text).not.toMatch(/"idToken"|"refreshToken"|id_token|access_token/);
    expect(Object.keys(login).sort()).toEqual(
      ['authenticatedAt', 'email', 'issuer', 'role', 'rolesCheckedAt', 'sealedRefreshToken', 'subject', 'userId'].sort(),
    );
    // The refresh token is there for role refresh, but only sealed: opening needs SESSION_SECRET.
    const refreshToken = openRefreshToken(app.ctx.config.session.secret, login, login.sealedRefreshToken!);
    expect(refreshToken).toBeTruthy();
    expect(text).not.toContain(refreshToken);
    expect(
      openRefreshToken('another secret of at least thirty-two characters', login, login.sealedRefreshToken!),
    ).toBeUndefined();
    expect(
      openRefreshToken(app.ctx.config.session.secret, { ...login, subject: 'dev-admin' }, login.sealedRefreshToken!),
    ).toBeUndefined();
  });

  it('still re-checks groups with the sealed refresh token, and keeps it sealed after the refresh', async () => {
    const browser = new TestBrowser();
    await browser.signIn(app.baseUrl, 'lead@example.test');
    const before = await sessionRowOf(app, 'lead@example.test');
    await sql`update http_session set sess = jsonb_set(sess::jsonb, '{login,rolesCheckedAt}', '0')::json
              where sid = ${before.sid}`.execute(app.ctx.db);
    const me = await browser.fetch(`${app.baseUrl}/api/me`);
    expect(me.status).toBe(200);
    expect((await bodyOf(me)).user.role).toBe('lead');
    const after = await sessionRowOf(app, 'lead@example.test');
    expect(after.login.rolesCheckedAt).toBeGreaterThan(0);
    expect(after.text).not.toMatch(jwtShape);
    expect(openRefreshToken(app.ctx.config.session.secret, after.login, after.login.sealedRefreshToken!)).toBeTruthy();
  });

  it('scrubs a session stored before the upgrade: drops its ID token and seals its refresh token', async () => {
    const browser = new TestBrowser();
    await browser.signIn(app.baseUrl, 'viewer@example.test');
    const { sid, login } = await sessionRowOf(app, 'viewer@example.test');
    const refreshToken = openRefreshToken(app.ctx.config.session.secret, login, login.sealedRefreshToken!)!;
    const legacyIdToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZXYtdmlld2VyIn0.c2lnbmF0dXJl';
    await sql`update http_session
              set sess = jsonb_set(jsonb_set(sess::jsonb #- '{login,sealedRefreshToken}',
                '{login,idToken}', to_jsonb(${legacyIdToken}::text)),
                '{login,refreshToken}', to_jsonb(${refreshToken}::text))::json
              where sid = ${sid}`.execute(app.ctx.db);
    const me = await browser.fetch(`${app.baseUrl}/api/me`);
    await me.arrayBuffer(); // the session is saved before the response ends
    expect(me.status).toBe(200);
    const after = await sessionRowOf(app, 'viewer@example.test');
    expect(after.text).not.toMatch(jwtShape);
    expect(after.text).not.toContain(refreshToken);
    expect(openRefreshToken(app.ctx.config.session.secret, after.login, after.login.sealedRefreshToken!)).toBe(refreshToken);
  });

  it('signs out at the IdP by client_id, without an ID token', async () => {
    const browser = new TestBrowser();
    await browser.signIn(app.baseUrl, 'analyst2@example.test');
    const logout = await browser.fetch(`${app.baseUrl}/auth/logout`, { method: 'POST', headers: sameOriginHeaders(app.baseUrl) });
    const endSession = new URL((await bodyOf(logout)).redirectTo);
    expect(endSession.origin).toBe(new URL(app.idp.issuer).origin);
    expect(endSession.searchParams.get('client_id')).toBe(app.clientId);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${app.baseUrl}/login?signedOut=1`);
    expect(endSession.href).not.toMatch(jwtShape);
    // The IdP accepts it: its confirmation page, not an error.
    const page = await browser.fetch(endSession.href);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Sign out of the development IdP?');
  });

  it('seals per person: a sealed token moved to another session row does not open', () => {
    const secret = app.ctx.config.session.secret;
    const sealed = sealRefreshToken(secret, { issuer: 'https://idp.example', subject: 'alice' }, 'refresh-token-value');
    expect(sealed).not.toContain('refresh-token-value');
    expect(openRefreshToken(secret, { issuer: 'https://idp.example', subject: 'alice' }, sealed)).toBe('refresh-token-value');
    expect(openRefreshToken(secret, { issuer: 'https://idp.example', subject: 'mallory' }, sealed)).toBeUndefined();
    expect(
      openRefreshToken(secret, { issuer: 'https://idp.example', subject: 'alice' }, `${sealed.slice(0, -2)}AA`),
    ).toBeUndefined();
  });
});
