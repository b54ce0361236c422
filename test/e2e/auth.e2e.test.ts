import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs, signOut } from './login.ts';

describe('signing in through the development IdP', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startConsole();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('lands a newcomer on the sign-in page, which passes an accessibility check', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(app.baseUrl);
    await page.waitForURL((url) => url.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('returnTo')).toBe('/');
    await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    // The 401 from /api/me is expected here; nothing else may fail.
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
    await page.close();
  });

  it('a crafted sign-in link cannot send the person off-site afterwards', async () => {
    // Issue #15, finding 1: `/.//evil.example/x` normalises to `//evil.example/x`.
    const page = await browser.newPage();
    const offSite: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).hostname === 'evil.example') offSite.push(request.url());
    });
    await page.goto(`${app.baseUrl}/login?returnTo=${encodeURIComponent('/.//evil.example/x')}`);
    expect(await page.getByRole('link', { name: 'Sign in with SSO' }).getAttribute('href')).toBe('/auth/login?returnTo=%2F');
    // Straight to the server too, as an attacker's link would go.
    await page.goto(`${app.baseUrl}/auth/login?returnTo=${encodeURIComponent('/a/..//evil.example')}`);
    await page.waitForURL((url) => url.pathname.startsWith('/interaction/') || url.origin === new URL(app.baseUrl).origin);
    if (new URL(page.url()).pathname.startsWith('/interaction/')) {
      await page.getByLabel('Email').fill('viewer@example.test');
      await page.getByLabel('Password').fill('demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.waitForURL((url) => url.origin === new URL(app.baseUrl).origin && url.pathname === '/queue');
    expect(offSite).toEqual([]);
    await signOut(page, app.baseUrl);
    await page.close();
  });

  it('an analyst works the queue but sees neither the audit trail nor tokens; a viewer likewise, with their role shown', async () => {
    const page = await browser.newPage();
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Review queue');
    expect(await page.getByTestId('signed-in-user').textContent()).toBe('analyst@example.test');
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('analyst');
    const nav = page.getByRole('navigation', { name: 'Primary' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Queue', 'Second review', 'Workflows', 'Sync']);
    // Typing the URL shows a refusal, not the data (and the server would answer 403 anyway).
    await page.goto(`${app.baseUrl}/audit`);
    await page.getByRole('heading', { name: 'Not available to your role' }).waitFor();

    await signOut(page, app.baseUrl);
    await page.getByText('You have signed out.').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await loginAs(page, app.baseUrl, 'viewer@example.test');
    expect(await page.getByTestId('signed-in-user').textContent()).toBe('viewer@example.test');
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('viewer');
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Queue', 'Workflows', 'Sync']);
    await signOut(page, app.baseUrl);
    await page.close();
  });

  it('an admin sees the analyst sign-in on the audit page, follows a target to its session, and manages tokens; both pages pass axe', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    // Nothing on these pages may fall back on the browser's own confirm/alert/prompt.
    const nativeDialogs: string[] = [];
    page.on('dialog', (dialog) => {
      nativeDialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await loginAs(page, app.baseUrl, 'admin@example.test', '/audit');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit trail');
    const table = page.getByRole('table');
    await table.waitFor();
    await expect
      .poll(() => table.getByRole('row').filter({ hasText: 'analyst@example.test' }).filter({ hasText: 'auth.login' }).count())
      .toBeGreaterThan(0);

    // Revealing a session's faces (with a purpose: the admin has not claimed it) is on the trail,
    // with the session as its target (issue 19: the reveal, not the page open).
    const sessionId = await anySessionId(page);
    await page.goto(`${app.baseUrl}/sessions/${sessionId}`);
    await page.getByRole('heading', { name: 'Scores' }).waitFor();
    await page.locator('body').focus();
    await page.keyboard.press('v');
    const purpose = page.getByRole('dialog', { name: 'Purpose of access' });
    await purpose.getByRole('radio', { name: 'Quality review of a decision' }).check();
    await purpose.getByRole('button', { name: 'Reveal faces' }).click();
    await purpose.waitFor({ state: 'detached' });
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Audit' }).click();
    await table.waitFor();
    const viewed = table
      .getByRole('row')
      .filter({ hasText: 'session.media_viewed' })
      .filter({ hasText: sessionId })
      .filter({ hasText: 'revealed the faces' })
      .first();
    await viewed.waitFor();
    const target = viewed.getByRole('link', { name: sessionId });
    expect(await target.getAttribute('href')).toBe(`/sessions/${sessionId}`);
    // Details read as words, and open onto every recorded field.
    const summary = viewed.locator('summary');
    expect(await summary.textContent()).toBe('revealed the faces · purpose: Quality review of a decision');
    await summary.click();
    await viewed.getByText('purpose note', { exact: true }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await target.click();
    await page.waitForURL((url) => url.pathname === `/sessions/${sessionId}`);
    await page.getByRole('heading', { name: 'Scores' }).waitFor();
    await page.goBack();
    await page.waitForURL((url) => url.pathname === '/audit');

    await page.getByLabel('Action').fill('auth.logout');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('action') === 'auth.logout');
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'viewer@example.test' }).count()).toBeGreaterThan(0);
    // The export is fetched (a refusal shows as a message) and saved under the server's file name.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-.+\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv.split('\n')[0]).toContain('action');
    expect(csv).toContain('auth.logout');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Tokens' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('API tokens');
    await page.getByLabel('Name').fill('e2e-script');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByTestId('new-token').textContent();
    expect(token).toMatch(/^rct_/);
    await page.getByRole('button', { name: 'Copy token' }).waitFor();
    const me = () => fetch(`${app.baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.status);
    expect(await me()).toBe(200);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Revoking asks first, in the page: a named dialog that Esc dismisses, focus going back.
    const revokeButton = page.getByRole('button', { name: 'Revoke e2e-script' });
    await revokeButton.click();
    const dialog = page.getByRole('dialog', { name: 'Revoke token “e2e-script”?' });
    await dialog.waitFor();
    const focused = page.locator(':focus');
    await expect.poll(() => focused.textContent()).toBe('Cancel');
    expect(await dialog.locator(':focus').count()).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => focused.textContent()).toBe('Revoke e2e-script');
    expect(await me()).toBe(200);

    await revokeButton.click();
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Token “e2e-script” revoked' }).waitFor();
    await expect.poll(me).toBe(401);
    expect(nativeDialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** Any session the console holds (the sandbox's first-start burst fills it within seconds). */
async function anySessionId(page: Page): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const id = await page.evaluate(async () => {
      for (const status of ['In Review', 'Approved', 'Declined']) {
        const res = await fetch(`/api/queue?status=${encodeURIComponent(status)}&limit=1`, { credentials: 'same-origin' });
        const body = (await res.json()) as { items?: Array<{ id: string }> };
        if (body.items?.[0]) return body.items[0].id;
      }
      return undefined;
    });
    if (id) return id;
    if (Date.now() > deadline) throw new Error('No session arrived within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
