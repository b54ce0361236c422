import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { DiditClient } from '../vendors/didit/didit-client.ts';
import { PostgresRateBudget } from '../vendors/didit/rate-budget.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { stringField } from '../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { MediaRefresher, type MediaRefresherDeps } from './media-refresh.ts';
import { reconcileStep, runReconcileWalk, type StepOptions } from './reconcile.ts';
import { readCursor } from '../../test/helpers/sync-worker.ts';
import { repairSessionFromDidit } from './repair-session.ts';

/**
 * Issue 16, item 4: the console never waits for Didit inside a database transaction. A call to
 * Didit can take seconds (timeouts, retries, the sandbox's injected latency); a transaction open
 * meanwhile holds row locks reviewers wait on and a pool connection others need. Each test runs
 * the real code against the sandbox through a Didit client whose `fetch` looks at the database
 * (from a connection of its own) at the moment the console calls Didit, then forwards the call.
 */

let sandbox: RunningSandbox;
let ctx: AppContext;
let baseUrl: string;
let workflowId: string;
/** Outside the console's pool: what another replica, or a reviewer's request, would see. */
let observer: pg.Client;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 16, mediaTtlSeconds: 3600 });
  let database;
  ({ ctx, database } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: 'outside-transactions-secret-01',
  }));
  baseUrl = await startTestServer(ctx);
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
  observer = new pg.Client({ connectionString: database.url });
  await observer.connect();
});
afterAll(async () => {
  await observer?.end();
  await sandbox.stop();
});

/** What the observer saw while the console waited for one Didit call. */
interface Sighting {
  path: string;
  /** Backends of this database with a transaction open and nothing running (the console awaiting something). */
  idleInTransaction: string[];
  /** Connections checked out of the console's pool. */
  poolConnectionsInUse: number;
  /** The row lock a reviewer's decision (or another replica) would take, tried without waiting. */
  rowLockFree: boolean | null;
}

interface Watch {
  /** Paths of the calls to look at. */
  path: RegExp;
  /** The row whose lock is tried, as `[table, key column, key]`. */
  rowLock?: [string, string, string];
  /** Runs during the call, after the look, before Didit is asked (another replica acting meanwhile). */
  during?: () => Promise<void>;
}

/** A Didit client like the console's, whose calls matching `watch.path` are looked at first. */
function observingClient(watch: Watch): { didit: DiditClient; sightings: Sighting[] } {
  const sightings: Sighting[] = [];
  const didit = new DiditClient({
    baseUrl: sandbox.url,
    apiKey: sandbox.apiKey,
    budget: new PostgresRateBudget(ctx.db, { interactiveShare: ctx.config.didit.interactiveBudgetShare }),
    mediaOrigins: ctx.didit.mediaOrigins,
    fetch: async (input, init) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      if (watch.path.test(path)) {
        sightings.push({ path, ...(await look(watch.rowLock ?? null)) });
        await watch.during?.();
      }
      return fetch(input, init);
    },
  });
  return { didit, sightings };
}

async function look(rowLock: [string, string, string] | null): Promise<Omit<Sighting, 'path'>> {
  const idle = await observer.query<{ query: string }>(
    `select query from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`,
  );
  let rowLockFree: boolean | null = null;
  if (rowLock) {
    const [table, column, key] = rowLock;
    await observer.query('begin');
    try {
      await observer.query(
        `select 1 from ${pg.escapeIdentifier(table)} where ${pg.escapeIdentifier(column)} = $1 for update nowait`,
        [key],
      );
      rowLockFree = true;
    } catch (error) {
      if ((error as { code?: string }).code !== '55P03') throw error; // lock_not_available
      rowLockFree = false;
    } finally {
      await observer.query('rollback');
    }
  }
  return {
    idleInTransaction: idle.rows.map((r) => r.query),
    poolConnectionsInUse: ctx.pool.totalCount - ctx.pool.idleCount,
    rowLockFree,
  };
}

const clean: Omit<Sighting, 'path'> = { idleInTransaction: [], poolConnectionsInUse: 0, rowLockFree: true };

/** A session decided at the sandbox and synced here, with links about to expire. */
async function sessionWithExpiringLinks(): Promise<string> {
  const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: randomUUID() }), 'session_id');
  sandbox.completeSession(id, { capture: 'match' });
  await repairSessionFromDidit(ctx, id);
  await ctx.db
    .updateTable('verification_session')
    .set({ media_expires_at: new Date(Date.now() + 60_000) })
    .where('id', '=', id)
    .execute();
  return id;
}

function refresherWith(didit: DiditClient, options: Partial<MediaRefresherDeps> = {}): MediaRefresher {
  return new MediaRefresher({
    db: ctx.db,
    didit,
    logger: ctx.logger,
    metrics: ctx.metrics,
    marginSeconds: ctx.config.didit.mediaRefreshMarginSeconds,
    ...options,
  });
}

