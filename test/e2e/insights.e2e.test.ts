import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, pollFor, postJson } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs, signOut } from './login.ts';

interface InsightsBody {
  flow: Array<{ left: number }>;
}

interface Reasons {
  Approved: Array<{ code: string; faceMatchOnly: boolean }>;
  Declined: Array<{ code: string; faceMatchOnly: boolean }>;
}

/**
 * Issue 18's insights page in a real browser, after demo traffic: an analyst decides a few
 * sessions, then a lead reads time to decision and the analyst's figures, narrows the range in
 * the URL and downloads a table as CSV. The screenshot goes to test-results/.
 */
describe('insights for a lead', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startConsole({ SANDBOX_TRAFFIC_PER_MINUTE: '600' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows time-to-decision percentiles and per-analyst figures after an analyst works the queue', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 1000 });
    const errors = watchPageErrors(page);

    // The analyst decides four sessions through the API the web client uses.
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    expect(await page.getByRole('link', { name: 'Insights' }).count()).toBe(0); // not an analyst's page
    const reasons = await getJson<Reasons>(page, '/api/review/reasons');
    for (let i = 0; i < 4; i++) {
      const session = await pollFor(async () => {
        const claimed = await postJson(page, '/api/queue/claim-next', {});
        return claimed.status === 200
          ? (claimed.body as { session: { id: string; version: number; hasFaceMatch: boolean } }).session
          : undefined;
      });
      const decision = i === 3 ? 'Declined' : 'Approved';
      const reason = reasons[decision].find((r) => session.hasFaceMatch || !r.faceMatchOnly)!.code;
      const decided = await postJson(page, `/api/sessions/${session.id}/decision`, {
        decision,
        reason,
        expectedVersion: session.version,
      });
      expect(decided.status).toBe(201);
    }
    await signOut(page, app.baseUrl);

    await loginAs(page, app.baseUrl, 'lead@example.test', '/insights');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Insights');
    // Sessions leave review as Didit confirms each decision (its webhook, behind the demo traffic's
    // backlog): wait for the first, so the outflow is on the screenshot. The decisions count at once.
    await expect
      .poll(async () => (await getJson<InsightsBody>(page, '/api/insights')).flow.reduce((sum, r) => sum + r.left, 0), {
        timeout: 120_000,
        interval: 1_000,
      })
      .toBeGreaterThanOrEqual(1);
    await page.reload();
    const row = page.getByTestId('analyst-row').filter({ hasText: 'analyst@example.test' });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getByRole('cell').first().textContent()).toBe('4');
    expect(await row.textContent()).toMatch(/3 \/ 1/); // approved / declined
    // Median time to decision: a duration, not a dash.
    expect(await page.getByTestId('tile-p50').textContent()).toMatch(/Median time to decision(<1 m|\d+ m|\d+ h \d+ m)/);
    const byWorkflow = page.getByRole('table', { name: 'Time to decision by workflow' });
    expect(await byWorkflow.getByRole('row').count()).toBeGreaterThan(1);
    expect(await page.getByRole('img', { name: /Time to decision per day/ }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /Sessions In Review at each hour/ }).count()).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/insights.png', fullPage: true });

    // One workflow and one day, applied together: the URL carries them, and the figures follow.
    const today = new Date().toISOString().slice(0, 10);
    const workflows = await getJson<{ items: Array<{ id: string; label: string }> }>(page, '/api/workflows');
    const form = page.getByRole('form', { name: 'Insights range' });
    await form.getByLabel('From (UTC day)').fill(today);
    await form.getByLabel('Workflow').selectOption(workflows.items[0]!.id);
    await form.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(
      (url) => url.searchParams.get('workflow') === workflows.items[0]!.id && url.searchParams.get('from') === today,
    );
    await expect.poll(() => page.getByText(`${today} to ${today} (UTC)`).count()).toBe(1);

    // A table as CSV: the same numbers, named for the range.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('region', { name: 'Analysts' }).getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`insights-analysts-${today}-${today}.csv`);

    // The viewer has no such page: the server refuses and the page says why.
    await signOut(page, app.baseUrl);
    await loginAs(page, app.baseUrl, 'viewer@example.test', '/insights');
    await page.getByText('Not available to your role').waitFor();
    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 240_000);
});
