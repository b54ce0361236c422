import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ParkedWebhook, PendingPush, QuarantinedDelivery, SyncStatus } from '../../../../server/contract/sync.ts';
import { syncStatusSchema } from '../../../../server/contract/sync.ts';
import { ApiError } from '../../api/client.ts';
import type { SyncApi } from '../../api/sync.ts';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { formatInstant } from './sync-health.ts';
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

function pendingPushRow(overrides: Partial<PendingPush> = {}): PendingPush {
  return {
    reviewEventId: 41,
    sessionId: '11111111-2222-3333-4444-555555555555',
    decision: 'Approved',
    decidedBy: 'ana@example.com',
    decidedAt: ago(30),
    pendingSeconds: 30,
    attempts: 0,
    lastError: null,
    job: 'queued',
    nextAttemptAt: ago(30),
    requeueable: false,
    ...overrides,
  };
}

function syncStatus(
  overrides: {
    webhooks?: Partial<SyncStatus['webhooks']>;
    reconciliation?: Partial<SyncStatus['reconciliation']>;
    pushes?: Partial<SyncStatus['pushes']>;
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
    pushes: { pendingCount: 0, oldestPendingSeconds: 0, pending: [], ...overrides.pushes },
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
    requeuePush: vi.fn<SyncApi['requeuePush']>((reviewEventId) =>
      Promise.resolve({ reviewEventId, wasJob: 'retrying' as const, status: 'queued' as const }),
    ),
    ...overrides,
  };
}

function renderSync(api: SyncApi, { canReplay = true, canRequeue = true, pollMs = 0 } = {}) {
  const router = createMemoryRouter(
    [{ path: '/sync', element: <SyncView api={api} canReplay={canReplay} canRequeue={canRequeue} pollMs={pollMs} /> }],
    { initialEntries: ['/sync'] },
  );
  renderWithQuery(<RouterProvider router={router} />);
}

const stat = (label: string) => {
  const term = screen.getByText(label, { selector: 'dt' });
  const card = term.parentElement;
  if (!card) throw new Error(`no card for ${label}`);
  return card;
};

