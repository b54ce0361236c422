import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TestBrowser } from '../../test/helpers/test-browser.ts';

/**
 * `server/auth/session.ts` wraps the session store's `touch` (connect-pg-simple) so the rolling
 * expiry is written at most once a minute per session. This pins both halves of that on the real
 * libraries (see UPGRADING.md): express-session still touches an unchanged session through the
 * store, and the wrapper is what it calls.
 */
describe('rolling session expiry', () => {
  let app: SsoTestConsole;
  beforeAll(async () => {
    app = await startSsoTestConsole();
  });

  const expiryOf = async (email: string) =>
    (
      await sql<{ expire: Date }>`select expire from http_session where sess::jsonb #>> '{login,email}' = ${email}`.execute(
        app.ctx.db,
      )
    ).rows.map((row) => row.expire);
  /** Sets the row's expiry to a marker five minutes out, well short of the 30-minute idle timeout. */
  const markExpiry = async (email: string) =>
    (
      await sql<{ expire: Date }>`update http_session set expire = date_trunc('second', now()) + interval '5 minutes'
         where sess::jsonb #>> '{login,email}' = ${email} returning expire`.execute(app.ctx.db)
    ).rows.map((row) => row.expire);
  const me = async (browser: TestBrowser) => {
    const res = await browser.fetch(`${app.baseUrl}/api/me`);
    // Read the whole body: the store's touch completes before the response ends.
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  };

  it('writes the expiry of an unchanged session on its first request, then not again within the minute', async () => {
    const browser = new TestBrowser();
    expect((await browser.signIn(app.baseUrl, 'viewer@example.test')).status).toBe(303);

    const [marker] = await markExpiry('viewer@example.test');
    await me(browser);
    const [touched] = await expiryOf('viewer@example.test');
    // Moved to the idle timeout from now: the store's touch ran.
    expect(touched!.getTime()).toBeGreaterThan(marker!.getTime() + 20 * 60_000);

    const [again] = await markExpiry('viewer@example.test');
    await me(browser);
    // Within the minute: the wrapper answered the touch without writing.
    expect(await expiryOf('viewer@example.test')).toEqual([again]);
  });
});
