import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs, signOut } from './login.ts';

interface AuditPage {
  entries: Array<{ action: string; actorLabel: string; details: Record<string, unknown> }>;
}

/**
 * Saved queue views (issue 20) in a real browser: an analyst filters the queue and saves the view,
 * comes back to the plain queue and applies it; a lead saves a view and shares it with the team;
 * the analyst finds it under "Shared with the team", with who shared it, and applies it; the
 * lead reads the trail on the audit page. Screenshot: /tmp/saved-views.png.
 */
describe('saved queue views', () => {
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

  const filters = (page: Page) => page.getByRole('form', { name: 'Queue filters' });
  const viewsButton = (page: Page) => page.getByRole('button', { name: /^Views|^View:/ });
  const panel = (page: Page) => page.getByRole('region', { name: 'Saved views' });

  async function saveView(page: Page, name: string): Promise<void> {
    await page.getByRole('button', { name: 'Save view…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save the current view' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: `Saved the view “${name}”.` })
          .count(),
      )
      .toBe(1);
  }

  it('an analyst saves and reapplies a view; a lead shares one; the analyst applies it; the audit page shows it all', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const errors = watchPageErrors(page);

    // The analyst narrows the queue to declined FLASHING sessions and saves that.
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    await filters(page).getByLabel('Status').selectOption('Declined');
    await filters(page).getByLabel('Liveness method').selectOption('FLASHING');
    await filters(page).getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(
      (url) => url.searchParams.get('status') === 'Declined' && url.searchParams.get('method') === 'FLASHING',
    );
    await saveView(page, 'Declined flashing');
    await expect.poll(() => viewsButton(page).textContent()).toMatch(/View: Declined flashing/);

    // Back on the plain queue after a reload, the view applies from the list by keyboard.
    await page.goto(`${app.baseUrl}/queue`);
    await page.reload();
    await viewsButton(page).click();
    // Focus starts on the first view of the list: Enter applies it.
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Declined flashing');
    await page.keyboard.press('Enter');
    await page.waitForURL(
      (url) => url.searchParams.get('status') === 'Declined' && url.searchParams.get('method') === 'FLASHING',
    );
    await expect.poll(() => filters(page).getByLabel('Status').inputValue()).toBe('Declined');
    await signOut(page, app.baseUrl);

    // A lead saves unassigned sessions waiting an hour or more, and shares the view with the team.
    await loginAs(page, app.baseUrl, 'lead@example.test');
    // A select applies the form at once, the typed field with it.
    await filters(page).getByLabel('Waiting at least (min)').fill('60');
    await filters(page).getByLabel('Assignee').selectOption('unassigned');
    await page.waitForURL(
      (url) => url.searchParams.get('assignee') === 'unassigned' && url.searchParams.get('minAgeMinutes') === '60',
    );
    await saveView(page, 'Unassigned over an hour');
    await viewsButton(page).click();
    const share = panel(page).getByRole('switch', { name: 'Share Unassigned over an hour with the team' });
    await share.check();
    await expect.poll(() => share.isChecked()).toBe(true);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'is shared with the team' }).count()).toBe(1);
    await page.screenshot({ path: '/tmp/saved-views-lead.png' });
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'detached' });
    await signOut(page, app.baseUrl);

    // The analyst sees it among the team's views, with who shared it, and applies it.
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    await viewsButton(page).click();
    const team = panel(page).getByRole('list', { name: 'Shared with the team' });
    await team.getByRole('button', { name: 'Unassigned over an hour', exact: true }).waitFor();
    expect(await team.getByText('Shared by lead@example.test').count()).toBe(1);
    // Not theirs: no rename, delete or share on it.
    expect(await team.getByRole('button', { name: /Rename|Delete/ }).count()).toBe(0);
    expect(await panel(page).getByRole('list', { name: 'My views' }).getByText('Declined flashing').count()).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/saved-views.png' });
    await team.getByRole('button', { name: 'Unassigned over an hour', exact: true }).click();
    await page.waitForURL(
      (url) => url.searchParams.get('assignee') === 'unassigned' && url.searchParams.get('minAgeMinutes') === '60',
    );
    await expect.poll(() => filters(page).getByLabel('Assignee').inputValue()).toBe('unassigned');
    await signOut(page, app.baseUrl);

    // The lead reads the trail on the audit page.
    await loginAs(page, app.baseUrl, 'lead@example.test', '/audit?action=queue_view.*');
    const table = page.getByRole('table', { name: /Audit entries/ });
    await table.getByText('“Unassigned over an hour” shared with the team', { exact: false }).waitFor();
    expect(await table.getByText('“Declined flashing” saved', { exact: false }).count()).toBe(1);
    expect(await table.getByText('“Unassigned over an hour” saved', { exact: false }).count()).toBe(1);
    const trail = await getJson<AuditPage>(page, '/api/audit?action=queue_view.*');
    expect(trail.entries.map((entry) => [entry.action, entry.actorLabel])).toEqual([
      ['queue_view.shared', 'lead@example.test'],
      ['queue_view.saved', 'lead@example.test'],
      ['queue_view.saved', 'analyst@example.test'],
    ]);
    await page.screenshot({ path: '/tmp/saved-views-audit.png' });
    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 240_000);
});
