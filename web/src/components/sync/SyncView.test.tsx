import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ParkedWebhook, QuarantinedDelivery, SyncStatus } from '../../../../server/contract/sync.ts';
import { syncStatusSchema } from '../../../../server/contract/sync.ts';
import { ApiError } from '../../api/client.ts';
import type { SyncApi } from '../../api/sync.ts';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { SyncView } from './SyncView.tsx';

afterEach(cleanup);

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

function parkedRow(overrides: Partial<ParkedWebhook> = {}): ParkedWebhook {
  return {
    id: 7,
    sessionId: '7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11',
    webhookType: 'status.updated',
    status: 'Approved',
    eventTimestamp: ago(3600),
    attempts: 8,
    lastError: 'session not found at Didit',
    parkedAt: ago(1800),
    ...overrides,
  };
}

function quarantinedRow(overrides: Partial<QuarantinedDelivery> = {}): QuarantinedDelivery {
  return {
    id: 3,
    receivedAt: ago(900),
    lastReceivedAt: ago(900),
    deliveries: 1,
    reason: 'stale_timestamp',
    detail: 'timestamp 1800 s old, accepted window 300 s',
    webhookType: 'status.updated',
    sessionId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    eventTimestamp: ago(2700),
    repairState: 'queued',
    repairedAt: null,
    repairError: null,
    ...overrides,
  };
}

function syncStatus(
  overrides: {
    webhooks?: Partial<SyncStatus['webhooks']>;
    reconciliation?: Partial<SyncStatus['reconciliation']>;
    workers?: SyncStatus['workers'];
  } = {},
): SyncStatus {
  // Parse through the contract so fixtures cannot drift from what the page accepts.
  return syncStatusSchema.parse({
    webhooks: {
      lastReceivedAt: ago(120),
      receivedLastHour: 42,
      backlog: 0,
      oldestPendingAt: null,
      retrying: 0,
      parkedCount: 0,
      parked: [],
      quarantinedCount: 0,
      quarantined: [],
      ...overrides.webhooks,
    },
    reconciliation: {
      active: null,
      lastCompleted: { since: ago(86_400), startedAt: ago(300), finishedAt: ago(280), examined: 120, repaired: 2 },
      lagSeconds: 300,
      ...overrides.reconciliation,
    },
    workers: overrides.workers ?? [
      { workerId: 'vm:101:ab12cd34', hostname: 'vm', pid: 101, startedAt: ago(3_600), lastSeenAt: ago(20) },
    ],
    didit: {
      calls: [
        { operation: 'getDecision', total: 200, errors: 0, rateLimited: 0, errorRate: 0 },
        { operation: 'listSessions', total: 20, errors: 2, rateLimited: 2, errorRate: 0.1 },
      ],
      rateLimits: [
        {
          scope: 'generic-get',
          budgetPerMinute: 540,
          usedLastMinute: 12,
          blockedUntil: null,
          reportedLimit: 600,
          reportedRemaining: 580,
          reportedResetAt: null,
          lastThrottledAt: null,
        },
        {
          scope: 'session-decision',
          budgetPerMinute: 90,
          usedLastMinute: 90,
          blockedUntil: new Date(Date.now() + 30_000).toISOString(),
          reportedLimit: 100,
          reportedRemaining: 0,
          reportedResetAt: null,
          lastThrottledAt: ago(10),
        },
      ],
    },
  });
}

function fakeSyncApi(overrides: Partial<SyncApi> = {}): SyncApi {
  return {
    getStatus: vi.fn<SyncApi['getStatus']>(() => Promise.resolve(syncStatus())),
    replayWebhook: vi.fn<SyncApi['replayWebhook']>((id) =>
      Promise.resolve({ id, sessionId: 'session', status: 'queued' as const }),
    ),
    ...overrides,
  };
}

function renderSync(api: SyncApi, { canReplay = true, pollMs = 0 } = {}) {
  const router = createMemoryRouter([{ path: '/sync', element: <SyncView api={api} canReplay={canReplay} pollMs={pollMs} /> }], {
    initialEntries: ['/sync'],
  });
  renderWithQuery(<RouterProvider router={router} />);
}

const stat = (label: string) => {
  const term = screen.getByText(label, { selector: 'dt' });
  const card = term.parentElement;
  if (!card) throw new Error(`no card for ${label}`);
  return card;
};

