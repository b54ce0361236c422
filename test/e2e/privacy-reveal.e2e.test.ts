import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, pollFor } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { claimNextByKeyboard } from './decide.ts';
import { loginAs, signOut } from './login.ts';

interface SessionSummary {
  reveal: { allowed: boolean; purposeRequired: boolean };
  media: { selfie: string | null; portrait: string | null; video: string | null };
}
interface QueuePage {
  items: Array<{ id: string }>;
  total: number;
}
interface AuditPage {
  entries: Array<{ actorLabel: string; details: Record<string, unknown> }>;
}

/**
 * Issue 19, "Blur until reveal" and "Purpose of access", in a real browser: faces are blurred on
 * the session page until the analyst reveals them with `v`; the reveal, not the page open, is
 * the audit entry; a session opened by link (not claimed) asks for a purpose first, which the
 * audit page filters by; a viewer sees no face at all by default, and no list shows one.
 * Screenshots go to test-results/.
 */
describe('faces blurred until revealed, with a purpose where the session is not yours', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startConsole({ SANDBOX_TRAFFIC_PER_MINUTE: '600' });
    await mkdir('test-results', { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('an analyst reveals a claimed session with v, a linked one after giving a purpose; the audit page filters by it; a viewer sees no face', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    await pollFor(async () => ((await getJson<QueuePage>(page, '/api/queue?limit=1')).total >= 2 ? true : undefined));

    // No list shows a face: the queue has no image at all.
    const table = page.getByRole('table', { name: /Review queue/ });
    await table.getByRole('row').nth(2).waitFor({ timeout: 60_000 });
    expect(await page.locator('img, video, picture').count()).toBe(0);

    // Claim next: the selfie loads, blurred by a CSS filter on the image itself.
    const claimedId = await claimNextByKeyboard(page);
    expect((await readSession(page, claimedId)).reveal).toEqual({ allowed: true, purposeRequired: false });
    await expect.poll(() => selfieLoaded(page), { timeout: 30_000 }).toBe(true);
    expect(await selfieFilter(page)).toContain('blur(');
    expect(await page.locator('[aria-label="Evidence images"] img').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: 'test-results/privacy-blurred.png', fullPage: true });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // `v` reveals (the server records it first), `v` again blurs.
    await page.keyboard.press('v');
    await expect.poll(() => selfieFilter(page)).toBe('none');
    await page.keyboard.press('v');
    await expect.poll(() => selfieFilter(page)).toContain('blur(');

    // Another session, opened by its link and not claimed: `v` asks why first.
    const linkedId = await pollFor(async () => {
      const queue = await getJson<QueuePage>(page, '/api/queue?assignee=unassigned&limit=20');
      for (const item of queue.items.filter((candidate) => candidate.id !== claimedId)) {
        if ((await readSession(page, item.id)).media.selfie) return item.id;
      }
      return undefined;
    });
    await page.goto(`${app.baseUrl}/sessions/${linkedId}`);
    await page.getByRole('heading', { name: 'Scores' }).waitFor();
    await expect.poll(() => selfieLoaded(page), { timeout: 30_000 }).toBe(true);
    expect(await selfieFilter(page)).toContain('blur(');
    await page.locator('body').focus();
    await page.keyboard.press('v');
    const dialog = page.getByRole('dialog', { name: 'Purpose of access' });
    await dialog.waitFor();
    expect(await selfieFilter(page)).toContain('blur(');
    await dialog.getByRole('radio', { name: 'Fraud or security investigation' }).check();
    await dialog.getByRole('textbox', { name: /Details/ }).fill('Ticket FR-88');
    await page.screenshot({ path: 'test-results/privacy-purpose.png', fullPage: true });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Reveal faces' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => selfieFilter(page)).toBe('none');
    await signOut(page, app.baseUrl);

    // The trail: one look at the claimed session, without a purpose; the linked one with its purpose.
    await loginAs(page, app.baseUrl, 'admin@example.test', '/audit');
    const looks = async (id: string) =>
      (await getJson<AuditPage>(page, `/api/audit?action=session.media_viewed&targetId=${id}`)).entries.map((entry) => [
        entry.actorLabel,
        entry.details,
      ]);
    expect(await looks(claimedId)).toEqual([['analyst@example.test', { purpose: null, purposeNote: null, claimed: true }]]);
    expect(await looks(linkedId)).toEqual([
      ['analyst@example.test', { purpose: 'fraud_investigation', purposeNote: 'Ticket FR-88', claimed: false }],
    ]);

    // The audit page filters by purpose, and says it in the details column.
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit trail');
    await page.getByLabel('Purpose').selectOption('fraud_investigation');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('purpose') === 'fraud_investigation');
    const auditTable = page.getByRole('table');
    const row = auditTable.getByRole('row').filter({ hasText: linkedId });
    await row.waitFor();
    expect(await row.textContent()).toContain('purpose: Fraud or security investigation');
    expect(await auditTable.getByRole('row').filter({ hasText: claimedId }).count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await signOut(page, app.baseUrl);

    // A viewer, in a workflow that keeps faces from viewers (the default): no image, and why.
    await loginAs(page, app.baseUrl, 'viewer@example.test');
    expect((await readSession(page, linkedId)).media).toMatchObject({ selfie: null, portrait: null, video: null });
    await page.goto(`${app.baseUrl}/sessions/${linkedId}`);
    await page.getByText('Faces are hidden: viewers see scores and warnings only in this workflow.').waitFor();
    expect(await page.locator('img, video').count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 300_000);
});

function readSession(page: Page, id: string): Promise<SessionSummary> {
  return getJson<SessionSummary>(page, `/api/sessions/${id}`);
}

const selfie = (page: Page) => page.locator('[aria-label="Evidence images"] img[alt="Live selfie"]');

/** The selfie's computed CSS filter: `blur(…)` while blurred, `none` once revealed. */
function selfieFilter(page: Page): Promise<string> {
  return selfie(page).evaluate(
    (image) =>
      (globalThis as unknown as { getComputedStyle(element: unknown): { filter: string } }).getComputedStyle(image).filter,
  );
}

/** The selfie has been decoded by the browser (not just placed in the page). */
function selfieLoaded(page: Page): Promise<boolean> {
  return selfie(page).evaluate((image) => {
    const img = image as unknown as { complete: boolean; naturalWidth: number };
    return img.complete && img.naturalWidth > 0;
  });
}
