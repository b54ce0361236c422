import { sql } from 'kysely';
import type { DiditSessionSummary } from '../vendors/didit/didit-schemas.ts';
import { REPAIR_SESSION_TASK } from './repair-session.ts';
import { isDiditId } from '../contract/ids.ts';
import type { SyncDeps } from './sync-deps.ts';

/**
 * Reconciliation: walk Didit's session list (cheap, 600/min) for sessions created since a point
 * in time, compare each with our row, and repair only those we lack or whose status differs
 * (decision fetch, 100/min). Progress lives in a `sync_cursor` row that each page step locks
 * (`FOR UPDATE SKIP LOCKED`), so a restart resumes where it stopped and replicas never walk the
 * same page twice. The list is newest first, so sessions created during a walk shift later pages
 * down: a walk can see a row twice, never miss one.
 */

export const RECONCILE_TASK = 'reconcile_didit';
export const RECONCILE_CURSOR = 'reconcile';

export interface WalkProgress {
  since: string;
  startedAt: string;
  offset: number;
  total: number | null;
  examined: number;
  repaired: number;
}

export interface CompletedWalk {
  since: string;
  startedAt: string;
  finishedAt: string;
  examined: number;
  repaired: number;
}

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
  return deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sync_cursor')
      .values({ name: options.cursor, state: '{}' })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await trx
      .selectFrom('sync_cursor')
      .select('state')
      .where('name', '=', options.cursor)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!row) return { status: 'busy' as const };
    const state = row.state as CursorState;
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
        : (await trx.selectFrom('verification_session').select(['id', 'status']).where('id', 'in', ids).execute()).map((r) => [
            r.id,
            r.status,
          ]),
    );
    const mismatched = page.results.filter((s) => isDiditId(s.session_id) && known.get(s.session_id) !== s.status);
    if (mismatched.length > 0) {
      if (options.repair.kind === 'enqueue') {
        await sql`select graphile_worker.add_job(${REPAIR_SESSION_TASK}, json_build_object('sessionId', s.id),
                                                  job_key => 'repair:' || s.id, max_attempts => 8)
                    from unnest(${mismatched.map((s) => s.session_id)}::text[]) as s(id) order by s.id`.execute(trx);
      } else {
        await options.repair.repair(mismatched);
      }
      deps.metrics.reconciliationRepairs.inc(mismatched.length);
    }

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
    await trx
      .updateTable('sync_cursor')
      .set({ state: JSON.stringify(next), updated_at: new Date() })
      .where('name', '=', options.cursor)
      .execute();
    return {
      status: complete ? ('complete' as const) : ('progress' as const),
      progress,
      mismatched: mismatched.length,
      fetched: page.results.length,
    };
  });
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

export async function readCursor(deps: Pick<SyncDeps, 'db'>, cursor: string): Promise<CursorState | null> {
  const row = await deps.db.selectFrom('sync_cursor').select(['state']).where('name', '=', cursor).executeTakeFirst();
  return row ? row.state : null;
}
