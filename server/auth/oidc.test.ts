import { createSign, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { afterFile } from '../../test/helpers/after-file.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { freePort } from '../../test/helpers/free-port.ts';
import { sameOriginHeaders, startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';
import { startDevIdp } from './dev-idp/dev-idp.ts';
import { safeReturnPath } from '../contract/auth.ts';

async function auditActions(app: SsoTestConsole, action: string) {
  return app.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();
}

/**
 * A client address for one test (the console trusts X-Forwarded-For from loopback): refused
 * sign-ins are audited once per address, kind and window, so each refusal test uses its own.
 */
function from(address: string): Record<string, string> {
  return { 'x-forwarded-for': address };
}

async function failureFrom(app: SsoTestConsole, address: string) {
  const rows = await app.ctx.db
    .selectFrom('audit_log')
    .select('details')
    .where('action', '=', 'auth.login_failed')
    .where('ip', '=', address)
    .execute();
  expect(rows).toHaveLength(1);
  return rows[0]?.details;
}

describe('OpenID Connect sign-in against the development IdP', () => {
  let app: SsoTestConsole;
  beforeAll(async () => {
    app = await startSsoTestConsole();
  });

  it('signs in with code + PKCE, keeps a server-side session, and a logout makes the old cookie worthless', async () => {
    const browser = new TestBrowser();
    const login = await browser.fetch(`${app.baseUrl}/auth/login?returnTo=${encodeURIComponent('/audit?action=auth.login')}`);
    expect(login.status).toBe(303);
    const authorize = new URL(login.headers.get('location') ?? '');
    expect(authorize.origin).toBe(new URL(app.idp.issuer).origin);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    const preLoginSid = browser.cookie(app.baseUrl, 'rc_session');
    expect(preLoginSid).toBeTruthy();

    const interaction = await browser.follow(authorize.href, (url) => url.pathname.startsWith('/interaction/'));
    const afterIdp = await browser.submitIdpLogin(interaction.url, 'analyst@example.test');
    const { url: callbackUrl } = await browser.follow(afterIdp.href, (url) => url.pathname === '/auth/callback');
    const callback = await browser.fetch(callbackUrl.href);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/audit?action=auth.login');
    const cookieLine = callback.headers.getSetCookie().find((line) => line.startsWith('rc_session='));
    expect(cookieLine).toMatch(/HttpOnly/i);
    expect(cookieLine).toMatch(/SameSite=Lax/i);
    expect(cookieLine).not.toMatch(/Secure/i); // served over http in this test
    const sid = browser.cookie(app.baseUrl, 'rc_session');
    expect(sid).not.toBe(preLoginSid); // a new session id at sign-in

    const me = await browser.fetch(`${app.baseUrl}/api/me`);
    expect(me.status).toBe(200);
    const body = await bodyOf(me);
    expect(body.user).toMatchObject({ kind: 'user', label: 'analyst@example.test', role: 'analyst' });
    expect(body.capabilities).toContain('session.decide');
    expect(body.capabilities).not.toContain('audit.read');

    const user = await app.ctx.db
      .selectFrom('app_user')
      .selectAll()
      .where('email', '=', 'analyst@example.test')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({ issuer: app.idp.issuer, subject: 'dev-analyst', roles: ['analyst'] });
    expect(user.last_login_at).toBeInstanceOf(Date);
    const logins = await auditActions(app, 'auth.login');
    expect(logins.at(-1)).toMatchObject({ actor_type: 'user', actor_label: 'analyst@example.test', target_id: user.id });
    expect(await app.ctx.db.selectFrom('http_session').select('sid').execute()).not.toHaveLength(0);

    const logout = await browser.fetch(`${app.baseUrl}/auth/logout`, { method: 'POST', headers: sameOriginHeaders(app.baseUrl) });
    expect(logout.status).toBe(200);
    const { redirectTo } = await bodyOf(logout);
    const endSession = new URL(redirectTo);
    expect(endSession.origin).toBe(new URL(app.idp.issuer).origin);
    // The console names itself instead of replaying the ID token, which it no longer keeps.
    expect(endSession.searchParams.get('client_id')).toBe(app.clientId);
    expect(endSession.searchParams.has('id_token_hint')).toBe(false);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${app.baseUrl}/login?signedOut=1`);
    expect((await auditActions(app, 'auth.logout')).at(-1)).toMatchObject({ actor_label: 'analyst@example.test' });

    // The old cookie, replayed as an attacker who copied it would, no longer authenticates.
    const replay = await fetch(`${app.baseUrl}/api/me`, { headers: { cookie: `rc_session=${sid}` } });
    expect(replay.status).toBe(401);
  });

  it('returns the user to where they were going, and only to a path on this origin', async () => {
    const browser = new TestBrowser();
    const res = await browser.signIn(
      app.baseUrl,
      'viewer@example.test',
      `/auth/login?returnTo=${encodeURIComponent('/audit?x=1')}`,
    );
    expect(res.headers.get('location')).toBe('/audit?x=1');
    const elsewhere = new TestBrowser();
    const evil = await elsewhere.signIn(
      app.baseUrl,
      'viewer@example.test',
      `/auth/login?returnTo=${encodeURIComponent('//evil.example/x')}`,
    );
    expect(evil.headers.get('location')).toBe('/');
    expect(safeReturnPath('https://evil.example/')).toBe('/');
    expect(safeReturnPath('/\\evil.example')).toBe('/');
    expect(safeReturnPath('/auth/logout')).toBe('/');
    expect(safeReturnPath('/queue?status=In%20Review#top')).toBe('/queue?status=In%20Review#top');
  });

  it('refuses a callback whose state does not match the one this browser started', async () => {
    const browser = new TestBrowser();
    const callback = await browser.authorize(app.baseUrl, 'analyst@example.test');
    callback.searchParams.set('state', 'forged-state-value');
    const res = await browser.fetch(callback.href, { headers: from('203.0.113.11') });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Sign-in failed');
    expect((await browser.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
    expect(await failureFrom(app, '203.0.113.11')).toMatchObject({ reason: expect.stringContaining('state') });
  });

  it('refuses an ID token whose nonce is not the one this browser sent', async () => {
    const browser = new TestBrowser();
    const start = await browser.fetch(`${app.baseUrl}/auth/login`);
    const authorize = new URL(start.headers.get('location') ?? '');
    authorize.searchParams.set('nonce', 'a-different-nonce-chosen-by-an-attacker');
    const isCallback = (url: URL) => url.pathname === '/auth/callback';
    const interaction = await browser.follow(authorize.href, (url) => url.pathname.startsWith('/interaction/'));
    const next = await browser.submitIdpLogin(interaction.url, 'analyst@example.test');
    const { url: callback } = await browser.follow(next.href, isCallback);
    const res = await browser.fetch(callback.href, { headers: from('203.0.113.12') });
    expect(res.status).toBe(400);
    expect((await browser.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
    expect(await failureFrom(app, '203.0.113.12')).toMatchObject({ reason: expect.stringMatching(/nonce/i) });
  });

  it('refuses an authorization response from another issuer', async () => {
    const other = await startDevIdp({
      port: 0,
      env: 'test',
      clients: [
        {
          clientId: app.clientId,
          clientSecret: app.clientSecret,
          redirectUris: [`${app.baseUrl}/auth/callback`],
          postLogoutRedirectUris: [],
        },
      ],
    });
    try {
      const browser = new TestBrowser();
      const start = await browser.fetch(`${app.baseUrl}/auth/login`);
      // Same request (state, nonce, PKCE challenge), answered by an IdP the console does not trust.
      const authorize = new URL(start.headers.get('location') ?? '');
      const rogue = new URL(`${other.issuer}/auth${authorize.search}`);
      const interaction = await browser.follow(rogue.href, (url) => url.pathname.startsWith('/interaction/'));
      const next = await browser.submitIdpLogin(interaction.url, 'admin@example.test');
      const { url: callback } = await browser.follow(next.href, (url) => url.pathname === '/auth/callback');
      expect(callback.searchParams.get('iss')).toBe(other.issuer);
      const res = await browser.fetch(callback.href, { headers: from('203.0.113.13') });
      expect(res.status).toBe(400);
      expect((await browser.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
      expect(await failureFrom(app, '203.0.113.13')).toMatchObject({ reason: expect.stringMatching(/iss/i) });
    } finally {
      await other.close();
    }
  });

  it('refuses a replayed authorization code', async () => {
    const browser = new TestBrowser();
    const callback = await browser.authorize(app.baseUrl, 'lead@example.test');
    expect((await browser.fetch(callback.href)).status).toBe(303);
    // An attacker replays the same callback URL (code + state) from their own browser...
    const attacker = new TestBrowser();
    const stolen = await attacker.fetch(callback.href);
    expect(stolen.status).toBe(400);
    expect((await attacker.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
    // ...and the victim's browser cannot complete it twice either.
    const again = await browser.fetch(callback.href);
    expect(again.status).toBe(400);
  });

  it('refuses a person with no mapped group with a clear page, not as a viewer', async () => {
    const browser = new TestBrowser();
    const res = await browser.signIn(app.baseUrl, 'noaccess@example.test');
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('No access to the review console');
    expect(html).toContain('noaccess@example.test');
    expect((await browser.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
    const user = await app.ctx.db
      .selectFrom('app_user')
      .selectAll()
      .where('email', '=', 'noaccess@example.test')
      .executeTakeFirstOrThrow();
    expect(user.roles).toEqual([]);
    expect((await auditActions(app, 'auth.login_refused')).at(-1)).toMatchObject({ target_id: user.id });
  });

  it('applies a group removed at the IdP at the next session refresh', async () => {
    const browser = new TestBrowser();
    await browser.signIn(app.baseUrl, 'analyst2@example.test');
    expect((await bodyOf(await browser.fetch(`${app.baseUrl}/api/me`))).user.role).toBe('analyst');

    const ageRoleCheck = () =>
      sql`update http_session set sess = jsonb_set(sess::jsonb, '{login,rolesCheckedAt}', '0')::json
          where sess::jsonb #>> '{login,email}' = 'analyst2@example.test'`.execute(app.ctx.db);

    app.idp.setGroups('analyst2@example.test', ['console-leads']);
    await ageRoleCheck();
    expect((await bodyOf(await browser.fetch(`${app.baseUrl}/api/me`))).user.role).toBe('lead');

    app.idp.setGroups('analyst2@example.test', []);
    await ageRoleCheck();
    expect((await browser.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
    const user = await app.ctx.db
      .selectFrom('app_user')
      .select('roles')
      .where('email', '=', 'analyst2@example.test')
      .executeTakeFirstOrThrow();
    expect(user.roles).toEqual([]);
    app.idp.setGroups('analyst2@example.test', ['console-analysts']);
  });

  it('ends a session after the idle timeout and after the absolute timeout', async () => {
    const idle = new TestBrowser();
    await idle.signIn(app.baseUrl, 'viewer@example.test');
    // Read the whole body: the session store's rolling touch completes before the response ends.
    const before = await idle.fetch(`${app.baseUrl}/api/me`);
    await before.arrayBuffer();
    expect(before.status).toBe(200);
    await sql`update http_session set expire = now() - interval '1 second'
              where sess::jsonb #>> '{login,email}' = 'viewer@example.test'`.execute(app.ctx.db);
    expect((await idle.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);

    const long = new TestBrowser();
    await long.signIn(app.baseUrl, 'lead2@example.test');
    const fresh = await long.fetch(`${app.baseUrl}/api/me`);
    await fresh.arrayBuffer();
    expect(fresh.status).toBe(200);
    await sql`update http_session set sess = jsonb_set(sess::jsonb, '{login,authenticatedAt}', '0')::json
              where sess::jsonb #>> '{login,email}' = 'lead2@example.test'`.execute(app.ctx.db);
    expect((await long.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
  });
});

describe('ID token audience', () => {
  // An IdP that (wrongly, or because it was tricked) hands the console an ID token minted for
  // another client. A proxy stands in front of the dev IdP and re-signs the token with a
  // different `aud`, using the IdP's own key, so only the audience check can catch it.
  let app: SsoTestConsole;
  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'audience-test' } as JsonWebKey & { kid: string };
    const proxyPort = await freePort();
    let upstreamPort = 0;
    const proxy = createServer((req, res) => {
      // Forwarded with the original Host, so the IdP names the proxy in its discovery document.
      const forward = request(
        { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            let body = Buffer.concat(chunks);
            const headers = { ...answer.headers };
            if (req.url?.startsWith('/token') && answer.statusCode === 200) {
              const json = JSON.parse(body.toString()) as { id_token: string };
              json.id_token = resign(json.id_token, privateKey, jwk.kid, { aud: 'some-other-client' });
              body = Buffer.from(JSON.stringify(json));
              delete headers['content-length'];
              delete headers.etag;
            }
            res.writeHead(answer.statusCode ?? 502, headers).end(body);
          });
        },
      );
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
    afterFile(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    app = await startSsoTestConsole({}, { signingKey: jwk, issuerUrl: `http://localhost:${proxyPort}` });
    upstreamPort = app.idp.port;
    expect((proxy.address() as AddressInfo).port).toBe(proxyPort);
  });

  it('refuses an ID token issued for another client', async () => {
    const browser = new TestBrowser();
    const res = await browser.signIn(app.baseUrl, 'admin@example.test');
    expect(res.status).toBe(400);
    expect((await browser.fetch(`${app.baseUrl}/api/me`)).status).toBe(401);
    const failure = await app.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'auth.login_failed')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(failure.details).toMatchObject({ reason: expect.stringMatching(/aud/i) });
  });
});

function resign(jwt: string, key: KeyObject, kid: string, changes: Record<string, unknown>): string {
  const [, payload = ''] = jwt.split('.');
  const claims = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>), ...changes };
  const head = Buffer.from(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url');
  return `${head}.${body}.${signature}`;
}
