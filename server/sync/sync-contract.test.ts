import { describe, expect, it } from 'vitest';
import { createTestContext } from '../../test/helpers/test-context.ts';
import { readSyncStatus } from './sync-status.ts';
import { replayWebhookResponseSchema, syncStatusSchema, type SyncStatus } from '../contract/sync.ts';

// `readSyncStatus` returns the contract's `SyncStatus` (one declaration); these check that what it
// returns survives JSON and the schema the web app parses it with.
const sample: SyncStatus = {
  webhooks: {
    lastReceivedAt: '2025-01-02T03:04:05.678Z',
    receivedLastHour: 3,
    backlog: 1,
    oldestPendingAt: '2025-01-02T03:00:00.000Z',
    retrying: 1,
    parkedCount: 1,
    parked: [
      {
        id: 9,
        sessionId: '7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11',
        webhookType: 'status.updated',
        status: 'Approved',
        eventTimestamp: '2025-01-02T02:00:00.000Z',
        attempts: 8,
        lastError: 'boom',
        parkedAt: '2025-01-02T02:30:00.000Z',
      },
    ],
    quarantinedCount: 1,
    quarantined: [
      {
        id: 3,
        receivedAt: '2025-01-02T02:00:00.000Z',
        lastReceivedAt: '2025-01-02T02:04:00.000Z',
        deliveries: 2,
        reason: 'stale_timestamp',
        detail: 'X-Timestamp is missing or more than 300 s from now.',
        webhookType: 'status.updated',
        sessionId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
        eventTimestamp: '2025-01-02T01:50:00.000Z',
        repairState: 'repaired',
        repairedAt: '2025-01-02T02:00:02.000Z',
        repairError: null,
      },
    ],
  },
  reconciliation: {
    active: null,
    lastCompleted: {
      since: '2025-01-01T00:00:00.000Z',
      startedAt: '2025-01-02T03:00:00.000Z',
      finishedAt: '2025-01-02T03:00:10.000Z',
      examined: 40,
      repaired: 1,
    },
    lagSeconds: 300,
  },
  pushes: {
    pendingCount: 1,
    oldestPendingSeconds: 300,
    pending: [
      {
        reviewEventId: 12,
        sessionId: '7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11',
        decision: 'Approved',
        decidedBy: 'analyst@example.test',
        decidedAt: '2025-01-02T03:00:00.000Z',
        pendingSeconds: 300,
        attempts: 2,
        lastError: 'Didit answered 503',
        job: 'retrying',
        nextAttemptAt: '2025-01-02T03:06:00.000Z',
        requeueable: true,
      },
    ],
  },
  workers: [
    {
      workerId: 'host:42:abcd',
      hostname: 'host',
      pid: 42,
      startedAt: '2025-01-02T01:00:00.000Z',
      lastSeenAt: '2025-01-02T03:04:00.000Z',
    },
  ],
  didit: {
    calls: [{ operation: 'getDecision', total: 10, errors: 1, rateLimited: 0, errorRate: 0.1 }],
    rateLimits: [
      {
        scope: 'generic-get',
        budgetPerMinute: 540,
        usedLastMinute: 2,
        blockedUntil: null,
        reportedLimit: null,
        reportedRemaining: null,
        reportedResetAt: null,
        lastThrottledAt: null,
      },
    ],
  },
};

describe('sync contract', () => {
  it('parses what the server sends, unchanged', () => {
    expect(syncStatusSchema.parse(JSON.parse(JSON.stringify(sample)))).toEqual(sample);
  });

  it('rejects a status without its sections', () => {
    expect(syncStatusSchema.safeParse({ webhooks: sample.webhooks }).success).toBe(false);
  });

  it('parses the replay answer', () => {
    expect(replayWebhookResponseSchema.parse({ id: 9, sessionId: 'abc', status: 'queued' })).toEqual({
      id: 9,
      sessionId: 'abc',
      status: 'queued',
    });
  });

  it('parses what readSyncStatus reads from a real database', async () => {
    const { ctx } = await createTestContext();
    expect(syncStatusSchema.parse(JSON.parse(JSON.stringify(await readSyncStatus(ctx.db)))).webhooks.lastReceivedAt).toBeNull();
    await ctx.db
      .insertInto('webhook_event')
      .values({
        dedupe_key: 'contract-1',
        webhook_type: 'status.updated',
        session_id: '7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11',
        status: 'Approved',
        event_timestamp: new Date(),
        event_id: null,
        signature_variant: 'v2',
        payload: JSON.stringify({}),
        processed_at: null,
        last_error: 'server_error: Didit answered 503',
        parked_at: new Date(),
        next_attempt_at: null,
      })
      .execute();
    const parsed = syncStatusSchema.parse(JSON.parse(JSON.stringify(await readSyncStatus(ctx.db))));
    expect(parsed.webhooks.parkedCount).toBe(1);
    expect(parsed.webhooks.parked[0]).toMatchObject({
      webhookType: 'status.updated',
      lastError: 'server_error: Didit answered 503',
    });
  });
});
