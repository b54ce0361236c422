import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, pollFor } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { claimNextByKeyboard, decideByKeyboard } from './decide.ts';
import { loginAs, signOut } from './login.ts';

interface QueuePage {
  items: Array<{ id: string; workflowId: string | null; faceMatchScore: number | null }>;
}
interface SessionView {
  status: string;
  pushState: string | null;
  timeline: Array<{ source: string; kind?: string }>;
  secondReview: { blind: boolean; state: string; first: { verdict: string; by: string } | null } | null;
}
interface AuditPage {
  entries: Array<{ action: string; actorLabel: string; details: Record<string, unknown> }>;
}

async function openSessionPage(page: Page, id: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === `/sessions/${id}`);
  await page.getByRole('heading', { name: 'Scores' }).waitFor();
}

/**
 * Four eyes in a real browser (issue 20, ADR 0021): a lead sets a workflow's face-match floor;
 * the analyst who approves a session under it is told so before deciding, and the approval is
 * held from Didit. A second analyst reviews it blind from the Second review page and disagrees; a
 * lead settles the disagreement from the Disagreements tab, the approval goes to Didit, and the
 * audit page tells the story.
 */
describe('second review and four eyes in a browser', () => {
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

  it('a held approval is reviewed blind, the disagreement settled by a lead, and only then pushed', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1440, height: 1000 });
    const errors = watchPageErrors(page);

    // The lead picks a workflow that matches faces and sets its floor above every score.
    await loginAs(page, app.baseUrl, 'lead@example.test');
    const workflowId = await pollFor(async () => {
      const queue = await getJson<QueuePage>(page, '/api/queue?limit=200');
      return queue.items.find((item) => item.workflowId && item.faceMatchScore !== null)?.workflowId ?? undefined;
    });
    await page.goto(`${app.baseUrl}/workflows/${workflowId}`);
    const rules = page.getByRole('region', { name: 'Second review and four eyes' });
    await rules.waitFor();
    await rules.getByLabel('Face match floor').fill('100');
    await rules.getByRole('button', { name: 'Save rules' }).click();
    await expect
      .poll(async () => (await getJson<AuditPage>(page, '/api/audit?action=workflow.second_review_changed')).entries.length)
      .toBe(1);
    await signOut(page, app.baseUrl);

    // The analyst claims one of its sessions, is told before deciding, approves: held.
    await loginAs(page, app.baseUrl, 'analyst@example.test', `/queue?workflow=${workflowId}&faceMatchMin=0`);
    await page
      .getByRole('table', { name: /Review queue/ })
      .getByRole('row')
      .nth(1)
      .waitFor({ timeout: 90_000 });
    const id = await claimNextByKeyboard(page);
    const notice = page.getByText(/Approving needs a second analyst's confirmation/);
    await notice.waitFor();
    await page.getByText(/below this workflow's floor of 100/).waitFor();
    await page.locator('body').focus();
    await decideByKeyboard(page, 'Approved');
    await page.getByRole('status').filter({ hasText: 'waiting for a second analyst’s confirmation' }).waitFor();
    await page.goto(`${app.baseUrl}/sessions/${id}`);
    await openSessionPage(page, id);
    await page
      .getByText(/Waiting for a second analyst's confirmation/)
      .first()
      .waitFor();
    expect(await getJson<SessionView>(page, `/api/sessions/${id}`)).toMatchObject({ pushState: 'held', status: 'In Review' });
    await page.screenshot({ path: '/tmp/four-eyes-held.png', fullPage: true });
    await signOut(page, app.baseUrl);

    // A second analyst finds it on the Second review page and sees it as it was: no verdict.
    await loginAs(page, app.baseUrl, 'analyst2@example.test', '/second-review');
    await page.getByRole('heading', { name: 'Second review' }).waitFor();
    const link = page.locator(`a[href="/sessions/${id}"]`).first();
    await link.waitFor({ timeout: 60_000 });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/second-review-list.png', fullPage: true });
    await link.click();
    await openSessionPage(page, id);
    const panel = page.getByRole('region', { name: 'Second review' });
    await panel.getByText('Decide this session on its own evidence').waitFor();
    const blind = await getJson<SessionView>(page, `/api/sessions/${id}`);
    expect(blind.secondReview).toMatchObject({ blind: true, first: null });
    expect(blind.pushState).toBeNull();
    expect(blind.timeline.filter((entry) => entry.kind === 'approve')).toEqual([]);
    expect(await page.getByText('analyst@example.test').count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/second-review-blind.png', fullPage: true });
    await panel.getByRole('radio', { name: 'Decline' }).check();
    await panel.getByLabel('Reason').selectOption({ index: 1 });
    await panel.getByLabel(/Note/).fill('The portrait and the selfie do not look like the same person to me.');
    await panel.getByRole('button', { name: 'Give second review' }).click();
    await page.getByText(/You disagreed with the first verdict \(Approved\)\. It goes to a lead\./).waitFor();
    await signOut(page, app.baseUrl);

    // A lead settles it from the Disagreements tab: the approval stands and goes to Didit.
    await loginAs(page, app.baseUrl, 'lead@example.test', '/second-review');
    await page.getByRole('link', { name: 'Disagreements' }).click();
    await page.waitForURL((url) => url.searchParams.get('state') === 'disagreed');
    const row = page.getByRole('row').filter({ has: page.locator(`a[href="/sessions/${id}"]`) });
    await row.waitFor();
    expect(await row.textContent()).toContain('analyst@example.test');
    expect(await row.textContent()).toContain('analyst2@example.test');
    await page.screenshot({ path: '/tmp/second-review-disagreements.png', fullPage: true });
    await row.locator(`a[href="/sessions/${id}"]`).first().click();
    await openSessionPage(page, id);
    const settle = page.getByRole('region', { name: 'Second review' });
    await settle
      .getByText(/Disagreement/)
      .first()
      .waitFor();
    await settle.getByRole('radio', { name: 'Approve' }).check();
    await settle.getByLabel(/Note/).fill('Same person: the scar above the left eyebrow is in both images.');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/second-review-settle.png', fullPage: true });
    await settle.getByRole('button', { name: 'Settle' }).click();
    await expect
      .poll(async () => (await getJson<SessionView>(page, `/api/sessions/${id}`)).pushState, { timeout: 90_000 })
      .toBe('confirmed');
    await expect
      .poll(async () => (await getJson<SessionView>(page, `/api/sessions/${id}`)).status, { timeout: 90_000 })
      .toBe('Approved');
    await page.reload();
    await openSessionPage(page, id);
    await page.screenshot({ path: '/tmp/second-review-settled.png', fullPage: true });

    // The audit page: the held approval, the blind disagreement, the lead's word.
    await page.goto(`${app.baseUrl}/audit?targetId=${id}`);
    const audit = page.getByRole('table');
    await audit.waitFor();
    for (const action of ['session.decided', 'session.second_review_answered', 'session.second_review_resolved']) {
      await audit.getByRole('row').filter({ hasText: action }).first().waitFor();
    }
    const answered = await getJson<AuditPage>(page, `/api/audit?targetId=${id}&action=session.second_review_answered`);
    expect(answered.entries[0]).toMatchObject({ actorLabel: 'analyst2@example.test', details: { outcome: 'disagreed' } });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Insights: one answered review, not agreed, for the first analyst and the session's warnings.
    await page.goto(`${app.baseUrl}/insights`);
    const totals = page.getByTestId('second-review-totals');
    await totals.waitFor();
    await expect.poll(() => totals.textContent()).toMatch(/Agreement\s*0\.0 %\s*0 of 1 answered/);
    expect(await totals.textContent()).toMatch(/Answered\s*1/);
    const byAnalyst = page.getByRole('region', { name: 'By analyst' });
    expect(await byAnalyst.getByRole('row').filter({ hasText: 'analyst@example.test' }).textContent()).toMatch(/0\.0 %/);
    await page.getByRole('heading', { name: 'Second review' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/second-review-insights.png', fullPage: true });

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 400_000);
});
