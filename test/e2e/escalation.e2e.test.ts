import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { claimNextByKeyboard, decideByKeyboard } from './decide.ts';
import { loginAs, signOut } from './login.ts';

interface SessionView {
  status: string;
  pushState: string | null;
  escalation?: { at: string; by: string; note: string | null } | null;
}

interface QueueView {
  items: Array<{ id: string; escalation?: { note: string | null } | null }>;
}

/**
 * Escalation in a real browser (issue 20): an analyst claims a session and escalates it with a
 * note by keyboard (`e`); it leaves their queue. A lead opens the Escalated view, reads the note,
 * decides the session, Didit confirms, and the audit page shows both steps.
 */
describe('escalation in a browser', () => {
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

  it('an analyst escalates with e and a note; a lead finds it in the Escalated view and decides it; the audit shows both', async () => {
    const note = 'Portrait looks twenty years older than the selfie. Same person?';
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test');

    // Claim the next session from the analysts' queue, by keyboard.
    const table = page.getByRole('table', { name: /Review queue/ });
    await table.getByRole('row').nth(1).waitFor({ timeout: 90_000 });
    expect(await page.getByRole('navigation', { name: 'Queue views' }).getByRole('link', { name: 'Escalated' }).count()).toBe(1);
    const id = await claimNextByKeyboard(page);

    // `e` opens the note dialog; Ctrl Enter sends it.
    await page.getByRole('button', { name: /Escalate to a lead/ }).waitFor();
    await page.keyboard.press('e');
    const dialog = page.getByRole('dialog', { name: 'Escalate to a lead' });
    await dialog.waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.keyboard.type(note);
    await page.keyboard.press('Control+Enter');
    await dialog.waitFor({ state: 'detached' });
    const banner = page.getByRole('region', { name: 'Escalated to a lead' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(note);
    expect(await banner.textContent()).toContain('analyst@example.test');
    expect(await page.getByText(/Claimed by/).count()).toBe(0);
    expect((await getJson<SessionView>(page, `/api/sessions/${id}`)).escalation?.note).toBe(note);

    // It has left the analyst's queue.
    const mine = await getJson<QueueView>(page, '/api/queue?limit=200');
    expect(mine.items.map((item) => item.id)).not.toContain(id);
    await page.goto(`${app.baseUrl}/queue`);
    await table.waitFor();
    expect(await page.locator(`[data-session-link="${id}"]`).count()).toBe(0);
    await signOut(page, app.baseUrl);

    // A lead opens the Escalated view, sees the note, and decides.
    await loginAs(page, app.baseUrl, 'lead@example.test', '/queue');
    await page.getByRole('navigation', { name: 'Queue views' }).getByRole('link', { name: 'Escalated' }).click();
    await page.waitForURL((url) => url.searchParams.get('escalated') === 'only');
    const row = table.getByRole('row').filter({ has: page.locator(`[data-session-link="${id}"]`) });
    await row.waitFor();
    expect(await row.textContent()).toContain(note);
    expect(await row.textContent()).toMatch(/ago by analyst@example\.test/);
    expect(
      await page
        .getByText(/escalated to a lead/)
        .first()
        .textContent(),
    ).toMatch(/1 session escalated to a lead/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/escalation-queue.png', fullPage: true });

    await page.locator(`[data-session-link="${id}"]`).click();
    await page.waitForURL((url) => url.pathname === `/sessions/${id}`);
    await page.getByRole('heading', { name: 'Scores' }).waitFor();
    await banner.waitFor();
    expect(await banner.textContent()).toContain(note);
    await banner.getByRole('button', { name: 'Return to queue' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/escalation.png', fullPage: true });

    await page.locator('body').focus();
    await decideByKeyboard(page, 'Approved');
    // Didit confirms the lead's decision; the escalation ended with it.
    await expect
      .poll(async () => (await getJson<SessionView>(page, `/api/sessions/${id}`)).pushState, { timeout: 90_000 })
      .toBe('confirmed');
    expect(await getJson<SessionView>(page, `/api/sessions/${id}`)).toMatchObject({ status: 'Approved', escalation: null });
    const escalated = await getJson<QueueView>(page, '/api/queue?escalated=only&limit=200');
    expect(escalated.items.map((item) => item.id)).not.toContain(id);

    // The audit page: the escalation and the lead's decision that ended it.
    await page.goto(`${app.baseUrl}/audit?targetId=${id}`);
    const audit = page.getByRole('table');
    await audit.waitFor();
    const escalatedRow = audit.getByRole('row').filter({ hasText: 'session.escalated' }).first();
    await escalatedRow.waitFor();
    expect(await escalatedRow.textContent()).toContain('analyst@example.test');
    const decidedRow = audit.getByRole('row').filter({ hasText: 'session.decided' }).first();
    await decidedRow.waitFor();
    expect(await decidedRow.textContent()).toContain('lead@example.test');
    expect(await decidedRow.textContent()).toContain('ends the escalation');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 300_000);
});
