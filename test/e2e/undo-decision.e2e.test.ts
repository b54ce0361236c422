import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { claimNextByKeyboard, decideByKeyboard } from './decide.ts';
import { loginAs, signOut } from './login.ts';

interface SessionView {
  status: string;
  pushState: string | null;
  decisionSource: string | null;
  claim: { label: string } | null;
  allowed: { undo?: boolean; decide: string[] };
  timeline: Array<{ source: string; kind?: string; status?: string }>;
}

/**
 * Undoing the last decision in a real browser (issue 20), with the default 30 s window: an
 * analyst decides by keyboard, the next session opens with "Approved … · Undo (n s)", Undo takes
 * the decision back and reopens the session, In Review and theirs again; Didit never hears of it,
 * even after the window; decided again, Didit confirms; the audit page shows the undo.
 */
describe('undo the last decision in a browser', () => {
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

  it('an analyst approves by keyboard, clicks Undo, gets the session back, decides again, and Didit hears only the second decision', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    const table = page.getByRole('table', { name: /Review queue/ });
    await table.getByRole('row').nth(1).waitFor({ timeout: 90_000 });
    const id = await claimNextByKeyboard(page);

    await decideByKeyboard(page, 'Approved');
    // The next session (or the queue) opens; the undo follows, counting down.
    const undo = page.getByRole('button', { name: /^Undo \(\d+ s\)$/ });
    await undo.waitFor();
    await page.waitForURL((url) => url.pathname !== `/sessions/${id}`, { timeout: 60_000 });
    const toast = page.getByRole('status').filter({ has: undo });
    expect(await toast.textContent()).toMatch(/^Approved .+·Undo \((2\d|30) s\)u$/);
    expect((await getJson<SessionView>(page, `/api/sessions/${id}`)).allowed.undo).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/undo.png' });

    await undo.click();
    await page.waitForURL((url) => url.pathname === `/sessions/${id}`);
    await page.getByText(/^Decision undone: .+ is In Review again and yours\. Didit was not told\.$/).waitFor();
    await page.getByText(/Claimed by/).waitFor();
    expect(await undo.count()).toBe(0);
    // The form starts empty: no verdict chosen.
    expect(await page.getByRole('radio', { checked: true }).count()).toBe(0);
    const reopened = await getJson<SessionView>(page, `/api/sessions/${id}`);
    expect(reopened).toMatchObject({
      status: 'In Review',
      pushState: null,
      claim: { label: 'analyst@example.test' },
      allowed: { undo: false, decide: ['Approved', 'Declined', 'Resubmitted'] },
    });
    expect(reopened.timeline.filter((t) => t.source === 'console').map((t) => t.kind)).toEqual([
      'claim',
      'approve',
      'decision_undone',
    ]);
    await page.screenshot({ path: '/tmp/undo-reopened.png', fullPage: true });

    // Past the end of the window the approval would have had, Didit still has heard nothing.
    await page.waitForTimeout(32_000);
    const later = await getJson<SessionView>(page, `/api/sessions/${id}`);
    expect(later).toMatchObject({ status: 'In Review', pushState: null, decisionSource: null });
    expect(later.timeline.filter((t) => t.source === 'didit').map((t) => t.status)).not.toContain('Approved');

    // Decided again: once its own window passes, Didit confirms it.
    await page.locator('body').focus();
    await decideByKeyboard(page, 'Declined');
    await expect
      .poll(async () => (await getJson<SessionView>(page, `/api/sessions/${id}`)).pushState, { timeout: 90_000 })
      .toBe('confirmed');
    await expect
      .poll(async () => (await getJson<SessionView>(page, `/api/sessions/${id}`)).status, { timeout: 60_000 })
      .toBe('Declined');
    const decided = await getJson<SessionView>(page, `/api/sessions/${id}`);
    expect(decided.decisionSource).toBe('console');
    expect(decided.timeline.filter((t) => t.source === 'didit').map((t) => t.status)).not.toContain('Approved');
    await signOut(page, app.baseUrl);

    // The audit page: the undo, by whom, in words.
    await loginAs(page, app.baseUrl, 'lead@example.test', '/audit');
    await page.goto(`${app.baseUrl}/audit?targetId=${id}`);
    const audit = page.getByRole('table');
    await audit.waitFor();
    const undoneRow = audit.getByRole('row').filter({ hasText: 'session.decision_undone' }).first();
    await undoneRow.waitFor();
    expect(await undoneRow.textContent()).toContain('analyst@example.test');
    expect(await undoneRow.textContent()).toContain('Approved undone');
    expect(await undoneRow.textContent()).toContain('never sent to Didit');
    expect(await audit.getByRole('row').filter({ hasText: 'session.decision_pushed' }).count()).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/undo-audit.png', fullPage: true });

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 300_000);
});
