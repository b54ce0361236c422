import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { stringField } from '../../test/helpers/didit-events.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { reconcileStep, runReconcileWalk } from './reconcile.ts';
import { readCursor, syncTasks, runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { syncCommand } from './sync.command.ts';
import { faceMatchWorkflow, livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';

const SECRET = 'reconcile-test-secret-001';

let sandbox: RunningSandbox;
let ctx: AppContext;
let workflowId: string;
let baseUrl: string;

/**
 * Each test has a Didit (the sandbox) and a console (with its database) of its own: the walk
 * counts every session Didit lists, so a test must not see another's.
 */
beforeEach(async () => {
  sandbox = await startSandbox({ seed: 42, retryDelaysMs: [30, 60], deliveryTimeoutMs: 2_000 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: SECRET,
  }));
  baseUrl = await startTestServer(ctx);
  workflowId = stringField(sandbox.createWorkflow(faceMatchWorkflow()), 'workflow_id');
  return () => sandbox.stop();
});

/** From now on Didit sends its webhooks to this test's console. */
const subscribeConsole = () =>
  sandbox.createDestination({
    url: `${baseUrl}/webhooks/didit`,
    secret: SECRET,
    subscribedEvents: ['status.updated', 'data.updated'],
  });

/** The worker, run until no job is due (the tasks themselves, no sleeps). */
const drainWorker = () => runJobsOnce(ctx.pool, syncTasks(ctx));

async function mismatches(): Promise<string[]> {
  const ours = new Map(
    (await ctx.db.selectFrom('verification_session').select(['id', 'status']).execute()).map((row) => [row.id, row.status]),
  );
  return [...sandbox.state.sessions.values()].filter((s) => ours.get(s.sessionId) !== s.status).map((s) => s.sessionId);
}

const captures = ['match', 'match', 'low_quality', 'mismatch', 'spoof', 'no_face'] as const;

/**
 * 40 sessions at Didit: most completed (every kind of capture), some of those In Review then
 * decided in Didit's own console, every tenth never opened. Webhooks (to a subscribed console)
 * go out as the faults say.
 */
async function createSessionsAtDidit(): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const person = `returning-${i}`;
    const id = stringField(
      sandbox.createSession({ workflow_id: workflowId, vendor_data: person, portrait_image: sandbox.portraitFor(person) }),
      'session_id',
    );
    if (i % 10 === 9) continue; // never opened
    sandbox.completeSession(id, { capture: captures[i % captures.length], seed: i });
    if (sandbox.state.findSession(id)?.status === 'In Review' && i % 3 === 0) {
      sandbox.consoleDecision(id, { new_status: i % 2 === 0 ? 'Approved' : 'Declined', comment: 'checked' });
    }
  }
  await sandbox.flushDeliveries();
}

