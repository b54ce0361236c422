import type { Page } from 'playwright-core';

/**
 * Signs in through the real flow: the console's sign-in page, the development IdP's form,
 * and back. Works whether or not the IdP still remembers someone (then it comes straight back).
 */
export async function loginAs(page: Page, baseUrl: string, email: string, returnTo = '/queue'): Promise<void> {
  await page.goto(`${baseUrl}/login?returnTo=${encodeURIComponent(returnTo)}`);
  await page.getByRole('link', { name: 'Sign in with SSO' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/') || url.origin === new URL(baseUrl).origin);
  if (new URL(page.url()).pathname.startsWith('/interaction/')) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.waitForURL((url) => url.origin === new URL(baseUrl).origin && url.pathname === returnTo.split('?')[0]);
}

/** Signs out of the console and, on the IdP's end-session page, out of the IdP too. */
export async function signOut(page: Page, baseUrl: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((url) => url.origin === new URL(baseUrl).origin && url.pathname === '/login');
}
