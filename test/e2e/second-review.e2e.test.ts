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
    // A short undo window: a quality review opens once its decision can no longer be undone.
    app = await startConsole({ REVIEW_UNDO_SECONDS: '10' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  /**
   * As a lead, on the page of a workflow that does (or does not) match faces: sets one of its
   * second-review rules and saves; answers the workflow once the change is in the audit trail.
   */
  async function setRules(page: Page, rule: { matchesFaces: boolean; field: string; value: string }): Promise<string> {
    await loginAs(page, app.baseUrl, 'lead@example.test');
    const workflowId = await pollFor(async () => {
      const queue = await getJson<QueuePage>(page, '/api/queue?limit=200');
      return (
        queue.items.find((item) => item.workflowId && (item.faceMatchScore !== null) === rule.matchesFaces)?.workflowId ??
        undefined
      );
    });
    await page.goto(`${app.baseUrl}/workflows/${workflowId}`);
    const rules = page.getByRole('region', { name: 'Second review and four eyes' });
    await rules.getByLabel(rule.field).fill(rule.value);
    await rules.getByRole('button', { name: 'Save rules' }).click();
    const changes = `/api/audit?action=workflow.second_review_changed&targetId=${workflowId}`;
    await expect.poll(async () => (await getJson<AuditPage>(page, changes)).entries.length).toBe(1);
    await signOut(page, app.baseUrl);
    return workflowId;
  }

  it('a held approval is reviewed blind, the disagreement settled by a lead, and only then pushed', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1440, height: 1000 });
    const errors = watchPageErrors(page);

    // The lead picks a workflow that matches faces and sets its floor above every score.
    const workflowId = await setRules(page, { matchesFaces: true, field: 'Face match floor', value: '100' });

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
    await page.goto(`${app.baseUrl}/insights?workflow=${workflowId}`);
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

  it('a lead samples every decision of a workflow; a second analyst checks one blind after its undo window, and agrees', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1440, height: 1000 });
    const errors = watchPageErrors(page);

    // The lead has every decision of the liveness-only workflow checked.
    const workflowId = await setRules(page, { matchesFaces: false, field: 'Share of decisions checked (%)', value: '100' });

    // The analyst declines one of its sessions: it goes to Didit as usual.
    await loginAs(page, app.baseUrl, 'analyst@example.test', `/queue?workflow=${workflowId}`);
    await page
      .getByRole('table', { name: /Review queue/ })
      .getByRole('row')
      .nth(1)
      .waitFor({ timeout: 90_000 });
    const id = await claimNextByKeyboard(page);
    await decideByKeyboard(page, 'Declined');
    await expect
      .poll(async () => (await getJson<SessionView>(page, `/api/sessions/${id}`)).status, { timeout: 90_000 })
      .toBe('Declined');
    await page.goto(`${app.baseUrl}/sessions/${id}`);
    await openSessionPage(page, id);
    await page.getByText('Picked for a quality check by a second analyst.').waitFor();
    await signOut(page, app.baseUrl);

    // A second analyst finds it once the undo window has closed, decides blind, and agrees.
    await loginAs(page, app.baseUrl, 'analyst2@example.test', `/second-review?workflow=${workflowId}`);
    const link = page.locator(`a[href="/sessions/${id}"]`).first();
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('heading', { name: 'Second review', level: 1 }).waitFor();
          return link.count();
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBe(1);
    await link.click();
    await openSessionPage(page, id);
    const blind = await getJson<SessionView>(page, `/api/sessions/${id}`);
    // Didit has declined it; the second analyst sees it as it was when the first one decided.
    expect(blind).toMatchObject({ status: 'In Review', pushState: null, secondReview: { blind: true, first: null } });
    const panel = page.getByRole('region', { name: 'Second review' });
    await panel.getByRole('radio', { name: 'Decline' }).check();
    await panel.getByLabel('Reason').selectOption({ index: 1 });
    await panel.getByRole('button', { name: 'Give second review' }).click();
    await page.getByText('You agreed with the first verdict (Declined).').waitFor();
    const answered = await getJson<SessionView>(page, `/api/sessions/${id}`);
    expect(answered).toMatchObject({
      status: 'Declined',
      secondReview: { blind: false, state: 'agreed', first: { verdict: 'Declined' } },
    });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/second-review-quality.png', fullPage: true });

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 300_000);
});
