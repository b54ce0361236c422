import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { sameOriginHeaders, startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';

describe('CSRF defence and headers for cookie sessions', () => {
  let app: SsoTestConsole;
  let admin: TestBrowser;
  beforeAll(async () => {
    app = await startSsoTestConsole({ DIDIT_MEDIA_ORIGINS: 'https://media.didit.example' });
    admin = new TestBrowser();
    await admin.signIn(app.baseUrl, 'admin@example.test');
  });
  const createToken = (headers: Record<string, string>, body: string, name: string) =>
    admin.fetch(`${app.baseUrl}/api/admin/tokens`, { method: 'POST', headers, body: body.replace('NAME', name) });
  const json = '{"name":"NAME","role":"viewer"}';
  const tokenCount = async (name: string) =>
    (await app.ctx.db.selectFrom('api_token').select('id').where('name', '=', name).execute()).length;

  it('accepts a same-origin change that carries the client header', async () => {
    const res = await createToken(sameOriginHeaders(app.baseUrl), json, 'same-origin');
    expect(res.status).toBe(201);
    expect(await tokenCount('same-origin')).toBe(1);
  });

  it('refuses a change from a cross-site Origin', async () => {
    const res = await createToken({ ...sameOriginHeaders(app.baseUrl), origin: 'https://evil.example' }, json, 'cross-site');
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error.code).toBe('csrf_rejected');
    const fetchSite = await createToken(
      { ...sameOriginHeaders(app.baseUrl), 'sec-fetch-site': 'cross-site' },
      json,
      'cross-site',
    );
    expect(fetchSite.status).toBe(403);
    expect(await tokenCount('cross-site')).toBe(0);
  });

  it('refuses a change without the custom header', async () => {
    const { origin } = sameOriginHeaders(app.baseUrl);
    const res = await createToken({ origin: origin!, 'content-type': 'application/json' }, json, 'no-header');
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error.code).toBe('csrf_rejected');
    expect(await tokenCount('no-header')).toBe(0);
  });

  it('refuses a text/plain body (what a cross-site form can send) even with the header', async () => {
    const res = await createToken({ ...sameOriginHeaders(app.baseUrl), 'content-type': 'text/plain' }, json, 'text-plain');
    expect(res.status).toBe(415);
    expect((await bodyOf(res)).error.code).toBe('unsupported_media_type');
    expect(await tokenCount('text-plain')).toBe(0);
  });

  it('refuses a logout from another site', async () => {
    const res = await admin.fetch(`${app.baseUrl}/auth/logout`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect((await admin.fetch(`${app.baseUrl}/api/me`)).status).toBe(200);
  });

  it('exempts bearer-token requests, which browsers never send on their own', async () => {
    // A change a token may make (tokens may not manage tokens), with no Origin and no custom header.
    const token = await createApiToken(app.ctx, 'lead');
    const res = await fetch(`${app.baseUrl}/api/sync/webhooks/1/replay`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect((await bodyOf(res)).error.code).toBe('not_found');
  });

  it('sends a CSP that allows images and video only from self and the Didit media hosts', async () => {
    const res = await fetch(`${app.baseUrl}/healthz`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/img-src 'self' data: https:\/\/media\.didit\.example(;|$)/);
    expect(csp).toMatch(/media-src 'self' https:\/\/media\.didit\.example(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('rate-limits the sign-in endpoints', async () => {
    const limited = await startSsoTestConsole({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${limited.baseUrl}/auth/login`, { redirect: 'manual' })).status);
    expect(statuses).toEqual([303, 303, 303, 429, 429]);
  });
});
