import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Claims the next session of the queue on screen with `c` (its filters apply); answers the
 * session's id once its page shows it claimed.
 */
export async function claimNextByKeyboard(page: Page): Promise<string> {
  await page.locator('body').focus();
  await page.keyboard.press('c');
  await page.waitForURL((url) => url.pathname.startsWith('/sessions/'), { timeout: 60_000 });
  const id = new URL(page.url()).pathname.split('/').pop() ?? '';
  await page.getByRole('heading', { name: 'Scores' }).waitFor();
  await page.getByText(/Claimed by/).waitFor();
  return id;
}

/**
 * Decides the open session with the keyboard alone: `a`/`d`, `1` for the first reason, a note
 * after `n` where overriding Didit's verdict needs one, Enter; waits for the page to say so.
 */
export async function decideByKeyboard(
  page: Page,
  decision: 'Approved' | 'Declined',
  overrideNote = 'Checked the evidence by keyboard',
): Promise<void> {
  await page.keyboard.press(decision === 'Approved' ? 'a' : 'd');
  await page.getByRole('radio').first().waitFor();
  await page.keyboard.press('1');
  await expect.poll(() => page.getByRole('radio', { checked: true }).count()).toBe(1);
  if ((await page.getByText(/required: overrides/).count()) > 0) {
    // Didit decided it meanwhile: overriding needs a note, typed after `n`, left with Escape.
    await page.keyboard.press('n');
    await page.keyboard.type(overrideNote);
    await page.keyboard.press('Escape');
  }
  await page.keyboard.press('Enter');
  await expect
    .poll(() =>
      page
        .getByRole('status')
        .filter({ hasText: new RegExp(`^${decision} `) })
        .count(),
    )
    .toBeGreaterThan(0);
}
