import { beforeAll, describe, expect, it } from 'vitest';
import { startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';
import { safeReturnPath } from '../contract/auth.ts';

/**
 * Issue #15, finding 1: the return path after sign-in. The old check looked at the raw string and
 * then returned the parsed pathname, whose dot-segment removal turned `/.//evil.example/x` into
 * `//evil.example/x`, a protocol-relative URL the browser follows off-site.
 */

const consoleOrigin = 'https://console.example';

/** Every one of these must come back as `/`. */
const hostile = [
  // Dot segments that normalise into `//host`.
  '/.//evil.example/x',
  '/%2e//evil.example',
  '/%2E//evil.example',
  '/a/..//evil.example',
  '/queue/..//evil.example',
  '/%2e%2e//evil.example',
  '/queue/%2e%2e//evil.example',
  // Protocol-relative and absolute URLs.
  '//evil.example',
  '///evil.example',
  '//evil.example/queue',
  'https://evil.example/',
  'http:evil.example',
  'HTTPS://evil.example',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'evil.example',
  // Backslashes, which browsers read as slashes in special URLs.
  '/\\evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  '\\/evil.example',
  '/queue\\..\\..\\/evil.example',
  // Encoded slashes and backslashes (never part of a console path).
  '/%2f%2fevil.example',
  '/%2F/evil.example',
  '/%5cevil.example',
  '/%5C%5Cevil.example',
  '/sessions/%2F%2Fevil.example',
  '/sessions/..%2F..%2F%2Fevil.example',
  // Control characters and whitespace, which URL parsers strip or browsers fold.
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '\t//evil.example',
  '/\u0000//evil.example',
  '/\u007f//evil.example',
  ' //evil.example',
  '/ /evil.example',
  // Look-alikes and other non-ASCII.
  '/\uff0f/evil.example',
  '/\u2215\u2215evil.example',
  // Userinfo tricks stay paths, but are not console pages.
  '/queue@evil.example',
  '/@evil.example',
  // Same origin but not a page of the web app.
  '/auth/logout',
  '/auth/callback?code=x&state=y',
  '/api/me',
  '/login',
  '/sessions/../auth/logout',
  '/metrics',
  '/queue/',
  '/unknown-page',
  '',
  '/'.repeat(3_000),
];

describe('the return path after sign-in', () => {
  it.each(hostile)('refuses %j', (returnTo) => {
    expect(safeReturnPath(returnTo)).toBe('/');
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, ['/queue'], { toString: () => '/queue' }]) {
      expect(safeReturnPath(value)).toBe('/');
    }
  });

  it('keeps a path to a page of the web app with its query and fragment', () => {
    expect(safeReturnPath('/')).toBe('/');
    expect(safeReturnPath('/queue')).toBe('/queue');
    expect(safeReturnPath('/queue?status=In%20Review#top')).toBe('/queue?status=In%20Review#top');
    expect(safeReturnPath('/audit?action=auth.login&next=//evil.example')).toBe('/audit?action=auth.login&next=//evil.example');
    expect(safeReturnPath('/sessions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')).toBe(
      '/sessions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    );
    expect(safeReturnPath('/workflows/0f8e7a0c-1d2b-4c3d-8e4f-5a6b7c8d9e0f')).toBe(
      '/workflows/0f8e7a0c-1d2b-4c3d-8e4f-5a6b7c8d9e0f',
    );
    expect(safeReturnPath('/admin/tokens')).toBe('/admin/tokens');
  });

  it('decides on the normalised path, and returns that path', () => {
    expect(safeReturnPath('/./queue')).toBe('/queue');
    expect(safeReturnPath('/queue/../audit')).toBe('/audit');
    expect(safeReturnPath('/auth/../queue')).toBe('/queue');
  });

  it('never answers anything a browser would resolve to another origin', () => {
    for (const returnTo of hostile) {
      const result = safeReturnPath(returnTo);
      expect(new URL(result, consoleOrigin).origin).toBe(consoleOrigin);
      expect(result).toMatch(/^\/(?![/\\])/);
    }
  });
});

describe('the return path over a real sign-in', () => {
  let app: SsoTestConsole;
  beforeAll(async () => {
    app = await startSsoTestConsole();
  });

  it.each(['/.//evil.example/x', '/%2e//evil.example', '/a/..//evil.example', '/\\evil.example', '/%5C%5Cevil.example'])(
    'sends the browser home, not off-site, after signing in with returnTo=%j',
    async (returnTo) => {
      const browser = new TestBrowser();
      const res = await browser.signIn(
        app.baseUrl,
        'viewer@example.test',
        `/auth/login?returnTo=${encodeURIComponent(returnTo)}`,
      );
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
    },
  );

  it('still returns to the page the person was on', async () => {
    const browser = new TestBrowser();
    const returnTo = '/sessions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee?tab=evidence';
    const res = await browser.signIn(app.baseUrl, 'viewer@example.test', `/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect(res.headers.get('location')).toBe(returnTo);
  });
});