/** Sessions at the sandbox (created, not necessarily synced here), so a walk has pages to go. */
function atLeastSessionsAtDidit(count: number): void {
  while (sandbox.state.sessions.size < count) sandbox.createSession({ workflow_id: workflowId, vendor_data: randomUUID() });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const decisionReads = (id: string) => sandbox.requests().filter((r) => r.path === `/v3/session/${id}/decision/`);

describe('a media refresh asks Didit with no transaction open', () => {
  it('holds no transaction, no pool connection and no lock on the session while Didit answers', async () => {
    const id = await sessionWithExpiringLinks();
    const { didit, sightings } = observingClient({ path: /\/decision\/$/, rowLock: ['verification_session', 'id', id] });
    ctx.media = refresherWith(didit);
    const viewer = await createApiToken(ctx, 'analyst');
    const res = await fetch(`${baseUrl}/api/sessions/${id}/refresh-media`, {
      method: 'POST',
      headers: { ...authHeaders(viewer), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await bodyOf(res)).toMatchObject({ refreshed: true, media: { stale: false } });
    expect(sightings).toEqual([{ path: `/v3/session/${id}/decision/`, ...clean }]);
  });

  it("waits for another replica's refresh of the session instead of asking Didit again, and answers its links", async () => {
    const id = await sessionWithExpiringLinks();
    const aInCall = deferred();
    const bWaiting = deferred();
    const gate = deferred();
    // Replica A claims the refresh and is held inside its call to Didit...
    const { didit } = observingClient({
      path: /\/decision\/$/,
      during: async () => {
        aInCall.resolve();
        await gate.promise;
      },
    });
    sandbox.clearRequests();
    const a = refresherWith(didit).refresh(id, { force: false });
    await aInCall.promise;
    // ...while replica B finds the refresh taken, and waits.
    const b = refresherWith(ctx.didit, {
      sleep: async () => {
        bWaiting.resolve();
        await gate.promise;
      },
    }).refresh(id, { force: false });
    await bWaiting.promise;
    gate.resolve();

    const [fromA, fromB] = await Promise.all([a, b]);
    expect(fromA).toMatchObject({ refreshed: true, stale: false });
    expect(fromB).toMatchObject({ refreshed: true, stale: false, media: fromA.media, mediaExpiresAt: fromA.mediaExpiresAt });
    expect(decisionReads(id)).toHaveLength(1);
  });

  it('takes over the refresh when the replica holding it crashed (its lease expired)', async () => {
    const id = await sessionWithExpiringLinks();
    await ctx.db
      .insertInto('media_refresh_lease')
      .values({ session_id: id, lease_owner: 'crashed-replica', leased_until: new Date(Date.now() - 1_000) })
      .execute();
    sandbox.clearRequests();
    expect(await refresherWith(ctx.didit).refresh(id, { force: false })).toMatchObject({ refreshed: true, stale: false });
    expect(decisionReads(id)).toHaveLength(1);
    expect(await ctx.db.selectFrom('media_refresh_lease').where('session_id', '=', id).selectAll().execute()).toEqual([]);
  });
});

describe('reconciliation asks Didit with no transaction open', () => {
  const walk = (cursor: string, repair: StepOptions['repair'] = { kind: 'enqueue' }): StepOptions => ({
    cursor,
    since: () => new Date(Date.now() - 3_600_000),
    pageSize: 5,
    repair,
  });

  it("lists Didit's sessions without holding its cursor row, while another replica's step still finds the walk taken", async () => {
    atLeastSessionsAtDidit(12);
    const cursor = `lease-${randomUUID()}`;
    const busyDuringCall: unknown[] = [];
    const { didit, sightings } = observingClient({
      path: /^\/v3\/sessions\/$/,
      rowLock: ['sync_cursor', 'name', cursor],
      // Another replica tries the same walk while this one waits for Didit.
      during: async () => {
        busyDuringCall.push(await reconcileStep(ctx, walk(cursor)));
      },
    });
    const step = await reconcileStep({ ...ctx, didit }, walk(cursor));

    expect(step).toMatchObject({ status: 'progress', progress: { offset: 5 } });
    expect(busyDuringCall).toEqual([{ status: 'busy' }]);
    expect(sightings).toEqual([{ path: '/v3/sessions/', ...clean }]);
    // The lease is given back with the page: the next step (any replica) goes on at once.
    expect(await reconcileStep(ctx, walk(cursor))).toMatchObject({ progress: { offset: 10 } });
  });

  it('repairs inline (the CLI backfill) with no transaction open during the decision reads', async () => {
    const lost = await sessionWithExpiringLinks();
    await ctx.db.deleteFrom('verification_session').where('id', '=', lost).execute();
    const cursor = `inline-${randomUUID()}`;
    const { didit, sightings } = observingClient({ path: /\/decision\/$/, rowLock: ['sync_cursor', 'name', cursor] });
    const deps = { ...ctx, didit };
    const result = await runReconcileWalk(
      deps,
      walk(cursor, {
        kind: 'inline',
        repair: async (sessions) => {
          for (const s of sessions) await repairSessionFromDidit(deps, s.session_id);
        },
      }),
    );
    expect(result).toBe('complete');
    expect(sightings.length).toBeGreaterThan(0);
    for (const sighting of sightings) expect(sighting).toMatchObject(clean);
    expect(await ctx.db.selectFrom('verification_session').select('id').where('id', '=', lost).execute()).toHaveLength(1);
  });

  it('lets another replica take over a walk whose holder crashed (its lease expired), never a live one', async () => {
    atLeastSessionsAtDidit(12);
    const cursor = `crash-${randomUUID()}`;
    const options = walk(cursor);
    expect(await reconcileStep(ctx, options)).toMatchObject({ status: 'progress', progress: { offset: 5 } });

    await ctx.db
      .updateTable('sync_cursor')
      .set({ lease_owner: 'live-replica', leased_until: new Date(Date.now() + 600_000) })
      .where('name', '=', cursor)
      .execute();
    expect(await reconcileStep(ctx, options)).toEqual({ status: 'busy' });

    await ctx.db
      .updateTable('sync_cursor')
      .set({ lease_owner: 'crashed-replica', leased_until: new Date(Date.now() - 1_000) })
      .where('name', '=', cursor)
      .execute();
    expect(await reconcileStep(ctx, options)).toMatchObject({ status: 'progress', progress: { offset: 10 } });
    expect((await readCursor(ctx, cursor))?.active).toMatchObject({ offset: 10 });
  });
});