/** Each section of the page announces its own actions. */
const announcer = (section: string) => within(screen.getByRole('region', { name: section })).getByRole('status');

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

    const status = announcer('Parked webhooks');
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
      expect(announcer('Parked webhooks').textContent).toBe(
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

describe('decisions on their way to Didit', () => {
  const pushesTable = () => screen.findByRole('table', { name: /Decisions not yet confirmed by Didit/ });
  const pushRow = (table: HTMLElement, sessionId: string) =>
    within(table).getByRole('row', { name: new RegExp(`^${sessionId}\\b`) });

  /** How long a push has waited, as the server reports it (a lead may re-queue it from 2 min). */
  const waited = (seconds: number) => ({ pendingSeconds: seconds, decidedAt: ago(seconds), requeueable: seconds >= 120 });

  /** One push in each job state. */
  const rows = [
    pendingPushRow({ reviewEventId: 1, sessionId: 'retrying-session', job: 'retrying', attempts: 4, ...waited(900) }),
    pendingPushRow({ reviewEventId: 2, sessionId: 'dead-worker-session', job: 'held_by_dead_worker', ...waited(300) }),
    pendingPushRow({ reviewEventId: 3, sessionId: 'missing-job-session', job: 'missing', nextAttemptAt: null, ...waited(200) }),
    pendingPushRow({ reviewEventId: 4, sessionId: 'running-session', job: 'running', nextAttemptAt: null, ...waited(150) }),
    pendingPushRow({ reviewEventId: 5, sessionId: 'young-session', job: 'queued', ...waited(30) }),
  ];

  function withPushes(pending: PendingPush[], pendingCount = pending.length) {
    const oldestPendingSeconds = Math.max(0, ...pending.map((row) => row.pendingSeconds));
    return vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(syncStatus({ pushes: { pendingCount, oldestPendingSeconds, pending } })),
    );
  }

  it.each([
    { when: 'nothing waits', pending: [], level: 'ok', words: 'OK', detail: 'All confirmed by Didit' },
    {
      when: 'the oldest waited under 2 min',
      pending: [pendingPushRow(waited(119))],
      level: 'ok',
      words: 'OK',
      detail: 'Oldest pending for 1 min',
    },
    {
      when: 'the oldest waited 2 min',
      pending: [pendingPushRow(waited(120))],
      level: 'warn',
      words: 'Warning',
      detail: 'Oldest pending for 2 min',
    },
    {
      when: 'the oldest waited 10 min',
      pending: [pendingPushRow(waited(600))],
      level: 'breach',
      words: 'Needs attention',
      detail: 'Oldest pending for 10 min',
    },
    {
      when: 'a young push is held by a worker that stopped',
      pending: [pendingPushRow({ job: 'held_by_dead_worker' })],
      level: 'breach',
      words: 'Needs attention',
      detail: '1 stuck without a live worker',
    },
    {
      when: 'a young push has no job',
      pending: [pendingPushRow({ job: 'missing', nextAttemptAt: null })],
      level: 'breach',
      words: 'Needs attention',
      detail: '1 stuck without a live worker',
    },
  ])('rates the "Decisions to Didit" tile in words when $when', async ({ pending, level, words, detail }) => {
    renderSync(fakeSyncApi({ getStatus: withPushes(pending) }));
    await screen.findByText('Decisions to Didit', { selector: 'dt' });
    const card = stat('Decisions to Didit');
    expect(card.dataset.level).toBe(level);
    expect(within(card).getByText(words)).toBeTruthy();
    expect(within(card).getByText(String(pending.length))).toBeTruthy();
    expect(card.textContent).toContain(detail);
  });

  it('lists each waiting decision as text: session link, who and when, attempts, the job in words, the last error', async () => {
    const hostile = '<img src=x onerror="alert(1)"> Didit answered 503';
    const nextAttemptAt = new Date(Date.now() + 45_000).toISOString();
    const declined = { ...rows[0], decision: 'Declined' as const, nextAttemptAt, lastError: hostile, ...waited(900) };
    renderSync(fakeSyncApi({ getStatus: withPushes([pendingPushRow(declined), ...rows.slice(1)], 60) }));

    const table = await pushesTable();
    expect(table.querySelector('caption')?.textContent).toContain('(5 of 60 shown)');
    const retrying = pushRow(table, 'retrying-session');
    expect(within(retrying).getByRole('link', { name: 'retrying-session' }).getAttribute('href')).toBe(
      '/sessions/retrying-session',
    );
    expect(within(retrying).getByText('Declined')).toBeTruthy();
    expect(within(retrying).getByText('ana@example.com')).toBeTruthy();
    const decided = within(retrying).getByText(formatInstant(declined.decidedAt));
    expect(decided.tagName).toBe('TIME');
    expect(retrying.textContent).toContain('waiting 15 min');
    expect(within(retrying).getByText('4')).toBeTruthy();
    expect(retrying.textContent).toContain(`Waiting for retry at ${formatInstant(nextAttemptAt)}`);
    expect(within(retrying).getByText('Needs attention')).toBeTruthy();
    expect(within(retrying).getByText(hostile)).toBeTruthy();
    expect(table.querySelector('img')).toBeNull();

    const dead = pushRow(table, 'dead-worker-session');
    expect(dead.textContent).toContain('Held by a worker that stopped — freed within a minute');
    expect(within(dead).getByText('Needs attention')).toBeTruthy();
    expect(pushRow(table, 'missing-job-session').textContent).toContain('No job — re-queue it');
    const running = pushRow(table, 'running-session');
    expect(running.textContent).toContain('Being pushed');
    expect(within(running).getByText('Warning')).toBeTruthy();
    const young = pushRow(table, 'young-session');
    expect(young.textContent).toContain('Queued');
    expect(within(young).queryByText(/OK|Warning|Needs attention/)).toBeNull();
  });

  it('offers Re-queue only with the capability, and only on pushes that waited 2 min and no live worker is running', async () => {
    renderSync(fakeSyncApi({ getStatus: withPushes(rows) }));
    const table = await pushesTable();
    const buttons = within(table).getAllByRole('button', { name: /^Re-queue the decision on session / });
    expect(buttons.map((button) => button.getAttribute('aria-label'))).toEqual([
      'Re-queue the decision on session retrying-session',
      'Re-queue the decision on session dead-worker-session',
      'Re-queue the decision on session missing-job-session',
    ]);
    expect(within(pushRow(table, 'young-session')).getByText('Re-queue after 2 min')).toBeTruthy();
    expect(within(pushRow(table, 'running-session')).queryByRole('button')).toBeNull();
    expect(screen.getByText(/A decision waiting 2 min or more can be re-queued/)).toBeTruthy();
    cleanup();

    renderSync(fakeSyncApi({ getStatus: withPushes(rows) }), { canRequeue: false });
    const readOnly = await pushesTable();
    expect(within(readOnly).queryByRole('button')).toBeNull();
    expect(within(readOnly).queryByRole('columnheader', { name: 'Actions' })).toBeNull();
    expect(screen.getByText(/A lead can re-queue a decision waiting 2 min or more/)).toBeTruthy();
  });

  it('re-queues a push, disabled while in flight, announces what happened and fetches the status again', async () => {
    const getStatus = withPushes(rows);
    let answer!: (response: Awaited<ReturnType<SyncApi['requeuePush']>>) => void;
    const requeuePush = vi.fn<SyncApi['requeuePush']>(() => new Promise((resolve) => (answer = resolve)));
    renderSync(fakeSyncApi({ getStatus, requeuePush }));
    const button = within(await pushesTable()).getByRole<HTMLButtonElement>('button', {
      name: 'Re-queue the decision on session dead-worker-session',
    });
    const status = announcer('Decisions on their way to Didit');
    expect(status.textContent).toBe('');

    fireEvent.click(button);
    expect(requeuePush).toHaveBeenCalledWith(2);
    await waitFor(() => expect(button.disabled).toBe(true));
    expect(button.textContent).toBe('Re-queueing…');

    act(() => answer({ reviewEventId: 2, wasJob: 'held_by_dead_worker', status: 'queued' }));
    await waitFor(() =>
      expect(status.textContent).toBe(
        'The decision on session dead-worker-session was sent back to the worker. It was freed from the worker that stopped.',
      ),
    );
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Decisions on their way to Didit' }));
    await waitFor(() => expect(getStatus).toHaveBeenCalledTimes(2));
    expect(announcer('Parked webhooks').textContent).toBe('');
  });

  it.each([
    { reason: 'running', words: 'a worker is pushing it right now. Wait for that attempt to finish.' },
    { reason: 'too_early', words: 'it has waited less than 2 min; the worker is still retrying it on its own.' },
    {
      reason: 'not_pending',
      words: 'it is no longer waiting for Didit: it was confirmed, or refused and its session is back in the queue.',
    },
  ])('says in words why a re-queue was refused ($reason)', async ({ reason, words }) => {
    const requeuePush = vi.fn<SyncApi['requeuePush']>(() =>
      Promise.reject(new ApiError(409, 'conflict', 'server wording', { reason })),
    );
    renderSync(fakeSyncApi({ getStatus: withPushes(rows), requeuePush }));
    const table = await pushesTable();
    fireEvent.click(within(table).getByRole('button', { name: 'Re-queue the decision on session retrying-session' }));
    await waitFor(() =>
      expect(announcer('Decisions on their way to Didit').textContent).toBe(
        `Re-queue of the decision on session retrying-session failed: ${words}`,
      ),
    );
    expect(within(table).getByRole<HTMLButtonElement>('button', { name: /retrying-session/ }).disabled).toBe(false);
  });

  it("shows the server's message for other refusals", async () => {
    const requeuePush = vi.fn<SyncApi['requeuePush']>(() =>
      Promise.reject(new ApiError(403, 'forbidden', 'You do not have permission to re-queue pushes.')),
    );
    renderSync(fakeSyncApi({ getStatus: withPushes(rows), requeuePush }));
    fireEvent.click(within(await pushesTable()).getByRole('button', { name: /missing-job-session/ }));
    await waitFor(() =>
      expect(announcer('Decisions on their way to Didit').textContent).toBe(
        'Re-queue of the decision on session missing-job-session failed: You do not have permission to re-queue pushes.',
      ),
    );
  });

  it('says so when nothing waits, even before any webhook has arrived', async () => {
    const getStatus = vi.fn<SyncApi['getStatus']>(() =>
      Promise.resolve(syncStatus({ webhooks: { lastReceivedAt: null, receivedLastHour: 0 } })),
    );
    renderSync(fakeSyncApi({ getStatus }));
    expect(await screen.findByRole('heading', { name: 'No webhooks received yet' })).toBeTruthy();
    const section = screen.getByRole('region', { name: 'Decisions on their way to Didit' });
    expect(within(section).getByText('No decisions waiting: every decision recorded has been confirmed by Didit.')).toBeTruthy();
    expect(within(stat('Decisions to Didit')).getByText('0')).toBeTruthy();
  });
});
