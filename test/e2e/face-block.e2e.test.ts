import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, pollFor } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs, signOut } from './login.ts';

interface FaceBlockView {
  faceBlock?: { own: { state: string; blockedBy: string; unblockedBy: string | null } | null } | null;
}

/**
 * "Decline and block this face" in a real browser: an analyst declines and blocks from the
 * decision panel, Didit (the sandbox) confirms; a lead unblocks with a note; the audit trail
 * shows both.
 */
describe('face blocklist in a browser', () => {
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

  it('an analyst declines and blocks a face, Didit confirms; a lead unblocks it; the audit page shows both', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    const id = await pollFor(async () => {
      const queue = await getJson<{ items: Array<{ id: string }> }>(page, '/api/queue?limit=1');
      return queue.items[0]?.id;
    });
    await page.goto(`${app.baseUrl}/sessions/${id}`);
    await page.getByRole('heading', { name: 'Scores' }).waitFor();

    await page.getByRole('button', { name: 'Decline and block this face' }).click();
    const dialog = page.getByRole('dialog', { name: 'Decline and block this face?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('FACE_IN_BLOCKLIST');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await dialog.getByLabel('Reason').selectOption({ index: 1 });
    await dialog.getByLabel('Note (required)').fill('The same stranger as in last week’s attempts.');
    await dialog.getByRole('button', { name: 'Decline and block' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The worker carries the block to Didit; the page shows it confirmed.
    await expect
      .poll(async () => (await getJson<FaceBlockView>(page, `/api/sessions/${id}`)).faceBlock?.own?.state, { timeout: 60_000 })
      .toBe('blocked');
    await page.reload();
    const panel = page.getByTestId('face-block');
    await panel.getByText(/Didit confirmed the block/).waitFor();
    expect(await panel.textContent()).toContain('Face blocked by analyst@example.test');
    // An analyst does not lift blocks.
    expect(await page.getByRole('button', { name: 'Unblock face' }).count()).toBe(0);
    await page.screenshot({ path: '/tmp/face-block.png', fullPage: true });
    await signOut(page, app.baseUrl);

    await loginAs(page, app.baseUrl, 'lead@example.test', `/sessions/${id}`);
    await page.getByRole('heading', { name: 'Scores' }).waitFor();
    await page.getByRole('button', { name: 'Unblock face' }).click();
    const unblock = page.getByRole('dialog', { name: 'Unblock this face?' });
    await unblock.getByLabel('Why lift the block (required)').fill('Twin of the account owner, confirmed by phone.');
    await unblock.getByRole('button', { name: 'Unblock face' }).click();
    await unblock.waitFor({ state: 'detached' });
    await expect
      .poll(async () => (await getJson<FaceBlockView>(page, `/api/sessions/${id}`)).faceBlock?.own?.state, { timeout: 60_000 })
      .toBe('unblocked');
    await page.reload();
    await page
      .getByTestId('face-block')
      .getByText(/Unblocked by lead@example\.test/)
      .waitFor();

    await page.goto(`${app.baseUrl}/audit?targetId=${id}`);
    const table = page.getByRole('table');
    await table.waitFor();
    await table.getByRole('row').filter({ hasText: 'session.face_blocked' }).first().waitFor();
    await table.getByRole('row').filter({ hasText: 'session.face_unblocked' }).first().waitFor();
    expect(await table.getByRole('row').filter({ hasText: 'session.face_block_pushed' }).count()).toBe(2);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 240_000);
});
