import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { DiditSessionSummary } from '../vendors/didit/didit-schemas.ts';
import { enqueueEach, jobs } from '../worker/jobs.ts';
import { isDiditId } from '../contract/ids.ts';
import type { CompletedWalk, WalkProgress } from '../contract/sync.ts';
import type { SyncDeps } from './sync-deps.ts';

/**
 * Reconciliation: walk Didit's session list (cheap, 600/min) for sessions created since a point
 * in time, compare each with our row, and repair only those we lack or whose status differs
 * (decision fetch, 100/min). Progress lives in a `sync_cursor` row, so a restart resumes where
 * it stopped. Each page step leases that row (claim and commit), asks Didit with no transaction
 * open, then records the page and gives the lease back in one short transaction. Replicas skip a
 * walk whose lease is live, so they never walk the same page twice; the holder renews the lease
 * while it works, so it runs out only for a holder that crashed, and then another replica takes
 * the walk over. The list is newest first, so sessions created during a walk shift later pages
 * down: a walk can see a row twice, never miss one.
 */

export const RECONCILE_CURSOR = 'reconcile';

/** A page step's lease on its cursor lasts this long unless renewed (every third of it while the step runs). */
const LEASE_SECONDS = 60;

/** A walk's progress and the last finished walk are the shapes `GET /api/sync/status` reports. */
export interface CursorState {
  active?: WalkProgress | null;
  lastCompleted?: CompletedWalk | null;
}

export type RepairMode = { kind: 'enqueue' } | { kind: 'inline'; repair: (sessions: DiditSessionSummary[]) => Promise<void> };

export interface StepOptions {
  cursor: string;
  /** Start of a new walk (used only when no walk is in progress). */
  since: () => Date;
  pageSize?: number;
  repair: RepairMode;
}

export type StepResult =
  { status: 'busy' } | { status: 'progress' | 'complete'; progress: WalkProgress; mismatched: number; fetched: number };

export async function reconcileStep(deps: SyncDeps, options: StepOptions): Promise<StepResult> {
  const pageSize = options.pageSize ?? 100;
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  const state = await claimCursor(deps, options.cursor, owner);
  if (!state) return { status: 'busy' };
  const renewal = setInterval(() => void renewCursor(deps, options.cursor, owner), (LEASE_SECONDS * 1000) / 3).unref();
  try {
    const active: WalkProgress = state.active ?? {
      since: options.since().toISOString(),
      startedAt: new Date().toISOString(),
      offset: 0,
      total: null,
      examined: 0,
      repaired: 0,
    };

    const page = await deps.didit.listSessions({ limit: pageSize, offset: active.offset, dateFrom: new Date(active.since) });
    // An id that is not Didit's 8-4-4-4-12 hex cannot be a session of ours (nor a uuid to query).
    const ids = page.results.map((s) => s.session_id).filter(isDiditId);
    const known = new Map(
      ids.length === 0
        ? []
        : (await deps.db.selectFrom('verification_session').select(['id', 'status']).where('id', 'in', ids).execute()).map(
            (r) => [r.id, r.status],
          ),
    );
    const mismatched = page.results.filter((s) => isDiditId(s.session_id) && known.get(s.session_id) !== s.status);
    // Inline repairs read decisions from Didit: before the transaction that records the page.
    if (mismatched.length > 0 && options.repair.kind === 'inline') await options.repair.repair(mismatched);

    const progress: WalkProgress = {
      ...active,
      offset: active.offset + page.results.length,
      total: page.count,
      examined: active.examined + page.results.length,
      repaired: active.repaired + mismatched.length,
    };
    const complete = !page.hasMore;
    const next: CursorState = complete
      ? {
          active: null,
          lastCompleted: {
            since: progress.since,
            startedAt: progress.startedAt,
            finishedAt: new Date().toISOString(),
            examined: progress.examined,
            repaired: progress.repaired,
          },
        }
      : { ...state, active: progress };
    const recorded = await deps.db.transaction().execute(async (trx) => {
      const { numUpdatedRows } = await trx
        .updateTable('sync_cursor')
        .set({ state: JSON.stringify(next), updated_at: new Date(), lease_owner: null, leased_until: null })
        .where('name', '=', options.cursor)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      // Our lease ran out and another replica took the walk over: the page is its to record.
      if (numUpdatedRows === 0n) return false;
      if (mismatched.length > 0 && options.repair.kind === 'enqueue') {
        // In id order (so in job-key order): replicas queueing overlapping pages lock the keys alike.
        const repairIds = mismatched.map((s) => s.session_id).sort();
        await enqueueEach(
          trx,
          jobs.repairSession,
          repairIds.map((sessionId) => ({ sessionId })),
        );
      }
      return true;
    });
    if (!recorded) return { status: 'busy' };
    if (mismatched.length > 0) deps.metrics.reconciliationRepairs.inc(mismatched.length);
    return {
      status: complete ? 'complete' : 'progress',
      progress,
      mismatched: mismatched.length,
      fetched: page.results.length,
    };
  } catch (error) {
    // Let a retry (or another replica) go on at once rather than wait for the lease to run out
    // (which it does anyway if this fails too: the step's own error is the one to report).
    await releaseCursor(deps, options.cursor, owner).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(renewal);
  }
}

