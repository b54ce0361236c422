import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs, signOut } from './login.ts';

/**
 * Threshold tuning in a real browser: a lead proposes with the plot and matrix, a second lead
 * reviews the proposal with its simulation and approves in a dialog, Didit confirms; a later
 * version is rolled back by proposing v1's values again.
 */
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

  it('a lead proposes stricter face-match thresholds after seeing the plot and the matrix; a second lead reviews its simulation and approves; Didit confirms; a rollback is proposed', async () => {
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
    // The second lead sees what they are asked to approve: values, reason and its simulation.
    const review = page.getByRole('region', { name: 'Review v1 before it reaches Didit' });
    await review.getByRole('table', { name: 'Transition matrix' }).waitFor();
    expect(await review.getByTestId('review-change').textContent()).toMatch(/Reviews per day: [\d.]+ → [\d.]+/);
    expect(await review.getByText('Face-match fraud rose last week; tighten before the campaign.').count()).toBe(1);
    const faceMatchRow = review
      .getByRole('table', { name: 'v1 against the thresholds in force' })
      .getByRole('row', { name: /^Face-match review/ });
    expect(await faceMatchRow.textContent()).toBe('Face-match review7080+10');
    expect(
      await page
        .getByTestId('version-1')
        .getByRole('button', { name: /Approve/ })
        .count(),
    ).toBe(0); // not from the list
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Approval confirms in a dialog that names the workflow and the change; Esc backs out.
    const approve = review.getByRole('button', { name: 'Approve v1…' });
    await approve.click();
    const dialog = page.getByRole('dialog', { name: 'Approve v1' });
    expect(await dialog.getByText(/^Approve v1 of/).textContent()).toBe(
      'Approve v1 of ‘Returning user – liveness + face match’: face-match review 70 → 80, decline 50 → 60. Didit will be updated at once.',
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    expect(await dialog.count()).toBe(0);
    expect(await approve.evaluate((button) => button.matches(':focus'))).toBe(true);
    await page.keyboard.press('Enter'); // the focused button opens it again
    await dialog.getByLabel('Note (optional)').fill('Checked the contradicted sessions.');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByTestId('version-1').textContent(), { timeout: 60_000, interval: 500 }).toMatch(/applied/);
    expect(await page.getByTestId('version-1').textContent()).toMatch(/confirmed by Didit/);
    expect(await page.getByTestId('version-1').textContent()).toMatch(/applied to Didit v2/);
    expect(await page.getByTestId('version-1').textContent()).toMatch(/Checked the contradicted sessions\./);
    await expect.poll(() => page.getByText(/version 1 in force/).count()).toBe(1);
    expect(await review.count()).toBe(0);

    // v2 goes further; the first lead approves it, then proposes rolling back to v1.
    await page.getByLabel('Face-match review', { exact: true }).fill('85');
    await page.getByLabel('Reason (required)').fill('Campaign week: stricter still.');
    await page.getByRole('button', { name: 'Propose version' }).click();
    await expect.poll(() => page.getByTestId('version-2').textContent()).toMatch(/proposed/);
    await signOut(page, app.baseUrl);
    await loginAs(page, app.baseUrl, 'lead@example.test', workflowPath);
    const review2 = page.getByRole('region', { name: 'Review v2 before it reaches Didit' });
    await review2.getByRole('table', { name: 'Transition matrix' }).waitFor();
    await review2.getByRole('button', { name: 'Approve v2…' }).click();
    await page.getByRole('dialog', { name: 'Approve v2' }).getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByText(/version 2 in force/).count(), { timeout: 60_000, interval: 500 }).toBe(1);

    const rollback = page.getByTestId('version-1').getByRole('button', { name: 'Roll back to v1…' });
    await rollback.click();
    const rollbackDialog = page.getByRole('dialog', { name: 'Roll back to v1' });
    expect(await rollbackDialog.getByText(/^Propose v3 of/).textContent()).toMatch(/face-match review 85 → 80\./);
    const rollbackReason = rollbackDialog.getByLabel('Reason (required)');
    expect(await rollbackReason.inputValue()).toBe('Roll back to v1: ');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await rollbackReason.pressSequentially('85 sent too many good users to review.');
    await rollbackDialog.getByRole('button', { name: 'Propose v3' }).click();
    const v3 = page.getByTestId('version-3');
    await expect.poll(() => v3.textContent()).toMatch(/proposed/);
    expect(await v3.textContent()).toMatch(/Roll back to v1: 85 sent too many good users to review\./);
    expect(await v3.getByRole('cell').nth(4).textContent()).toMatch(/^80/); // face-match review back at v1's value
    expect(await rollback.isDisabled()).toBe(true);
    expect(await page.getByText('v3 is open: approve, reject or withdraw it before rolling back.').count()).toBe(1);
    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 240_000);
});
