import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Selectable } from 'kysely';
import { normaliseMethod } from '../vendors/didit/adapt.ts';
import type { DiditSessionSummary } from '../vendors/didit/didit-schemas.ts';
import { enqueueEach, jobs } from '../worker/jobs.ts';
import { isDiditId } from '../contract/ids.ts';
import { SCORE_MAX, SCORE_MIN } from '../contract/data-problems.ts';
import type { CompletedWalk, WalkProgress } from '../contract/sync.ts';
import type { VerificationSessionTable } from '../db/schema.ts';
import type { SyncDeps } from './sync-deps.ts';
import { erasedAmong } from '../privacy/tombstone.ts';

/**
 * Reconciliation: walk Didit's session list (cheap, 600/min) for sessions created since a point
 * in time, compare each row with our copy in all the row shows of what the console shows (status,
 * each step's status and, in Didit's newest rows, scores and liveness method), and repair (decision
 * fetch, 100/min) only the sessions we lack or whose row shows a change. What no row shows is
 * re-read only for In Review sessions whose copy has grown old, a few per page (`RecheckPolicy`;
 * docs/didit-contract.md §9). Progress lives in a `sync_cursor` row, so a restart resumes where
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

/**
 * Re-reading what Didit's list cannot show. A row without scores (older generations) cannot vouch
 * for an In Review session's scores and warnings: a resubmission that came back to the same
 * statuses, its webhooks lost, changes only those. Such a session is re-read once our copy is
 * `olderThanMs` old (its `event_at`: the last time Didit told us anything), at most `perPage` of
 * them per page, oldest copy first; the re-read makes the copy new again.
 */
export interface RecheckPolicy {
  olderThanMs: number;
  perPage: number;
}

/**
 * An hour: the life of Didit's media links, after which opening the session re-reads its decision
 * anyway; the recheck gives the queue's scores and warning codes the same bound. Five per page of
 * 100 holds a backlog (the first walk after an upgrade) to a twentieth of the rows walked, so it
 * does not crowd the webhooks' own decision reads out of the shared budget.
 */
export const DEFAULT_RECHECK: RecheckPolicy = { olderThanMs: 3_600_000, perPage: 5 };

export interface StepOptions {
  cursor: string;
  /** Start of a new walk (used only when no walk is in progress). */
  since: () => Date;
  pageSize?: number;
  repair: RepairMode;
  /** Default `DEFAULT_RECHECK`. */
  recheck?: RecheckPolicy;
}

