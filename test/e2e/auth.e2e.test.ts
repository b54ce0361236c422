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

  it('an analyst works the queue but sees neither the audit trail nor tokens; a viewer likewise, with their role shown', async () => {
    const page = await browser.newPage();
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Review queue');
    expect(await page.getByTestId('signed-in-user').textContent()).toBe('analyst@example.test');
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('analyst');
    const nav = page.getByRole('navigation', { name: 'Primary' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Queue', 'Workflows', 'Sync']);
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

  it('an admin sees the analyst sign-in on the audit page, and manages tokens; both pages pass axe', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'admin@example.test', '/audit');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit trail');
    const table = page.getByRole('table');
    await table.waitFor();
    await expect
      .poll(() => table.getByRole('row').filter({ hasText: 'analyst@example.test' }).filter({ hasText: 'auth.login' }).count())
      .toBeGreaterThan(0);
    await page.getByLabel('Action').fill('auth.logout');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('action') === 'auth.logout');
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'viewer@example.test' }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe(
      '/api/audit?action=auth.logout&format=csv',
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Tokens' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('API tokens');
    await page.getByLabel('Name').fill('e2e-script');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByTestId('new-token').textContent();
    expect(token).toMatch(/^rct_/);
    const me = await fetch(`${app.baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke e2e-script' }).click();
    await expect
      .poll(async () => (await fetch(`${app.baseUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status)
      .toBe(401);
    expect(errors).toEqual([]);
  });
});
