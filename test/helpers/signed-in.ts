import { expect } from 'vitest';
import { sameOriginHeaders } from './sso.ts';
import { TestBrowser } from './test-browser.ts';

/**
 * People working a test console over real HTTP: one browser each (cookie jar), signed in through
 * the dev IdP on first use. `baseUrl` is read on every call, so a suite can build this before its
 * `beforeAll` starts the console.
 */
export function signedInPeople(baseUrl: () => string) {
  const browsers = new Map<string, TestBrowser>();

  async function as(email: string): Promise<TestBrowser> {
    let browser = browsers.get(email);
    if (!browser) {
      browser = new TestBrowser();
      expect((await browser.signIn(baseUrl(), email)).status).toBe(303);
      browsers.set(email, browser);
    }
    return browser;
  }

  /** A request as the web client sends it: same origin (the console's CSRF check), JSON body. */
  const send = async (email: string, method: string, path: string, body?: unknown) =>
    (await as(email)).fetch(`${baseUrl()}${path}`, {
      method,
      headers: sameOriginHeaders(baseUrl()),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  return {
    as,
    send,
    post: (email: string, path: string, body: unknown = {}) => send(email, 'POST', path, body),
    get: async (email: string, path: string) => (await as(email)).fetch(`${baseUrl()}${path}`),
  };
}
