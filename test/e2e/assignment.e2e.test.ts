import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, pollFor } from './api.ts';
import { launchBrowser, seriousAccessibilityViolations, watchPageErrors, type Browser } from './browser.ts';
import { startConsole, type RunningConsole } from './console-process.ts';
import { loginAs, signOut } from './login.ts';

interface AuditPage {
  entries: Array<{ action: string; actorLabel: string; targetId: string | null; details: Record<string, unknown> }>;
}
interface QueuePage {
  items: Array<{ id: string; workflowId: string | null; assignedTo: { label: string } | null; slaState: string | null }>;
}

/** A PUT as the web client sends it: same origin, JSON, and the console's CSRF header. */
function putJson(page: Page, path: string, body: unknown): Promise<number> {
  return page.evaluate(
    async ({ url, payload }) => {
      const res = await fetch(url, {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'X-Requested-With': 'review-console', 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
      return res.status;
    },
    { url: path, payload: body },
  );
}

/**
 * Assignment and SLAs (issue 20, ADR 0020) in a real browser against `npm start` (sandbox traffic,
 * worker, dev IdP): a lead switches auto-assign on for a workflow (with a 5-minute SLA, and
 * SLA_AT_RISK_PERCENT=99 so a session is at risk after its first minute); an analyst marks
 * themselves available in the header; the worker assigns them new In Review sessions; their
 * queue (_Mine_) shows them, assigned to them and highlighted at risk in words; the audit has
 * it all. Screenshot: /tmp/assignment.png.
 */
describe('assignment and SLAs', () => {
  let app: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startConsole({ SANDBOX_TRAFFIC_PER_MINUTE: '30', SLA_AT_RISK_PERCENT: '99' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('a lead turns auto-assign on, an available analyst gets sessions, sees them at risk, and the audit shows it', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    const errors = watchPageErrors(page);

    // The lead picks a workflow the sandbox sends sessions to review in, and switches auto-assign on.
    await loginAs(page, app.baseUrl, 'lead@example.test');
    const workflowId = await pollFor(async () => {
      const queue = await getJson<QueuePage>(page, '/api/queue');
      return queue.items.find((item) => item.workflowId)?.workflowId ?? undefined;
    });
    expect(await putJson(page, `/api/workflows/${workflowId}/sla`, { slaMinutes: 5 })).toBe(200);
    await page.goto(`${app.baseUrl}/workflows/${workflowId}`);
    const autoAssign = page.getByRole('switch', { name: 'Auto-assign new In Review sessions' });
    await autoAssign.click();
    await expect.poll(() => autoAssign.isChecked()).toBe(true);
    await page.getByText('New In Review sessions are assigned to the available analyst').waitFor();
    await signOut(page, app.baseUrl);

    // The analyst says they are available, in the header.
    await loginAs(page, app.baseUrl, 'analyst@example.test');
    const available = page.getByRole('switch', { name: 'Available for assignment' });
    expect(await available.isChecked()).toBe(false);
    await available.click();
    await expect.poll(() => available.isChecked()).toBe(true);

    // The worker assigns them sessions of that workflow (at once, then every minute).
    const assignedId = await pollFor(async () => {
      const mine = await getJson<QueuePage>(page, '/api/queue?assignee=me');
      return mine.items.find((item) => item.assignedTo?.label === 'analyst@example.test')?.id;
    });
    // After a minute in review, under 99 % of the 5-minute SLA is left: at risk.
    await pollFor(async () => {
      const mine = await getJson<QueuePage>(page, '/api/queue?assignee=me');
      return mine.items.find((item) => item.id === assignedId && item.slaState !== 'ok') ? true : undefined;
    });
    await page.goto(`${app.baseUrl}/queue?assignee=me`);
    const row = page.locator(`tr:has([data-session-link="${assignedId}"])`);
    await row.waitFor();
    expect(await row.textContent()).toContain('analyst@example.test');
    expect(await row.getAttribute('data-sla')).toMatch(/at_risk|breached/);
    expect(await row.textContent()).toMatch(/SLA at risk|SLA breached/);
    expect(await page.getByRole('columnheader', { name: 'Assigned to' }).count()).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/assignment.png' });
    await signOut(page, app.baseUrl);

    // The lead reads the trail: the switch, the availability, the console's assignment.
    await loginAs(page, app.baseUrl, 'lead@example.test', '/audit');
    const assigned = await getJson<AuditPage>(page, '/api/audit?action=session.assigned');
    const entry = assigned.entries.find((e) => e.targetId === assignedId);
    expect(entry).toMatchObject({ actorLabel: 'console', details: { assignee: 'analyst@example.test' } });
    const switched = await getJson<AuditPage>(page, '/api/audit?action=workflow.auto_assign_changed');
    expect(switched.entries.map((e) => [e.actorLabel, e.details])).toEqual([['lead@example.test', { from: false, to: true }]]);
    const availability = await getJson<AuditPage>(page, '/api/audit?action=analyst.availability_changed');
    expect(availability.entries.map((e) => [e.actorLabel, e.details])).toEqual([
      ['analyst@example.test', { from: false, to: true, released: 0 }],
    ]);
    // The Team page: the analyst is available with the default cap; the lead gives them a cap of 8.
    await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Team' }).click();
    const team = page.getByRole('table', { name: 'Team availability' });
    const analystRow = team
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'analyst@example.test', exact: true }) });
    await analystRow.waitFor();
    expect(await analystRow.textContent()).toMatch(/yes/);
    expect(await analystRow.textContent()).toMatch(/default \(5\)/);
    await analystRow.getByLabel('Cap for analyst@example.test').fill('8');
    await analystRow.getByRole('button', { name: 'Save' }).click();
    await analystRow.getByRole('button', { name: 'Use default' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/team.png', fullPage: true });
    const capped = await getJson<AuditPage>(page, '/api/audit?action=analyst.cap_changed');
    expect(capped.entries.map((e) => [e.actorLabel, e.details])).toEqual([['lead@example.test', { from: null, to: 8 }]]);
    // Insights counts sessions at risk and breached now.
    await page.goto(`${app.baseUrl}/insights`);
    await page.getByRole('heading', { name: 'SLA now' }).waitFor();
    expect(await page.getByTestId('sla-now-summary').textContent()).toMatch(/\d+ at risk, \d+ breached/);
    expect(errors.filter((error) => !/Failed to load resource/.test(error))).toEqual([]);
    await page.close();
  }, 300_000);
});
