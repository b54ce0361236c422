import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfPageToPng, pdfText, pngInk } from '../helpers/pdf.ts';
import { getJson, pollFor } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { decideByKeyboard } from './decide.ts';
import { loginAs, signOut } from './login.ts';
import { evidenceImages, loadedEvidenceImages } from './evidence.ts';

interface SessionSummary {
  status: string;
  pushState: string | null;
  warningCodes: string[];
  livenessScore: number | null;
  thresholds: { version: number | null };
}
interface QueuePage {
  items: Array<{ id: string }>;
  total: number;
}
interface AuditPage {
  entries: Array<{ actorLabel: string; details: Record<string, unknown> }>;
}

/**
 * Issue 20, "Evidence pack", in a real browser on the embedded default: an analyst decides a
 * session, waits for Didit's confirmation, downloads the PDF from the session page; page 1 is
 * rendered to PNG and its text read back (poppler-utils); the audit page shows the generation.
 */
describe('evidence pack', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    // No undo window: the decision goes to Didit at once (the undo flow has its own tests).
    app = await startConsole({ SANDBOX_TRAFFIC_PER_MINUTE: '600', REVIEW_UNDO_SECONDS: '0' });
    await mkdir('test-results', { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('an analyst decides a session, downloads its evidence pack once Didit confirms, and the audit page shows it', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    const id = await pollFor(async () => (await getJson<QueuePage>(page, '/api/queue?limit=1')).items[0]?.id);

    // Opened by its link: the page only looks, and stays after the decision.
    await page.goto(`${app.baseUrl}/sessions/${id}`);
    await page.getByRole('heading', { name: 'Scores' }).waitFor();
    // The faces load before the verdict (a decision sent earlier is held until the analyst looks).
    const opened = await getJson<{ media: { selfie: string | null; portrait: string | null } }>(page, `/api/sessions/${id}`);
    await expect.poll(() => loadedEvidenceImages(page), { timeout: 30_000 }).toBe(evidenceImages(opened));
    const download = page.getByRole('link', { name: 'Download evidence pack (PDF)' });
    expect(await download.count()).toBe(0);
    await page.locator('body').focus();
    // A failure leaves a picture of the page for whoever reads the log.
    await decideByKeyboard(page, 'Declined').catch(async (error: unknown) => {
      await page.screenshot({ path: 'test-results/evidence-pack-decide-failed.png', fullPage: true });
      throw error;
    });

    // Didit confirms (update-status, then its status.updated webhook); the page then offers the pack.
    await expect
      .poll(
        async () => {
          const { status, pushState } = await readSession(page, id);
          return `${status}, push ${pushState}`;
        },
        { timeout: 90_000 },
      )
      .toBe('Declined, push confirmed');
    await page.reload();
    await download.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: '/tmp/evidence-pack-session.png', fullPage: true });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(new RegExp(`^evidence-pack-${id}-\\d{8}T\\d{6}Z\\.pdf$`));
    const pdf = new Uint8Array(await readFile((await file.path()) ?? ''));
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');

    // Page 1 as a person sees it: rendered to PNG, and its text.
    const png = await pdfPageToPng(pdf, { page: 1, dpi: 50 });
    expect(pngInk(png).inkShare).toBeGreaterThan(0.005);
    await writeFile('/tmp/evidence-pack-page1.png', await pdfPageToPng(pdf, { page: 1, dpi: 80 }));
    const first = await pdfText(pdf, { first: 1, last: 1 });
    const session = await readSession(page, id);
    expect(first).toContain(`Session ${id}`);
    expect(first).toContain('Declined');
    expect(first).toContain('Decided by');
    expect(first).toContain('analyst@example.test');
    expect(first).toContain('Scored under');
    if (session.livenessScore !== null) expect(first).toContain(String(Math.round(session.livenessScore * 100) / 100));
    expect(first).toContain(`by analyst@example.test · session ${id}`);
    const all = await pdfText(pdf);
    for (const code of session.warningCodes) expect(all).toContain(code);
    expect(all).toContain('session.decided');
    expect(all).toMatch(/Selfie\s+[0-9a-f]{64}/);
    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await signOut(page, app.baseUrl);

    // The audit page: the generation, by whom, in words.
    await loginAs(page, app.baseUrl, 'lead@example.test', '/audit');
    const entries = await getJson<AuditPage>(page, `/api/audit?action=session.evidence_pack_generated&targetId=${id}`);
    expect(entries.entries.map((entry) => [entry.actorLabel, entry.details['imagesIncluded']])).toEqual([
      ['analyst@example.test', false],
    ]);
    await page.goto(`${app.baseUrl}/audit?action=session.evidence_pack_generated&targetId=${id}`);
    const row = page.getByRole('table').getByRole('row').filter({ hasText: 'evidence pack (PDF) generated' });
    await row.waitFor();
    expect(await row.textContent()).toContain('image hashes only');
    await page.screenshot({ path: '/tmp/evidence-pack-audit.png', fullPage: true });
    await page.close();
  }, 240_000);
});

function readSession(page: Page, id: string): Promise<SessionSummary> {
  return page.evaluate(async (sessionId) => {
    const res = await fetch(`/api/sessions/${sessionId}`, { credentials: 'same-origin' });
    return (await res.json()) as SessionSummary;
  }, id);
}
