import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs, signOut } from './login.ts';

/** Threshold tuning in a real browser: a lead proposes with the plot and matrix, a second lead approves, Didit confirms. */
describe('threshold tuning in a browser', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    // Traffic so the window has sessions to plot and replay.
    app = await startConsole({ SANDBOX_TRAFFIC_PER_MINUTE: '600' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('a lead proposes stricter face-match thresholds after seeing the plot and the matrix; a second lead approves; Didit confirms', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'lead@example.test', '/workflows');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Workflows');

    // The worker syncs Didit's workflows at start; refresh until they are listed.
    const link = page.getByRole('link', { name: 'Returning user – liveness + face match' });
    await expect
      .poll(
        async () => {
          if ((await link.count()) === 0) await page.getByRole('button', { name: 'Refresh from Didit' }).click();
          return link.count();
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(1);
    expect(await page.getByRole('table', { name: 'Workflows' }).getByText('In sync').count()).toBeGreaterThan(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await link.click();
    await page.waitForURL((url) => url.pathname.startsWith('/workflows/'));
    const workflowPath = new URL(page.url()).pathname;

    await page.getByRole('img', { name: 'Face-match scores' }).waitFor();
    // The demo workflow has two published versions and a draft at Didit: version 2 is in force.
    await expect.poll(() => page.getByText(/Didit: published v2/).count()).toBe(1);
    expect(await page.getByText(/A draft v3 exists in Didit's console/).count()).toBe(1);
    await page.getByLabel('Face-match review', { exact: true }).fill('80');
    await page.getByLabel('Face-match decline', { exact: true }).fill('60');
    const matrix = page.getByRole('table', { name: 'Transition matrix' });
    await matrix.waitFor();
    await expect.poll(() => page.getByTestId('review-change').textContent()).toMatch(/Reviews per day: [\d.]+ → [\d.]+/);
    // The proposed line moved: the plot's description names it.
    expect(await page.getByRole('img', { name: 'Face-match scores' }).getAttribute('aria-labelledby')).toBeTruthy();
    expect(await page.locator('svg desc').filter({ hasText: 'proposed review at 80' }).count()).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByLabel('Reason (required)').fill('Face-match fraud rose last week; tighten before the campaign.');
    await page.getByRole('button', { name: 'Propose version' }).click();
    const v1 = page.getByTestId('version-1');
    await expect.poll(() => v1.textContent()).toMatch(/proposed/);
    expect(await v1.getByRole('button', { name: /Approve/ }).count()).toBe(0); // never one's own

    await signOut(page, app.baseUrl);
    await loginAs(page, app.baseUrl, 'lead2@example.test', workflowPath);
    await page.getByTestId('version-1').getByRole('button', { name: 'Approve v1' }).click();
    await expect.poll(() => page.getByTestId('version-1').textContent(), { timeout: 60_000, interval: 500 }).toMatch(/applied/);
    expect(await page.getByTestId('version-1').textContent()).toMatch(/confirmed by Didit/);
    expect(await page.getByTestId('version-1').textContent()).toMatch(/applied to Didit v2/);
    await expect.poll(() => page.getByText(/version 1 in force/).count()).toBe(1);
    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 240_000);
});
