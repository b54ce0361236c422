import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { decideByKeyboard } from './decide.ts';
import { loginAs } from './login.ts';
import { loadedEvidenceImages } from './evidence.ts';

/** The analyst's loop in a real browser: queue → claim next → evidence → decide by keyboard → next. */
describe('the review loop in a browser', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    // The embedded default exactly as `npm start` runs it: the first start's backlog and the demo
    // traffic are what the analyst works through.
    app = await startConsole();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('an analyst filters the queue, then works ten sessions with the keyboard alone, each decision closing the loop through Didit', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Review queue');

    // Sessions arrive by webhook; the queue polls, so rows appear without a reload.
    const table = page.getByRole('table', { name: /Review queue/ });
    await table.waitFor({ timeout: 60_000 });
    expect(await table.getByRole('columnheader', { name: /time in review/i }).getAttribute('aria-sort')).toBe('ascending');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Filter and sort through the UI; both land in the URL, so a link reproduces the view.
    await page.getByLabel('Assignee').selectOption('unassigned');
    await page.waitForURL((url) => url.searchParams.get('assignee') === 'unassigned');
    await table.getByRole('button', { name: /Sort by liveness score/ }).click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'liveness');
    await expect.poll(() => table.getByRole('columnheader', { name: /liveness/i }).getAttribute('aria-sort')).toBe('ascending');
    await page.locator('body').focus();

    // From here on, keys only: `c` claims the next session matching the view; after each
    // decision the next one opens by itself (or the queue, when nothing is left to claim yet).
    const decided: Array<{ id: string; decision: 'Approved' | 'Declined' }> = [];
    let previous = '/queue';
    await page.keyboard.press('c');
    while (decided.length < 10) {
      await page.waitForURL((url) => url.pathname !== previous && /^\/(sessions\/|queue)/.test(url.pathname), {
        timeout: 60_000,
      });
      const url = new URL(page.url());
      if (url.pathname.startsWith('/queue')) {
        // Everything arrived so far is decided: wait for Didit's next In Review session, claim it.
        await table.getByRole('row').nth(1).waitFor({ timeout: 60_000 });
        previous = url.pathname;
        await page.keyboard.press('c');
        continue;
      }
      expect(url.searchParams.get('sort')).toBe('liveness');
      expect(url.searchParams.get('assignee')).toBe('unassigned');
      const id = url.pathname.split('/').pop() ?? '';
      await page.getByRole('heading', { name: 'Scores' }).waitFor();
      await page.getByText(/Claimed by/).waitFor();
      if (decided.length === 0) expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // The evidence: the selfie and, when the workflow matches faces, the reference portrait, loaded.
      const session = await readSession(page, id);
      const images = [session.media.selfie, session.media.portrait].filter((link) => link !== null).length;
      expect(images).toBe(session.hasFaceMatch ? 2 : 1);
      await expect.poll(() => loadedEvidenceImages(page), { timeout: 30_000 }).toBe(images);
      if (session.media.video !== null) {
        await expect.poll(() => evidenceVideoState(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
      }

      const decision = decided.length % 3 === 2 ? 'Declined' : 'Approved';
      await decideByKeyboard(page, decision);
      decided.push({ id, decision });
      previous = url.pathname;
    }

    // The loop closes for every one: the sandbox received update-status, sent status.updated, and
    // the console shows Didit's verdict, decided from the console, and no longer queues the session.
    for (const { id, decision } of decided) {
      await expect.poll(async () => (await readSession(page, id)).status, { timeout: 60_000 }).toBe(decision);
      expect(await readSession(page, id)).toMatchObject({ decisionSource: 'console', pushState: 'confirmed' });
    }
    const queued = await page.evaluate(async () => {
      const res = await fetch('/api/queue?limit=200', { credentials: 'same-origin' });
      return ((await res.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id);
    });
    expect(queued.filter((id) => decided.some((d) => d.id === id))).toEqual([]);

    // A decided session shows the decision in its timeline.
    await page.goto(`${app.baseUrl}/sessions/${decided[0]?.id ?? ''}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await expect.poll(() => page.getByText(/approved/).count()).toBeGreaterThan(0);

    // A FLASHING session (the demo's liveness-only workflow) shows its capture video, played from
    // Didit's media host: the CSP lets it through.
    const flashing = await page.evaluate(async () => {
      const res = await fetch('/api/queue?status=Approved&method=FLASHING&limit=1', { credentials: 'same-origin' });
      return ((await res.json()) as { items: Array<{ id: string }> }).items[0]?.id;
    });
    expect(flashing).toBeDefined();
    await page.goto(`${app.baseUrl}/sessions/${flashing ?? ''}`);
    await expect.poll(() => evidenceVideoState(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 300_000);
});

interface SessionSummary {
  status: string;
  decisionSource: string | null;
  pushState: string | null;
  hasFaceMatch: boolean;
  media: { selfie: string | null; portrait: string | null; video: string | null };
}

function readSession(page: Page, id: string): Promise<SessionSummary> {
  return page.evaluate(async (sessionId) => {
    const res = await fetch(`/api/sessions/${sessionId}`, { credentials: 'same-origin' });
    return (await res.json()) as SessionSummary;
  }, id);
}

/** The capture video's `readyState` (1 = its metadata loaded, so the browser fetched and parsed it). */
function evidenceVideoState(page: Page): Promise<number> {
  return page
    .locator('[aria-label="Evidence images"] video')
    .evaluate((video) => (video as unknown as { readyState: number }).readyState);
}
