import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs } from './login.ts';

describe('browser launcher', () => {
  it('fails at once with what to install when Chromium is missing', async () => {
    await expect(launchBrowser('/nonexistent/chromium')).rejects.toThrow(/apt-get install -y chromium/);
  });
});

describe('the console shell in a browser', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startConsole();
    // Every page needs a signed-in user now; the browser context keeps the session for the tests.
    const page = await browser.newPage();
    await loginAs(page, app.baseUrl, 'admin@example.test');
    await page.close();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('loads, navigates between every section and logs no errors', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(app.baseUrl);
    await page.waitForURL(/\/queue$/);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Review queue');

    const nav = page.getByRole('navigation', { name: 'Primary' });
    for (const [link, heading, path] of [
      ['Workflows', 'Workflows', '/workflows'],
      ['Second review', 'Second review', '/second-review'],
      ['Team', 'Team', '/team'],
      ['Sync', 'Sync health', '/sync'],
      ['Audit', 'Audit trail', '/audit'],
      ['Queue', 'Review queue', '/queue'],
    ] as const) {
      await nav.getByRole('link', { name: link }).click();
      await page.waitForURL((url) => url.pathname === path);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(heading);
      expect(await nav.getByRole('link', { name: link }).getAttribute('aria-current')).toBe('page');
    }
    expect(errors).toEqual([]);
  });

  it('deep-links into a page and shows a not-found page for unknown paths', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${app.baseUrl}/audit`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit trail');
    await page.goto(`${app.baseUrl}/no/such/page`);
    await expect.poll(() => page.getByRole('heading', { name: 'Page not found' }).count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('passes an accessibility check with no serious violations', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.baseUrl}/queue`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const violations = await seriousAccessibilityViolations(page);
    expect(violations).toEqual([]);
  });
});