describe('reconciliation', () => {
  it('recovers every decided session when Didit drops 10% of deliveries and duplicates and reorders others', async () => {
    subscribeConsole();
    sandbox.setFaults({
      webhookDropRate: 0.1,
      webhookDuplicateRate: 0.15,
      webhookDelayRate: 0.3,
      webhookDelayMinMs: 5,
      webhookDelayMaxMs: 150,
      seed: 7,
    });
    await createSessionsAtDidit();
    sandbox.setFaults({ webhookDropRate: 0, webhookDuplicateRate: 0, webhookDelayRate: 0 });
    const deliveries = sandbox.deliveries();
    expect(deliveries.filter((d) => d.faults.dropped).length).toBeGreaterThan(0);
    expect(deliveries.filter((d) => d.faults.duplicated).length).toBeGreaterThan(0);

    await drainWorker();
    const missedByWebhooks = await mismatches();
    expect(missedByWebhooks.length).toBeGreaterThan(0);

    const result = await runReconcileWalk(ctx, {
      cursor: 'reconcile',
      since: () => new Date(Date.now() - 3_600_000),
      pageSize: 7,
      repair: { kind: 'enqueue' },
    });
    expect(result).toBe('complete');
    await drainWorker();

    expect(await mismatches()).toEqual([]);
    const decided = [...sandbox.state.sessions.values()].filter((s) => ['Approved', 'Declined', 'In Review'].includes(s.status));
    expect(decided.length).toBeGreaterThan(20);
    const cursor = await readCursor(ctx, 'reconcile');
    expect(cursor?.active).toBeNull();
    expect(cursor?.lastCompleted).toMatchObject({ examined: 40, repaired: missedByWebhooks.length });
    // Sessions decided in Didit's own console are marked as decided outside the console.
    const outside = await ctx.db
      .selectFrom('verification_session')
      .select('id')
      .where('decision_source', '=', 'outside')
      .execute();
    const consoleDecided = [...sandbox.state.sessions.values()].filter((s) =>
      s.activity.some((a) => a.actorType === 'CONSOLE_USER'),
    );
    expect(outside.map((r) => r.id).sort()).toEqual(consoleDecided.map((s) => s.sessionId).sort());
  });

  it('keeps its cursor in a locked row: a second replica skips the page, a restart resumes', async () => {
    // 40 sessions for the walk to page through; what became of them does not matter here.
    const liveness = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
    for (let i = 0; i < 40; i++) sandbox.createSession({ workflow_id: liveness, vendor_data: `walked-${i}` });
    const options = {
      cursor: 'walk-test',
      since: () => new Date(Date.now() - 3_600_000),
      pageSize: 10,
      repair: { kind: 'enqueue' as const },
    };
    const first = await reconcileStep(ctx, options);
    expect(first).toMatchObject({ status: 'progress', progress: { offset: 10, total: 40 } });

    // Another replica holds the row: this one does nothing.
    const client = await ctx.pool.connect();
    try {
      await client.query('begin');
      await client.query(`select * from sync_cursor where name = 'walk-test' for update`);
      expect(await reconcileStep(ctx, options)).toEqual({ status: 'busy' });
      await client.query('rollback');
    } finally {
      client.release();
    }

    // "Restart": a fresh call picks up at offset 10.
    const second = await reconcileStep(ctx, options);
    expect(second).toMatchObject({ status: 'progress', progress: { offset: 20, examined: 20 } });
  });

  it('backfills from the CLI with progress, stops on interrupt and resumes', async () => {
    subscribeConsole();
    await createSessionsAtDidit();
    await drainWorker();
    // Lose our copy of some sessions, as if they were never delivered.
    const victims = [...sandbox.state.sessions.keys()].slice(0, 5);
    await ctx.db.deleteFrom('verification_session').where('id', 'in', victims).execute();
    const since = new Date(Date.now() - 3_600_000).toISOString();

    const lines: string[] = [];
    const controller = new AbortController();
    await syncCommand(
      ctx,
      ['--since', since, '--page-size', '15'],
      (line) => {
        lines.push(line);
        if (/^\d+\/\d+ sessions/.test(line)) controller.abort(); // Ctrl-C after the first page
      },
      controller.signal,
    );
    expect(lines[0]).toMatch(/^15\/40 sessions \(38%\), \d+ repaired, [\d.]+\/s, ETA /);
    expect(lines.at(-1)).toMatch(/Interrupted/);

    const resumed: string[] = [];
    await syncCommand(ctx, ['--since', since, '--page-size', '15'], (line) => resumed.push(line));
    expect(resumed[0]).toMatch(/^30\/40 sessions/);
    expect(resumed.at(-1)).toMatch(/complete/);
    expect(await mismatches()).toEqual([]);
    const jobs = await sql<{
      n: number;
    }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'repair_session'`.execute(ctx.db);
    expect(jobs.rows[0]?.n).toBe(0); // the CLI repairs inline
  });

  it('does not read again a session of an erasure request that Didit still lists (its delete pending or refused)', async () => {
    const id = stringField(
      sandbox.createSession({
        workflow_id: workflowId,
        vendor_data: 'erased-person',
        portrait_image: sandbox.portraitFor('erased-person'),
      }),
      'session_id',
    );
    sandbox.completeSession(id, { capture: 'match' });
    const { id: requestId } = await ctx.db
      .insertInto('erasure_request')
      .values({ reference: 'DSAR-RECONCILE', requested_by_label: 'dpo@example.test' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await ctx.db.insertInto('erasure_session').values({ request_id: requestId, session_id: id }).execute();

    const repaired: string[] = [];
    await runReconcileWalk(ctx, {
      cursor: 'erased-walk',
      since: () => new Date(Date.now() - 3_600_000),
      repair: {
        kind: 'inline',
        repair: (sessions) => {
          repaired.push(...sessions.map((s) => s.session_id));
          return Promise.resolve();
        },
      },
    });
    expect(repaired).not.toContain(id);
    expect(sandbox.requests().filter((r) => r.path === `/v3/session/${id}/decision/`)).toHaveLength(0);
    expect(await ctx.db.selectFrom('verification_session').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  });
});
