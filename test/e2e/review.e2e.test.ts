import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs } from './login.ts';

/** The analyst's loop in a real browser: queue → claim next → evidence → decide by keyboard → next. */
describe('the review loop in a browser', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    // Enough sandbox traffic that In Review sessions arrive within seconds.
    app = await startConsole({ SANDBOX_TRAFFIC_PER_MINUTE: '600' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('an analyst claims the next session, sees the evidence, and decides with the keyboard', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Review queue');

    // Sessions arrive by webhook; the queue polls, so rows appear without a reload.
    const table = page.getByRole('table', { name: /Review queue/ });
    await table.waitFor({ timeout: 60_000 });
    expect(await table.getByRole('columnheader', { name: /time in review/i }).getAttribute('aria-sort')).toBe('ascending');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Sort by liveness through the URL, then back: the link reproduces the view.
    await table.getByRole('button', { name: /Sort by liveness score/ }).click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'liveness');
    await expect.poll(() => table.getByRole('columnheader', { name: /liveness/i }).getAttribute('aria-sort')).toBe('ascending');

    await page.keyboard.press('c');
    await page.waitForURL((url) => url.pathname.startsWith('/sessions/'));
    expect(new URL(page.url()).searchParams.get('sort')).toBe('liveness');
    await page.getByRole('heading', { name: 'Scores' }).waitFor();
    await page.getByText(/Claimed by/).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    const firstSession = new URL(page.url()).pathname;

    await page.keyboard.press('a');
    await page.getByRole('radio').first().waitFor();
    await page.keyboard.press('1');
    const overriding = await page.getByText(/required: overrides/).count();
    if (overriding > 0) {
      await page.getByLabel(/^Note/).first().fill('Checked by e2e');
      await page.locator('body').focus();
    }
    await page.getByRole('button', { name: 'Approve session' }).click();

    // After the decision the next session opens (or the queue, if none is left), keeping the filters.
    await page.waitForURL((url) => url.pathname !== firstSession);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('liveness');
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Approved / })
          .count(),
      )
      .toBeGreaterThan(0);

    // The decided session shows its push state and the decision in its timeline.
    await page.goto(`${app.baseUrl}${firstSession}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await expect.poll(() => page.getByText(/approved/).count()).toBeGreaterThan(0);

    // The loop closes: the sandbox received update-status, sent status.updated, and the console
    // now shows Didit's Approved, decided from the console, and no longer queues the session.
    const sessionId = firstSession.split('/').pop() ?? '';
    const readSession = () =>
      page.evaluate(async (id) => {
        const res = await fetch(`/api/sessions/${id}`, { credentials: 'same-origin' });
        return (await res.json()) as { status: string; decisionSource: string | null; pushState: string | null };
      }, sessionId);
    await expect.poll(async () => (await readSession()).status, { timeout: 60_000 }).toBe('Approved');
    expect(await readSession()).toMatchObject({ decisionSource: 'console', pushState: 'confirmed' });
    const queued = await page.evaluate(async () => {
      const res = await fetch('/api/queue?limit=200', { credentials: 'same-origin' });
      return ((await res.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id);
    });
    expect(queued).not.toContain(sessionId);

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 180_000);
});