export type StepResult =
  | { status: 'busy' }
  | { status: 'progress' | 'complete'; progress: WalkProgress; mismatched: number; rechecked: number; fetched: number };

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
    // An erased session Didit still lists (its delete pending, or refused) is not read again.
    const listed = page.results.filter((s) => isDiditId(s.session_id));
    const erased = await erasedAmong(
      deps.db,
      listed.map((s) => s.session_id),
    );
    const rows = listed.filter((s) => !erased.has(s.session_id));
    const { mismatched, rechecked } = repairsForPage(
      rows,
      await findCopies(deps, rows),
      options.recheck ?? DEFAULT_RECHECK,
      new Date(),
    );
    const repairs = [...mismatched, ...rechecked];
    // Inline repairs read decisions from Didit: before the transaction that records the page.
    if (repairs.length > 0 && options.repair.kind === 'inline') await options.repair.repair(repairs);

    const progress: WalkProgress = {
      ...active,
      offset: active.offset + page.results.length,
      total: page.count,
      examined: active.examined + page.results.length,
      repaired: active.repaired + repairs.length,
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
      if (repairs.length > 0 && options.repair.kind === 'enqueue') {
        // In id order (so in job-key order): replicas queueing overlapping pages lock the keys alike.
        const repairIds = repairs.map((s) => s.session_id).sort();
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
      rechecked: rechecked.length,
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

/** What the console shows of a session that Didit's list can show too, and how old our copy is. */
export type SessionCopy = Pick<
  Selectable<VerificationSessionTable>,
  'status' | 'liveness_status' | 'face_match_status' | 'liveness_score' | 'face_match_score' | 'liveness_method' | 'event_at'
>;

async function findCopies(deps: SyncDeps, rows: readonly DiditSessionSummary[]): Promise<Map<string, SessionCopy>> {
  const ids = rows.map((row) => row.session_id);
  if (ids.length === 0) return new Map();
  const copies = await deps.db
    .selectFrom('verification_session')
    .select([
      'id',
      'status',
      'liveness_status',
      'face_match_status',
      'liveness_score',
      'face_match_score',
      'liveness_method',
      'event_at',
    ])
    .where('id', 'in', ids)
    .execute();
  return new Map(copies.map((copy) => [copy.id, copy]));
}

/**
 * The sessions of a page to re-read: those we lack or whose row shows a change (every one), and
 * those whose row cannot vouch for our aging copy (by `recheck`).
 */
function repairsForPage(
  rows: readonly DiditSessionSummary[],
  copies: ReadonlyMap<string, SessionCopy>,
  recheck: RecheckPolicy,
  now: Date,
): { mismatched: DiditSessionSummary[]; rechecked: DiditSessionSummary[] } {
  const staleBefore = now.getTime() - recheck.olderThanMs;
  const mismatched: DiditSessionSummary[] = [];
  const unvouched: { row: DiditSessionSummary; copiedAt: number }[] = [];
  for (const row of rows) {
    const copy = copies.get(row.session_id);
    if (!copy || listShowsChange(row, copy)) mismatched.push(row);
    else if (copy.status === 'In Review' && !listShowsScores(row)) {
      const copiedAt = copy.event_at?.getTime() ?? 0;
      if (copiedAt < staleBefore) unvouched.push({ row, copiedAt });
    }
  }
  const rechecked = unvouched
    .sort((a, b) => a.copiedAt - b.copiedAt || a.row.session_id.localeCompare(b.row.session_id))
    .slice(0, recheck.perPage)
    .map(({ row }) => row);
  return { mismatched, rechecked };
}

/**
 * Whether Didit's list row shows a session other than our copy: its status, each step's status
 * (LIVENESS, FACE_MATCH) and, where the row carries them, the scores and the liveness method. What
 * a row does not carry proves nothing either way (docs/didit-contract.md §9).
 */
export function listShowsChange(row: DiditSessionSummary, copy: SessionCopy): boolean {
  const liveness = row.additional_details?.liveness;
  return (
    row.status !== copy.status ||
    stepStatusDiffers(listedStepStatus(row, 'LIVENESS'), copy.liveness_status) ||
    stepStatusDiffers(listedStepStatus(row, 'FACE_MATCH'), copy.face_match_status) ||
    scoreDiffers(liveness?.score, copy.liveness_score) ||
    scoreDiffers(row.additional_details?.face_match?.score, copy.face_match_score) ||
    methodDiffers(liveness?.method, copy.liveness_method)
  );
}

function listShowsScores(row: DiditSessionSummary): boolean {
  const details = row.additional_details;
  return isScore(details?.liveness?.score) || isScore(details?.face_match?.score);
}

/** The first listed step of a feature (our copy holds the decision's first item); undefined when not shown. */
function listedStepStatus(row: DiditSessionSummary, feature: 'LIVENESS' | 'FACE_MATCH'): string | undefined {
  return row.features?.find((step) => step.feature.toUpperCase() === feature)?.status ?? undefined;
}

/** The list names a step that has not run `Not Finished`; the decision has no item for it (our null). */
function stepStatusDiffers(listed: string | undefined, ours: string | null): boolean {
  const notRunAsNull = (status: string | null) => (status === 'Not Finished' ? null : status);
  return listed !== undefined && notRunAsNull(listed) !== notRunAsNull(ours);
}

const isScore = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Half a point: thresholds are whole numbers, and a change that crosses one also moves the step's
 * status, which the list shows; a smaller gap is the list's rounding. The epsilon keeps a score
 * listed as a two-decimal fraction (54.5 as 0.54 or 0.55) from differing by floating-point error.
 */
const SCORE_TOLERANCE = 0.5 + 1e-9;

/**
 * A listed score against ours (0–100). Didit's list example writes scores as fractions (0.98) where
 * the decision has percentages, so either reading agrees. A listed score we would not store (out of
 * 0–100) matches our null, as the decision that carries it leaves us.
 */
function scoreDiffers(listed: unknown, ours: number | null): boolean {
  if (!isScore(listed)) return false;
  if (listed < SCORE_MIN || listed > SCORE_MAX) return ours !== null;
  if (ours === null) return true;
  return Math.abs(listed - ours) > SCORE_TOLERANCE && Math.abs(listed * 100 - ours) > SCORE_TOLERANCE;
}

function methodDiffers(listed: string | null | undefined, ours: string | null): boolean {
  const method = normaliseMethod(listed);
  return method !== null && method !== ours;
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
