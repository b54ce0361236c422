import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** The console's API from inside a signed-in page, as the web client calls it. */

/** Waits (up to 90 s) until `read` finds something, and returns it. */
export async function pollFor<T>(read: () => Promise<T | undefined>): Promise<T> {
  let found: T | undefined;
  await expect
    .poll(
      async () => {
        found = await read();
        return found !== undefined;
      },
      { timeout: 90_000, interval: 1_000 },
    )
    .toBe(true);
  return found as T;
}

export function getJson<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (url) => {
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    return (await res.json()) as T;
  }, path);
}

/** A POST as the web client sends it: same origin, JSON, and the console's CSRF header. */
export function postJson(page: Page, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ url, payload }) => {
      const res = await fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'X-Requested-With': 'review-console', 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
      return { status: res.status, body: await res.json() };
    },
    { url: path, payload: body },
  );
}
