import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs } from './login.ts';
import { loadedEvidenceImages } from './evidence.ts';

/**
 * Issue 14 in a real browser: what makes an analyst trust the loop. A media-link refresh does not
 * turn the next decision into a conflict; no verdict is given on images that never loaded without
 * saying so; claims follow how a session was opened; media links survive a restart of `npm start`.
 */
describe('trusting the review loop in a browser', () => {
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

  it('a media-link refresh between opening a session and deciding it does not make the decision fail', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test', '/queue?assignee=unassigned');
    const item = await waitForQueueItem(page, () => true);

    // Opened from the queue (Enter on its row): claimed for the analyst.
    const id = await openFromQueue(page, item.id);
    await page.getByText('Claimed for you').waitFor();
    const before = await readSession(page, id);
    await expect.poll(() => loadedEvidenceImages(page), { timeout: 30_000 }).toBe(evidenceCount(before));

    // The links are refreshed (as the page itself does when an image fails, reporting its link):
    // Didit hands out new ones, which must not count as a change to what the analyst judged.
    const refreshed = await page.evaluate(
      async ({ sessionId, brokenUrl }) => {
        const res = await fetch(`/api/sessions/${sessionId}/refresh-media`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { Accept: 'application/json', 'X-Requested-With': 'review-console', 'Content-Type': 'application/json' },
          body: JSON.stringify({ brokenUrl }),
        });
        return { status: res.status, body: (await res.json()) as { refreshed: boolean; media: { selfie: string | null } } };
      },
      { sessionId: id, brokenUrl: before.media.selfie ?? undefined },
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshed).toBe(true);
    expect(refreshed.body.media.selfie).not.toBeNull();
    expect(refreshed.body.media.selfie).not.toBe(before.media.selfie);
    const after = await readSession(page, id);
    expect(after.media.selfie).toBe(refreshed.body.media.selfie);
    expect(after.version).toBe(before.version);

    // Decide with the keyboard, on the version the page loaded before the refresh.
    await decideByKeys(page, 'd');

    // Saved: the status line says so and the run moves on (next session, or the queue when none is left).
    await expect.poll(() => outcome(page, id), { timeout: 30_000 }).toBe('moved on');
    await expect.poll(() => statusLines(page), { timeout: 15_000 }).toContainEqual(expect.stringMatching(/^Declined /));
    const decided = await readSession(page, id);
    expect(decided.timeline.filter((entry) => entry.kind === 'decline' && entry.actor === 'analyst@example.test')).toHaveLength(
      1,
    );
    // Recorded and on its way to Didit (whose confirmation, right after a first start's backlog, can take a minute).
    const { pushState, pushError } = await readSession(page, id);
    expect({ pushState, pushError }).toEqual({ pushState: expect.stringMatching(/^(pending|confirmed)$/), pushError: null });

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 120_000);

  it('no verdict without evidence: failed images say so, and deciding anyway asks first and is recorded', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    const consoleOrigin = new URL(app.baseUrl).origin;
    // The sandbox serves the images under /media/ on its own origin: make every one of them fail.
    await page.route(
      (url) => url.origin !== consoleOrigin && url.pathname.startsWith('/media/'),
      (route) => route.abort('failed'),
    );
    const refreshes: Request[] = [];
    const decisions: Request[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'POST') return;
      if (request.url().endsWith('/refresh-media')) refreshes.push(request);
      if (request.url().endsWith('/decision')) decisions.push(request);
    });

    await loginAs(page, app.baseUrl, 'analyst@example.test', '/queue?assignee=unassigned');
    // Both images: a session whose workflow matches faces (selfie and reference portrait).
    const item = await waitForQueueItem(page, (candidate) => candidate.hasFaceMatch);
    const id = await openFromQueue(page, item.id);
    await page.getByText('Claimed for you').waitFor();

    // Each image failed, the page fetched fresh links by itself, those failed too: both frames say so.
    const evidence = page.getByRole('region', { name: 'Evidence images' });
    const frames = [
      evidence.getByRole('group', { name: /^Live selfie/ }),
      evidence.getByRole('group', { name: /^Reference portrait/ }),
    ];
    for (const frame of frames) {
      await frame.getByText('The image did not load').waitFor({ timeout: 30_000 });
      await frame.getByRole('button', { name: 'Retry now' }).waitFor({ timeout: 30_000 });
    }
    // One refresh by itself, not one per failed link (which looped, spending Didit's decision budget).
    expect(refreshes.length).toBe(1);
    expect(await loadedEvidenceImages(page)).toBe(0);
    // And it has stopped asking for links.
    const settled = refreshes.length;
    await page.waitForTimeout(3_000);
    expect(refreshes.length).toBe(settled);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // "Retry now", clicked inside the image frame, asks for fresh links again; they fail again.
    await frames[0]?.getByRole('button', { name: 'Retry now' }).click();
    await expect.poll(() => refreshes.length, { timeout: 10_000 }).toBeGreaterThan(settled);
    for (const frame of frames) await frame.getByRole('button', { name: 'Retry now' }).waitFor({ timeout: 30_000 });
    expect(await loadedEvidenceImages(page)).toBe(0);

    // Decline by keyboard: held back with the question instead of being sent.
    await decideByKeys(page, 'd');
    const question = page.getByRole('alertdialog');
    await question.waitFor();
    expect(await question.textContent()).toContain('The selfie and reference portrait have not loaded.');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // "Wait for the images" sends nothing.
    await question.getByRole('button', { name: 'Wait for the images' }).click();
    await question.waitFor({ state: 'detached' });
    await page.waitForTimeout(500);
    expect(decisions).toHaveLength(0);
    expect(new URL(page.url()).pathname).toBe(`/sessions/${id}`);

    // Asked again, "Decide without images" records the decision, saying so.
    await page.locator('body').focus();
    await page.keyboard.press('Enter');
    await question.waitFor();
    await question.getByRole('button', { name: 'Decide without images' }).click();
    await expect.poll(() => outcome(page, id), { timeout: 30_000 }).toBe('moved on');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.postDataJSON()).toMatchObject({ decision: 'Declined', evidenceMissing: ['selfie', 'portrait'] });

    const recorded = '[Decided without the evidence images: the selfie and reference portrait had not loaded.]';
    const decided = await readSession(page, id);
    const decline = decided.timeline.find((entry) => entry.kind === 'decline');
    expect(decline?.note).toContain(recorded);
    // The session's timeline shows it.
    await page.goto(`${app.baseUrl}/sessions/${id}`);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await expect.poll(() => timeline.getByText(recorded, { exact: false }).count(), { timeout: 15_000 }).toBe(1);

    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 150_000);

  it('claims follow how a session was opened: from the queue it is claimed, by its URL it is only looked at', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test', '/queue?assignee=unassigned');
    const held = await waitForQueueItem(page, () => true);

    // From the queue: claimed for the analyst, who can decide.
    const heldId = await openFromQueue(page, held.id);
    await page.getByText('Claimed for you: you are working on this session.').waitFor();
    await page.getByText('Claimed by analyst@example.test').waitFor();
    expect(await page.getByRole('button', { name: /^Approve/ }).count()).toBe(1);
    expect((await readSession(page, heldId)).claim?.label).toBe('analyst@example.test');

    // A second analyst, in their own browser, pastes its URL: they see who holds it and nothing that conflicts.
    const other = await launchBrowser();
    try {
      const page2 = await other.newPage();
      const errors2 = watchPageErrors(page2);
      await loginAs(page2, app.baseUrl, 'analyst2@example.test');
      await page2.goto(`${app.baseUrl}/sessions/${heldId}`);
      await page2.getByText('analyst@example.test is working on this session.').waitFor();
      await page2.getByText('Claimed by analyst@example.test').waitFor();
      expect(await page2.getByRole('button', { name: /^(Approve|Decline)/ }).count()).toBe(0);
      expect(await page2.getByRole('button', { name: 'Claim', exact: true }).count()).toBe(0);
      expect(await seriousAccessibilityViolations(page2)).toEqual([]);
      expect((await readSession(page2, heldId)).claim?.label).toBe('analyst@example.test');

      // A session nobody holds, opened by its URL: looked at, not claimed; a Claim button is offered.
      const free = await waitForQueueItem(page2, (candidate) => candidate.id !== heldId && candidate.claim === null);
      await page2.goto(`${app.baseUrl}/sessions/${free.id}`);
      await page2.getByRole('heading', { name: 'Scores' }).waitFor();
      await page2.getByRole('button', { name: 'Claim', exact: true }).waitFor();
      await page2.getByText('Unassigned', { exact: true }).waitFor();
      expect(await page2.getByText('Claimed for you').count()).toBe(0);
      await page2.waitForTimeout(1_000);
      expect((await readSession(page2, free.id)).claim).toBeNull();

      // Decided from there: the page stays on it, and no next session is claimed.
      const session = await readSession(page2, free.id);
      await expect.poll(() => loadedEvidenceImages(page2), { timeout: 30_000 }).toBe(evidenceCount(session));
      await decideByKeys(page2, 'a');
      await expect.poll(() => statusLines(page2), { timeout: 15_000 }).toContainEqual(expect.stringMatching(/^Approved /));
      await page2.waitForTimeout(2_000);
      expect(new URL(page2.url()).pathname).toBe(`/sessions/${free.id}`);
      expect(await page2.getByText(/Opening the next session/).count()).toBe(0);
      const claimedByAnalyst2 = await page2.evaluate(async () => {
        const res = await fetch('/api/queue?assignee=me&limit=200', { credentials: 'same-origin' });
        return ((await res.json()) as { items: Array<{ id: string }> }).items.map((item) => item.id);
      });
      expect(claimedByAnalyst2).toEqual([]);
      expect(errors2.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    } finally {
      await other.close();
    }

    // The first analyst still holds theirs.
    expect((await readSession(page, heldId)).claim?.label).toBe('analyst@example.test');
    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 150_000);
});

