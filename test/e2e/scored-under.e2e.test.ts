import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { getJson, pollFor, postJson } from './api.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs, signOut } from './login.ts';

/**
 * Issue 14, item 2 in a real browser: a session that went to review under the thresholds then in
 * force keeps being drawn against them after a lead applies new ones, and the page says that a
 * newer version is in force.
 */
describe('an in-review session and the thresholds it was scored under', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startConsole({ SANDBOX_TRAFFIC_PER_MINUTE: '600' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('keeps the thresholds that sent it to review after new ones are applied, and names the version now in force', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'lead@example.test', '/workflows');

    // The face-match workflow, synced from Didit, and a session of it waiting in review.
    const workflowId = await pollFor(async () => {
      const { items } = await getJson<{ items: Array<{ id: string; hasFaceMatch: boolean }> }>(page, '/api/workflows');
      return items.find((w) => w.hasFaceMatch)?.id;
    });
    const sessionId = await pollFor(async () => {
      const { items } = await getJson<{ items: Array<{ id: string }> }>(page, `/api/queue?workflow=${workflowId}&limit=50`);
      return items[0]?.id;
    });
    const before = await getJson<SessionThresholds>(page, `/api/sessions/${sessionId}`);
    expect(before.thresholds).toMatchObject({ faceMatchReview: 70, faceMatchDecline: 50, nowInForce: null });

    // A lead proposes stricter face-match thresholds; a second lead approves; Didit confirms.
    const proposed = await postJson(page, `/api/workflows/${workflowId}/thresholds`, {
      thresholds: { livenessReview: 70, livenessDecline: 50, faceMatchReview: 85, faceMatchDecline: 65 },
      reason: 'Tighten face match after the fraud review.',
    });
    expect(proposed.status).toBe(201);
    const version = (proposed.body as { version: number }).version;
    await signOut(page, app.baseUrl);
    await loginAs(page, app.baseUrl, 'lead2@example.test', '/workflows');
    expect((await postJson(page, `/api/workflows/${workflowId}/thresholds/${version}/approve`, {})).status).toBe(200);
    await pollFor(async () => {
      const detail = await getJson<{ versions: Array<{ version: number; state: string }> }>(page, `/api/workflows/${workflowId}`);
      return detail.versions.find((v) => v.version === version && v.state === 'applied') ? true : undefined;
    });

    // The analyst opens the session: still drawn against 70/50, with the new version named.
    await signOut(page, app.baseUrl);
    await loginAs(page, app.baseUrl, 'analyst@example.test', `/sessions/${sessionId}`);
    const note = page.getByTestId('scored-under');
    await expect.poll(() => note.textContent(), { timeout: 15_000 }).toMatch(new RegExp(`v${version} now in force\\.$`));
    const faceMatch = page.getByRole('meter', { name: 'Face match' });
    expect(await faceMatch.getAttribute('aria-valuetext')).toMatch(/\(decline ≤ 50, review ≤ 70\)$/);
    const after = await getJson<SessionThresholds>(page, `/api/sessions/${sessionId}`);
    expect(after.thresholds).toMatchObject({ faceMatchReview: 70, faceMatchDecline: 50, nowInForce: { version } });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 240_000);
});

interface SessionThresholds {
  thresholds: {
    faceMatchReview: number | null;
    faceMatchDecline: number | null;
    nowInForce: { version: number } | null;
  };
}