/**
 * Leases the cursor (creating it for a new walk) unless another holder's lease is live, or
 * another transaction has the row locked; returns its state, or null when the walk is taken.
 */
async function claimCursor(deps: SyncDeps, cursor: string, owner: string): Promise<CursorState | null> {
  await deps.db
    .insertInto('sync_cursor')
    .values({ name: cursor, state: '{}' })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await deps.db
    .with('free', (db) =>
      db
        .selectFrom('sync_cursor')
        .select('name')
        .where('name', '=', cursor)
        .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', sql<Date>`now()`)]))
        .forUpdate()
        .skipLocked(),
    )
    .updateTable('sync_cursor')
    .from('free')
    .set({ lease_owner: owner, leased_until: sql<Date>`now() + make_interval(secs => ${LEASE_SECONDS})` })
    .whereRef('sync_cursor.name', '=', 'free.name')
    .returning('sync_cursor.state')
    .executeTakeFirst();
  return row ? row.state : null;
}

async function renewCursor(deps: SyncDeps, cursor: string, owner: string): Promise<void> {
  try {
    await deps.db
      .updateTable('sync_cursor')
      .set({ leased_until: sql<Date>`now() + make_interval(secs => ${LEASE_SECONDS})` })
      .where('name', '=', cursor)
      .where('lease_owner', '=', owner)
      .execute();
  } catch (error) {
    // The step goes on; if the lease runs out meanwhile, recording the page finds it lost.
    deps.logger.warn(
      { cursor, err: error instanceof Error ? error.message : String(error) },
      'could not renew the reconciliation lease',
    );
  }
}

async function releaseCursor(deps: SyncDeps, cursor: string, owner: string): Promise<void> {
  await deps.db
    .updateTable('sync_cursor')
    .set({ lease_owner: null, leased_until: null })
    .where('name', '=', cursor)
    .where('lease_owner', '=', owner)
    .execute();
}

export interface WalkOptions extends StepOptions {
  /** Stop after this long (the task re-queues itself to continue). */
  timeBudgetMs?: number;
  shouldStop?: () => boolean;
  onStep?: (result: StepResult) => void;
}

/** Runs page steps until the walk completes, the time budget is spent, or another replica holds it. */
export async function runReconcileWalk(deps: SyncDeps, options: WalkOptions): Promise<'complete' | 'paused' | 'busy'> {
  const deadline = Date.now() + (options.timeBudgetMs ?? Number.POSITIVE_INFINITY);
  for (;;) {
    const result = await reconcileStep(deps, options);
    options.onStep?.(result);
    if (result.status === 'busy') return 'busy';
    if (result.status === 'complete') return 'complete';
    if (Date.now() >= deadline || options.shouldStop?.()) return 'paused';
  }
}