describe('the embedded sandbox across a restart of the console', () => {
  let first: RunningConsole | undefined;
  let second: RunningConsole | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await first?.stop({ keepDataDir: true });
    await second?.stop({ keepDataDir: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it('media links handed out before the restart still load after it', async () => {
    first = await startConsole();
    dataDir = first.dataDir;
    const port = first.port;

    // Open a session with its images loaded and note the selfie's link.
    let selfie: string;
    let id: string;
    const before = await launchBrowser();
    try {
      const page = await before.newPage();
      await loginAs(page, first.baseUrl, 'analyst@example.test');
      id = (await waitForQueueItem(page, () => true)).id;
      await page.goto(`${first.baseUrl}/sessions/${id}`);
      const session = await readSession(page, id);
      await expect.poll(() => loadedEvidenceImages(page), { timeout: 30_000 }).toBe(evidenceCount(session));
      selfie = (await page.getByRole('img', { name: 'Live selfie' }).getAttribute('src')) ?? '';
      expect(selfie).toMatch(/\/media\//);
    } finally {
      await before.close();
    }
    await first.stop({ keepDataDir: true });
    first = undefined;
    second = await startConsole({}, { dataDir, port });

    // The noted link still answers with the image: same sandbox port, same signing key.
    const res = await fetch(selfie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/jpeg/);
    // The sandbox kept them in its data directory.
    const listen = JSON.parse(await readFile(path.join(dataDir, 'didit-sandbox.listen.json'), 'utf8')) as { port: number };
    expect(new URL(selfie).port).toBe(String(listen.port));

    // And the session page shows its images from the stored links, without having to refresh them
    // (a fresh browser: nothing comes from its cache).
    const after = await launchBrowser();
    try {
      const page = await after.newPage();
      const errors = watchPageErrors(page);
      const refreshes: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/refresh-media')) refreshes.push(request.url());
      });
      await loginAs(page, second.baseUrl, 'analyst@example.test');
      await page.goto(`${second.baseUrl}/sessions/${id}`);
      const session = await readSession(page, id);
      await expect.poll(() => loadedEvidenceImages(page), { timeout: 30_000 }).toBe(evidenceCount(session));
      expect(refreshes).toEqual([]);
      expect(await page.getByText('The image did not load').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await after.close();
    }
  }, 300_000);
});

interface QueueItem {
  id: string;
  hasFaceMatch: boolean;
  claim: { label: string } | null;
}

interface SessionSummary {
  version: number | string;
  status: string;
  decisionSource: string | null;
  pushState: string | null;
  pushError: string | null;
  hasFaceMatch: boolean;
  claim: { label: string } | null;
  media: { selfie: string | null; portrait: string | null; video: string | null };
  timeline: Array<{ kind?: string; actor?: string; note?: string | null }>;
}

/** Waits (the backlog arrives by webhook) for an In Review session on the queue's first page that fits. */
async function waitForQueueItem(page: Page, fits: (item: QueueItem) => boolean): Promise<QueueItem> {
  let found: QueueItem | undefined;
  await expect
    .poll(
      async () => {
        const items = await page.evaluate(async () => {
          const res = await fetch('/api/queue?assignee=unassigned&limit=50', { credentials: 'same-origin' });
          return ((await res.json()) as { items: QueueItem[] }).items;
        });
        found = items.find(fits);
        return found !== undefined;
      },
      { timeout: 90_000, interval: 1_000 },
    )
    .toBe(true);
  return found as QueueItem;
}

/** On the queue (filtered to unassigned sessions), moves to the session's row and presses Enter. */
async function openFromQueue(page: Page, id: string): Promise<string> {
  const row = page.locator(`[data-session-link="${id}"]`);
  await row.waitFor({ timeout: 30_000 });
  await row.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.pathname === `/sessions/${id}`);
  await page.getByRole('heading', { name: 'Scores' }).waitFor();
  return id;
}

/** Decides with the keyboard alone: `a` or `d`, the first reason, a note if overriding, `Enter`. */
async function decideByKeys(page: Page, key: 'a' | 'd'): Promise<void> {
  await page.locator('body').focus();
  await page.keyboard.press(key);
  await page.getByRole('radio').first().waitFor();
  await page.keyboard.press('1');
  await expect.poll(() => page.getByRole('radio', { checked: true }).count()).toBe(1);
  await addNoteIfOverriding(page);
  await page.keyboard.press('Enter');
}

/** When Didit decided the session meanwhile, overriding needs a note: typed after `n`, left with Escape. */
async function addNoteIfOverriding(page: Page): Promise<void> {
  if ((await page.getByText(/required: overrides/).count()) === 0) return;
  await page.keyboard.press('n');
  await page.keyboard.type('Checked by keyboard');
  await page.keyboard.press('Escape');
}

/** After a decision in a run: refused as a conflict, still waiting, or moved on to the next session (or the queue). */
async function outcome(page: Page, id: string): Promise<'conflict' | 'waiting' | 'moved on'> {
  if ((await page.getByText(/changed since you opened it/).count()) > 0) return 'conflict';
  return new URL(page.url()).pathname === `/sessions/${id}` ? 'waiting' : 'moved on';
}

function statusLines(page: Page): Promise<string[]> {
  return page.getByRole('status').allTextContents();
}

function readSession(page: Page, id: string): Promise<SessionSummary> {
  return page.evaluate(async (sessionId) => {
    const res = await fetch(`/api/sessions/${sessionId}`, { credentials: 'same-origin' });
    return (await res.json()) as SessionSummary;
  }, id);
}

function evidenceCount(session: SessionSummary): number {
  return [session.media.selfie, session.hasFaceMatch ? session.media.portrait : null].filter((link) => link !== null).length;
}
