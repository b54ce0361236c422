import { sql } from 'kysely';
import type { SyncStatus } from '../contract/sync.ts';
import type { Database } from '../db/database.ts';
import { DEFAULT_RATE_BUDGETS, type RateScope } from '../vendors/didit/rate-budget.ts';
import { pendingPushBacklog, readPendingPushes } from '../review/pending-pushes.ts';
import { RECONCILE_CURSOR, type CursorState } from './reconcile.ts';

const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

/** What `GET /api/sync/status` reports: is the copy of Didit's truth keeping up? */
export async function readSyncStatus(db: Database): Promise<SyncStatus> {
  const [inbox, parked, quarantined, cursor, calls, scopes, workers, pushBacklog, pendingPushes] = await Promise.all([
    sql<{
      last_received_at: Date | null;
      received_last_hour: number;
      backlog: number;
      oldest_pending_at: Date | null;
      retrying: number;
      parked: number;
      quarantined: number;
    }>`select (select max(received_at) from webhook_event) as last_received_at,
              (select count(*) from webhook_event where received_at > now() - interval '1 hour')::int as received_last_hour,
              (select count(*) from webhook_event where processed_at is null and parked_at is null)::int as backlog,
              (select min(received_at) from webhook_event where processed_at is null and parked_at is null) as oldest_pending_at,
              (select count(*) from webhook_event where processed_at is null and parked_at is null and next_attempt_at is not null)::int as retrying,
              (select count(*) from webhook_event where parked_at is not null)::int as parked,
              (select count(*) from webhook_quarantine)::int as quarantined`.execute(db),
    db
      .selectFrom('webhook_event')
      .select(['id', 'session_id', 'webhook_type', 'status', 'event_timestamp', 'attempts', 'last_error', 'parked_at'])
      .where('parked_at', 'is not', null)
      .orderBy('parked_at', 'desc')
      .limit(50)
      .execute(),
    db
      .selectFrom('webhook_quarantine')
      .select([
        'id',
        'received_at',
        'last_received_at',
        'deliveries',
        'reason',
        'detail',
        'webhook_type',
        'session_id',
        'event_timestamp',
        'repair_state',
        'repaired_at',
        'repair_error',
      ])
      .orderBy('last_received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(50)
      .execute(),
    db.selectFrom('sync_cursor').select('state').where('name', '=', RECONCILE_CURSOR).executeTakeFirst(),
    sql<{ operation: string; outcome: string; count: number }>`
      select operation, outcome, sum(count)::int as count from didit_call_stat
       where minute > now() - interval '15 minutes' group by operation, outcome`.execute(db),
    sql<{
      scope: string;
      used: number;
      blocked_until: Date | null;
      reported_limit: number | null;
      reported_remaining: number | null;
      reported_reset_at: Date | null;
      last_throttled_at: Date | null;
    }>`select s.scope,
              (select count(*) from didit_rate_grant g where g.scope = s.scope and g.granted_at > now() - interval '1 minute')::int as used,
              r.blocked_until, r.reported_limit, r.reported_remaining, r.reported_reset_at, r.last_throttled_at
         from unnest(${Object.keys(DEFAULT_RATE_BUDGETS)}::text[]) as s(scope)
         left join didit_rate_scope r on r.scope = s.scope
        order by s.scope`.execute(db),
    db.selectFrom('worker_heartbeat').selectAll().orderBy('last_seen_at', 'desc').limit(50).execute(),
    pendingPushBacklog(db),
    readPendingPushes(db),
  ]);
  const counts = inbox.rows[0];
  const state: CursorState = cursor?.state ?? {};
  const byOperation = new Map<string, { total: number; errors: number; rateLimited: number }>();
  for (const row of calls.rows) {
    const entry = byOperation.get(row.operation) ?? { total: 0, errors: 0, rateLimited: 0 };
    entry.total += row.count;
    if (row.outcome !== 'ok' && row.outcome !== 'not_found') entry.errors += row.count;
    if (row.outcome === 'rate_limited') entry.rateLimited += row.count;
    byOperation.set(row.operation, entry);
  }
  const lastStarted = state.lastCompleted?.startedAt ? Date.parse(state.lastCompleted.startedAt) : null;
  return {
    webhooks: {
      lastReceivedAt: iso(counts?.last_received_at),
      receivedLastHour: counts?.received_last_hour ?? 0,
      backlog: counts?.backlog ?? 0,
      oldestPendingAt: iso(counts?.oldest_pending_at),
      retrying: counts?.retrying ?? 0,
      parkedCount: counts?.parked ?? 0,
      parked: parked.map((row) => ({
        id: row.id,
        sessionId: row.session_id,
        webhookType: row.webhook_type,
        status: row.status,
        eventTimestamp: row.event_timestamp.toISOString(),
        attempts: row.attempts,
        lastError: row.last_error,
        parkedAt: iso(row.parked_at),
      })),
      quarantinedCount: counts?.quarantined ?? 0,
      quarantined: quarantined.map((row) => ({
        id: Number(row.id),
        receivedAt: row.received_at.toISOString(),
        lastReceivedAt: row.last_received_at.toISOString(),
        deliveries: row.deliveries,
        reason: row.reason,
        detail: row.detail,
        webhookType: row.webhook_type,
        sessionId: row.session_id,
        eventTimestamp: iso(row.event_timestamp),
        repairState: row.repair_state,
        repairedAt: iso(row.repaired_at),
        repairError: row.repair_error,
      })),
    },
    reconciliation: {
      active: state.active ?? null,
      lastCompleted: state.lastCompleted ?? null,
      lagSeconds: lastStarted === null ? null : Math.max(0, Math.round((Date.now() - lastStarted) / 1000)),
    },
    pushes: { pendingCount: pushBacklog.pending, oldestPendingSeconds: pushBacklog.oldestSeconds, pending: pendingPushes },
    workers: workers.map((row) => ({
      workerId: row.worker_id,
      hostname: row.hostname,
      pid: row.pid,
      startedAt: row.started_at.toISOString(),
      lastSeenAt: row.last_seen_at.toISOString(),
    })),
    didit: {
      calls: [...byOperation.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([operation, c]) => ({
          operation,
          ...c,
          errorRate: c.total === 0 ? 0 : Math.round((c.errors / c.total) * 1000) / 1000,
        })),
      rateLimits: scopes.rows.map((row) => ({
        scope: row.scope,
        budgetPerMinute: DEFAULT_RATE_BUDGETS[row.scope as RateScope] ?? null,
        usedLastMinute: row.used,
        blockedUntil: row.blocked_until && row.blocked_until.getTime() > Date.now() ? row.blocked_until.toISOString() : null,
        reportedLimit: row.reported_limit,
        reportedRemaining: row.reported_remaining,
        reportedResetAt: iso(row.reported_reset_at),
        lastThrottledAt: iso(row.last_throttled_at),
      })),
    },
  };
}
