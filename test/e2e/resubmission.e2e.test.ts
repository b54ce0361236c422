import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { claimNextByKeyboard } from './decide.ts';
import { loginAs } from './login.ts';

interface SessionView {
  status: string;
  pushState: string | null;
  livenessScore: number | null;
  previousAttempt?: { livenessScore: number | null; requestedBy: string } | null;
}

const SANDBOX_KEY = 'e2e-resubmission-sandbox-key';

/**
 * Asking the user to try again in a real browser (issue 20): an analyst claims a session and
 * asks for a new attempt by keyboard (`r`, a reason, Enter); Didit (the embedded sandbox)
 * confirms and the queue's Resubmitted view lists it with who asked. The user tries again (the
 * sandbox's control API completes the session anew) and the session page sets the new attempt
 * against the previous one.
 */
describe('resubmission in a browser', () => {
  let app: RunningConsole;
  let browser: Browser;

  /** The embedded sandbox's control API (`/sandbox/…`), on the port it wrote into the data directory. */
  async function sandboxControl(pathname: string, body: unknown): Promise<unknown> {
    const listen = JSON.parse(await readFile(path.join(app.dataDir, 'didit-sandbox.listen.json'), 'utf8')) as { port: number };
    const res = await fetch(`http://127.0.0.1:${listen.port}/sandbox${pathname}`, {
      method: 'POST',
      headers: { 'x-api-key': SANDBOX_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  beforeAll(async () => {
    browser = await launchBrowser();
    // No undo window: the request goes to Didit at once.
    app = await startConsole({ DIDIT_API_KEY: SANDBOX_KEY, REVIEW_UNDO_SECONDS: '0' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('an analyst asks a user to try again with r; the Resubmitted view lists it; the new attempt shows against the old one', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test');

    const table = page.getByRole('table', { name: /Review queue/ });
    await table.getByRole('row').nth(1).waitFor({ timeout: 90_000 });
    const id = await claimNextByKeyboard(page);
    const before = await getJson<SessionView>(page, `/api/sessions/${id}`);

    // `r`, the first reason, Enter.
    await page.getByRole('button', { name: /Ask to try again/ }).waitFor();
    await page.keyboard.press('r');
    await page.getByRole('checkbox', { name: /Email the user/ }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('1');
    await expect.poll(() => page.getByRole('radio', { checked: true }).count()).toBe(1);
    await page.keyboard.press('Enter');
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Asked .* to try again\./ })
          .count(),
      )
      .toBeGreaterThan(0);

    // Didit confirms, and its webhook brings the Resubmitted status back.
    await expect
      .poll(async () => getJson<SessionView>(page, `/api/sessions/${id}`), { timeout: 90_000, interval: 1_000 })
      .toMatchObject({ status: 'Resubmitted', pushState: 'confirmed' });

    // The queue's Resubmitted view lists it, with since when and who asked.
    await page.goto(`${app.baseUrl}/queue`);
    await table.waitFor();
    await page
      .getByRole('navigation', { name: 'Queue views' })
      .getByRole('link', { name: /Resubmitted/ })
      .click();
    await page.waitForURL((url) => url.searchParams.get('status') === 'Resubmitted');
    const row = table.getByRole('row').filter({ has: page.locator(`[data-session-link="${id}"]`) });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/since .* by analyst@example\.test/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/resubmission-queue.png', fullPage: true });

    // The user tries again: Didit completes the session anew, with better scores.
    await sandboxControl(`/sessions/${id}/complete`, { capture: 'match', liveness_score: 96, face_match_score: 94 });
    await expect
      .poll(async () => (await getJson<SessionView>(page, `/api/sessions/${id}`)).status, { timeout: 90_000, interval: 1_000 })
      .not.toBe('Resubmitted');
    const after = await getJson<SessionView>(page, `/api/sessions/${id}`);
    expect(after.previousAttempt).toMatchObject({ livenessScore: before.livenessScore, requestedBy: 'analyst@example.test' });
    expect(after.livenessScore).toBe(96);

    await page.goto(`${app.baseUrl}/sessions/${id}`);
    const compare = page.getByRole('region', { name: 'Previous attempt vs this attempt' });
    await compare.waitFor();
    const liveness = compare.getByRole('row', { name: /Liveness score/ });
    expect(await liveness.textContent()).toContain('96');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/resubmission.png', fullPage: true });

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 300_000);
});