describe('sync health', () => {
  it('summarises the inbox and warns (in words) when the backlog is ageing', async () => {
    const getStatus = vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(syncStatus({ webhooks: { backlog: 12, oldestPendingAt: ago(180), retrying: 3 } })),
    );
    renderSync(fakeSyncApi({ getStatus }));
    await screen.findByText('Inbox backlog', { selector: 'dt' });

    const backlog = stat('Inbox backlog');
    expect(within(backlog).getByText('12')).toBeTruthy();
    expect(within(backlog).getByText('Warning')).toBeTruthy();
    expect(backlog.dataset.level).toBe('warn');
    expect(backlog.textContent).toContain('Oldest pending for 3 min');

    const last = within(stat('Last webhook received')).getByText('2 min ago');
    expect(last.tagName).toBe('TIME');
    expect(last.getAttribute('title')).toBeTruthy();
    expect(within(stat('Webhooks in the last hour')).getByText('42')).toBeTruthy();
    expect(within(stat('Retrying')).getByText('Warning')).toBeTruthy();
    expect(within(stat('Parked')).getByText('OK')).toBeTruthy();
    expect(within(stat('Reconciliation lag')).getByText('5 min')).toBeTruthy();
    expect(getStatus).toHaveBeenCalledTimes(1);
  });

  it('lists Didit calls and rate-limit budgets in captioned tables, with the state in words', async () => {
    renderSync(fakeSyncApi());
    const calls = await screen.findByRole('table', { name: /Didit calls in the last 15 minutes/ });
    const listRow = within(calls).getByRole('row', { name: /listSessions/ });
    expect(within(listRow).getByText('10%')).toBeTruthy();
    expect(within(listRow).getByText('Needs attention')).toBeTruthy();
    expect(within(within(calls).getByRole('row', { name: /getDecision/ })).getByText('OK')).toBeTruthy();

    const budgets = screen.getByRole('table', { name: 'Didit rate-limit budgets' });
    const blocked = within(budgets).getByRole('row', { name: /session-decision/ });
    expect(within(blocked).getByText('Blocked')).toBeTruthy();
    expect(within(blocked).getByText('90 of 90')).toBeTruthy();
    expect(within(within(budgets).getByRole('row', { name: /generic-get/ })).getByText('Not blocked')).toBeTruthy();
  });

  it('lists parked rows as text and replays one, announcing the result', async () => {
    const hostile = '<img src=x onerror="alert(1)"> bad payload';
    const first = syncStatus({ webhooks: { parkedCount: 2, parked: [parkedRow(), parkedRow({ id: 8, lastError: hostile })] } });
    const after = syncStatus({ webhooks: { parkedCount: 1, parked: [parkedRow({ id: 8, lastError: hostile })] } });
    const getStatus = vi.fn<SyncApi['getStatus']>().mockResolvedValueOnce(first).mockResolvedValue(after);
    const replayWebhook = vi.fn<SyncApi['replayWebhook']>((id) =>
      Promise.resolve({ id, sessionId: '7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11', status: 'queued' as const }),
    );
    renderSync(fakeSyncApi({ getStatus, replayWebhook }));

    const table = await screen.findByRole('table', { name: /Parked webhook events/ });
    const row = within(table).getByRole('row', { name: /^7\b/ });
    const link = within(row).getByRole('link', { name: '7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11' });
    expect(link.getAttribute('href')).toBe('/sessions/7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11');
    expect(within(row).getByText('session not found at Didit')).toBeTruthy();
    expect(within(table).getByText(hostile)).toBeTruthy();
    expect(table.querySelector('img')).toBeNull();

    const status = screen.getByRole('status');
    expect(status.textContent).toBe('');
    fireEvent.click(within(row).getByRole('button', { name: 'Replay webhook 7' }));
    await waitFor(() =>
      expect(status.textContent).toBe('Webhook 7 queued for replay (session 7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11).'),
    );
    expect(replayWebhook).toHaveBeenCalledWith(7);
    // The status is fetched again at once: the replayed row leaves the list.
    await waitFor(() => expect(within(table).queryByRole('row', { name: /^7\b/ })).toBeNull());
    expect(getStatus).toHaveBeenCalledTimes(2);
  });

  it('announces a failed replay', async () => {
    const getStatus = vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(syncStatus({ webhooks: { parkedCount: 1, parked: [parkedRow()] } })),
    );
    const replayWebhook = vi.fn<SyncApi['replayWebhook']>(() =>
      Promise.reject(new ApiError(403, 'forbidden', 'You do not have permission to replay webhooks.')),
    );
    renderSync(fakeSyncApi({ getStatus, replayWebhook }));
    fireEvent.click(await screen.findByRole('button', { name: 'Replay webhook 7' }));
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe(
        'Replay of webhook 7 failed: You do not have permission to replay webhooks.',
      ),
    );
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Replay webhook 7' }).disabled).toBe(false);
  });

  it('hides Replay from users without the capability', async () => {
    const getStatus = vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(syncStatus({ webhooks: { parkedCount: 1, parked: [parkedRow()] } })),
    );
    renderSync(fakeSyncApi({ getStatus }), { canReplay: false });
    const table = await screen.findByRole('table', { name: /Parked webhook events/ });
    expect(within(table).getByText('session not found at Didit')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Replay/ })).toBeNull();
    expect(within(table).queryByRole('columnheader', { name: 'Actions' })).toBeNull();
  });

  it('shows the empty state only when no webhook has ever arrived', async () => {
    const getStatus = vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(
        syncStatus({
          webhooks: { lastReceivedAt: null, receivedLastHour: 0 },
          reconciliation: { lastCompleted: null, lagSeconds: null },
        }),
      ),
    );
    renderSync(fakeSyncApi({ getStatus }));
    expect(await screen.findByRole('heading', { name: 'No webhooks received yet' })).toBeTruthy();
    expect(screen.queryByRole('table', { name: /Parked webhook events/ })).toBeNull();
    expect(screen.queryByText('Inbox backlog')).toBeNull();
    // Reconciliation and Didit traffic still say something useful.
    expect(within(stat('Reconciliation lag')).getByText('No walk completed')).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Didit rate-limit budgets' })).toBeTruthy();
  });

  it('does not show the empty state when webhooks have arrived but none are parked', async () => {
    renderSync(fakeSyncApi());
    expect(await screen.findByText(/No parked webhooks/)).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'No webhooks received yet' })).toBeNull();
  });

  it('polls while visible and says when a refresh fails, keeping the last status', async () => {
    vi.useFakeTimers();
    try {
      const getStatus = vi
        .fn<SyncApi['getStatus']>()
        .mockResolvedValueOnce(syncStatus())
        .mockRejectedValueOnce(new Error('network down'))
        .mockResolvedValue(syncStatus());
      renderSync(fakeSyncApi({ getStatus }), { pollMs: 10_000 });
      await act(async () => {
        await Promise.resolve();
      });
      expect(getStatus).toHaveBeenCalledTimes(1);
      await act(async () => {
        await vi.advanceTimersByTimeAsync(10_000);
      });
      expect(getStatus).toHaveBeenCalledTimes(2);
      expect(screen.getByRole('alert').textContent).toContain('network down');
      expect(screen.getByText('Inbox backlog', { selector: 'dt' })).toBeTruthy();

      const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
      await act(async () => {
        await vi.advanceTimersByTimeAsync(30_000);
      });
      expect(getStatus).toHaveBeenCalledTimes(2);
      visibility.mockReturnValue('visible');
      await act(async () => {
        // As browsers fire it: at the document, bubbling to the window (where TanStack Query listens).
        document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
        await vi.advanceTimersByTimeAsync(0);
      });
      expect(getStatus).toHaveBeenCalledTimes(3);
      expect(screen.queryByRole('alert')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('lists worker processes and flags one that has gone silent', async () => {
    const getStatus = vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(
        syncStatus({
          workers: [
            { workerId: 'vm:101:ab12cd34', hostname: 'vm', pid: 101, startedAt: ago(3_600), lastSeenAt: ago(20) },
            { workerId: 'vm:202:ef56ab78', hostname: 'vm', pid: 202, startedAt: ago(7_200), lastSeenAt: ago(900) },
          ],
        }),
      ),
    );
    renderSync(fakeSyncApi({ getStatus }));
    const table = await screen.findByRole('table', { name: /Worker processes/ });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.textContent)).toEqual([expect.stringContaining('Running'), expect.stringContaining('Silent')]);
  });
  it('lists quarantined deliveries as text: reason and repair in words, session link, repeated deliveries', async () => {
    const hostile = '<img src=x onerror="alert(1)"> not JSON';
    const rows = [
      quarantinedRow({ repairState: 'repaired', repairedAt: ago(850), deliveries: 3, lastReceivedAt: ago(600) }),
      quarantinedRow({ id: 4, reason: 'timestamp_mismatch', repairState: 'queued' }),
      quarantinedRow({
        id: 5,
        reason: 'malformed_json',
        detail: hostile,
        webhookType: null,
        sessionId: null,
        eventTimestamp: null,
        repairState: 'not_possible',
      }),
      quarantinedRow({ id: 6, reason: 'invalid_envelope', repairState: 'gone' }),
      quarantinedRow({ id: 7, reason: 'unstorable', repairState: 'failed', repairError: 'Didit answered 503' }),
    ];
    const getStatus = vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(syncStatus({ webhooks: { quarantinedCount: 60, quarantined: rows } })),
    );
    renderSync(fakeSyncApi({ getStatus }));

    expect(await screen.findByRole('heading', { name: 'Quarantined deliveries' })).toBeTruthy();
    const table = screen.getByRole('table', { name: /Quarantined webhook deliveries, latest first \(5 of 60 shown\)/ });
    const row = (id: number) => within(table).getByRole('row', { name: new RegExp(`^${id}\\b`) });

    const repaired = row(3);
    expect(within(repaired).getByText('Timestamp outside the accepted window')).toBeTruthy();
    expect(within(repaired).getByText('timestamp 1800 s old, accepted window 300 s')).toBeTruthy();
    expect(within(repaired).getByText('status.updated')).toBeTruthy();
    expect(within(repaired).getByText('Repaired from Didit')).toBeTruthy();
    expect(repaired.textContent).toMatch(/last .+, 3 deliveries/);
    const link = within(repaired).getByRole('link', { name: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' });
    expect(link.getAttribute('href')).toBe('/sessions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');

    expect(within(row(4)).getByText('Header and body timestamps differ')).toBeTruthy();
    expect(within(row(4)).getByText('Re-reading from Didit')).toBeTruthy();
    expect(row(4).textContent).not.toMatch(/deliveries/);

    const noSession = row(5);
    expect(within(noSession).getByText('Body is not JSON')).toBeTruthy();
    expect(within(noSession).getByText(hostile)).toBeTruthy();
    expect(within(noSession).getByText('No session id to re-read')).toBeTruthy();
    expect(within(noSession).getByText('Warning')).toBeTruthy();
    expect(within(noSession).queryByRole('link')).toBeNull();
    expect(table.querySelector('img')).toBeNull();

    expect(within(row(6)).getByText("Body does not match Didit's envelope")).toBeTruthy();
    expect(within(row(6)).getByText('Didit no longer has the session')).toBeTruthy();
    expect(within(row(7)).getByText('Refused by the database')).toBeTruthy();
    expect(within(row(7)).getByText('Re-read failed: Didit answered 503, retrying')).toBeTruthy();
  });

  it("warns in the summary when a quarantined delivery's re-read failed or is not possible", async () => {
    const getStatus = vi
      .fn<SyncApi['getStatus']>()
      .mockResolvedValueOnce(
        syncStatus({
          webhooks: {
            quarantinedCount: 3,
            quarantined: [
              quarantinedRow({ id: 1, repairState: 'failed', repairError: 'timeout' }),
              quarantinedRow({ id: 2, repairState: 'not_possible', sessionId: null }),
              quarantinedRow({ id: 3, repairState: 'repaired', repairedAt: ago(60) }),
            ],
          },
        }),
      )
      .mockResolvedValue(
        syncStatus({
          webhooks: { quarantinedCount: 1, quarantined: [quarantinedRow({ repairState: 'repaired', repairedAt: ago(60) })] },
        }),
      );
    renderSync(fakeSyncApi({ getStatus }));
    await screen.findByText('Quarantined', { selector: 'dt' });
    const card = stat('Quarantined');
    expect(card.dataset.level).toBe('warn');
    expect(within(card).getByText('3')).toBeTruthy();
    expect(within(card).getByText('Warning')).toBeTruthy();
    expect(card.textContent).toContain('2 to look at');

    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(stat('Quarantined').dataset.level).toBe('ok'));
    expect(within(stat('Quarantined')).getByText('OK')).toBeTruthy();
  });

  it('says so when nothing is quarantined, and shows quarantined deliveries even when no event was stored', async () => {
    renderSync(fakeSyncApi());
    expect(await screen.findByText(/No quarantined deliveries/)).toBeTruthy();
    expect(within(stat('Quarantined')).getByText('0')).toBeTruthy();
    cleanup();

    // Every delivery stale (a clock off by minutes): nothing stored, but not "nothing received".
    const getStatus = vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(
        syncStatus({
          webhooks: { lastReceivedAt: null, receivedLastHour: 0, quarantinedCount: 1, quarantined: [quarantinedRow()] },
        }),
      ),
    );
    renderSync(fakeSyncApi({ getStatus }));
    expect(await screen.findByRole('table', { name: /Quarantined webhook deliveries/ })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'No webhooks received yet' })).toBeNull();
  });
});
