import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { stringField } from '../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { runJobsOnce, syncTasks } from '../../test/helpers/sync-worker.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { createLogger } from '../logger.ts';
import { listOtherSessions } from '../review/review.repository.ts';
import { processInboxRow } from '../sync/inbox-processor.ts';
import { vendorDataHash } from './pseudonym.ts';
import { describeRetention, retentionCommand } from './retention.command.ts';
import { applyRetention, type RetentionReport } from './retention.ts';

/**
 * Retention with a moved clock (RETENTION_DAYS=90, RETENTION_NOTES=keep): sessions come from the
 * Didit sandbox through its signed webhooks, as in production, then their final dates are set
 * relative to a fixed `now`. One scenario, run once before the tests (a dry run, the CLI's dry run,
 * a run in batches of two, a second run); each test reads what it did.
 */

const SECRET = 'retention-test-secret-000000001';
const now = new Date('2027-06-01T12:00:00.000Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

let sandbox: RunningSandbox;
let ctx: AppContext;
let baseUrl: string;
let workflowId: string;

/** The fixture: who each session belongs to, and its final date. */
const people = {
  old: 'person-old', // Approved 91 days ago: goes
  oldWithNote: 'person-noted', // Approved 95 days ago, an analyst's note: goes, the note stays
  abandoned: 'person-abandoned', // Abandoned (no decision) 100 days ago: goes, counted from Didit's last word
  recent: 'person-recent', // Approved 89 days ago: stays (and lacks its hash, as rows from before the migration)
  inReview: 'person-in-review', // In Review for 200 days: stays
  pending: 'person-pending', // Declined here 120 days ago, the push to Didit pending: stays
  newer: 'person-old', // the old session's person again, 10 days ago: stays, still linked
} as const;
type Key = keyof typeof people;
const ids = {} as Record<Key, string>;

let dryRun: RetentionReport;
let dryRunSample2: RetentionReport;
let cliLines: string[];
let run1: RetentionReport;
let run2: RetentionReport;
let logLines: string[];
let beforeDryRun: unknown;
let afterDryRun: unknown;
let webhookBodiesOfRemoved: number;

/** Everything retention may touch, for "the dry run changed nothing". */
async function everything() {
  return {
    sessions: await ctx.db.selectFrom('verification_session').selectAll().orderBy('id').execute(),
    webhooks: await ctx.db.selectFrom('webhook_event').selectAll().orderBy('id').execute(),
    quarantine: await ctx.db.selectFrom('webhook_quarantine').selectAll().orderBy('id').execute(),
    reviewEvents: await ctx.db.selectFrom('review_event').selectAll().orderBy('id').execute(),
  };
}

const session = (key: Key) =>
  ctx.db.selectFrom('verification_session').selectAll().where('id', '=', ids[key]).executeTakeFirstOrThrow();

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 19, mediaTtlSeconds: 3600 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: SECRET,
  }));
  baseUrl = await startTestServer(ctx);
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
  sandbox.createDestination({ url: `${baseUrl}/webhooks/didit`, secret: SECRET, subscribedEvents: ['status.updated'] });

  for (const key of Object.keys(people) as Key[]) {
    const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: people[key] }), 'session_id');
    ids[key] = id;
    if (key === 'abandoned') {
      sandbox.openSession(id);
      sandbox.abandonSession(id);
    } else if (key === 'inReview') sandbox.completeSession(id, { capture: 'match', livenessScore: 60 });
    else sandbox.completeSession(id, { capture: 'match', livenessScore: 95 });
  }
  await sandbox.flushDeliveries();
  await runJobsOnce(ctx.pool, syncTasks(ctx));

  // The final dates the scenario needs, relative to `now`.
  const finalDays: Record<Key, number> = {
    old: 91,
    oldWithNote: 95,
    abandoned: 100,
    recent: 89,
    inReview: 200,
    pending: 120,
    newer: 10,
  };
  for (const key of Object.keys(people) as Key[]) {
    const at = daysAgo(finalDays[key]);
    const row = await session(key);
    await ctx.db
      .updateTable('verification_session')
      .set({
        event_at: at,
        ...(row.decided_at ? { decided_at: at } : {}),
        ...(row.in_review_since ? { in_review_since: at } : {}),
      })
      .where('id', '=', ids[key])
      .execute();
  }
  await ctx.db
    .updateTable('verification_session')
    .set({ status: 'Declined', review_push_state: 'pending' })
    .where('id', '=', ids.pending)
    .execute();
  await ctx.db.updateTable('verification_session').set({ vendor_data_hash: null }).where('id', '=', ids.recent).execute();
  await ctx.db
    .insertInto('review_event')
    .values({
      session_id: ids.oldWithNote,
      kind: 'note',
      actor_id: null,
      actor_label: 'analyst@example.test',
      note: 'Same glasses as in the portrait.',
      created_at: daysAgo(96),
    })
    .execute();
  const quarantined = (tag: string, sessionId: string | null, receivedDaysAgo: number) => ({
    body_sha256: tag.padEnd(64, '0'),
    body: Buffer.from(`{"vendor_data":"${tag}"}`),
    reason: 'invalid_envelope' as const,
    detail: null,
    signature_variant: 'v2' as const,
    header_timestamp: null,
    webhook_type: 'status.updated',
    session_id: sessionId,
    event_timestamp: null,
    repair_state: 'not_possible' as const,
    received_at: daysAgo(receivedDaysAgo),
    last_received_at: daysAgo(receivedDaysAgo),
  });
  await ctx.db
    .insertInto('webhook_quarantine')
    .values([
      quarantined('a1', ids.old, 2), // of a session that goes: goes with it
      quarantined('b2', null, 100), // received before the cutoff: goes
      quarantined('c3', null, 5), // recent: stays
    ])
    .execute();

  const removedIds = [ids.old, ids.oldWithNote, ids.abandoned];
  webhookBodiesOfRemoved = (
    await ctx.db
      .selectFrom('webhook_event')
      .select('id')
      .where('session_id', 'in', removedIds)
      .where('processed_at', 'is not', null)
      .execute()
  ).length;

  beforeDryRun = await everything();
  dryRun = await applyRetention(ctx, { now, dryRun: true });
  dryRunSample2 = await applyRetention(ctx, { now, dryRun: true, sampleSize: 2 });
  cliLines = [];
  await retentionCommand(ctx, ['--dry-run'], (line) => cliLines.push(line), { now });
  afterDryRun = await everything();

  logLines = [];
  const logger = createLogger(
    { ...ctx.config, log: { level: 'info', pretty: false } },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  run1 = await applyRetention({ ...ctx, logger }, { now, batchSize: 2 });
  run2 = await applyRetention(ctx, { now });
  return () => sandbox.stop();
});

describe('retention (RETENTION_DAYS=90, notes kept)', () => {
  it('removes the decision, media links and vendor_data of a session decided 91 days ago, keeping its hash, scores and status', async () => {
    const row = await session('old');
    expect(row).toMatchObject({
      decision: null,
      media: {},
      media_expires_at: null,
      vendor_data: null,
      vendor_data_hash: vendorDataHash(people.old),
      status: 'Approved',
      personal_data_removed_at: now,
      personal_data_removal: 'retention',
    });
    expect(row.liveness_score).toBe(95);
    expect(row.decided_at).toEqual(daysAgo(91));
  });

  it('keeps everything of a session decided 89 days ago', async () => {
    const row = await session('recent');
    expect(row.decision).not.toBeNull();
    expect(Object.keys(row.media).length).toBeGreaterThan(0);
    expect(row).toMatchObject({ vendor_data: people.recent, personal_data_removed_at: null });
  });

  it("counts from Didit's last word for a session that ended without a decision", async () => {
    expect(await session('abandoned')).toMatchObject({ decided_at: null, vendor_data: null, personal_data_removal: 'retention' });
  });

  it('keeps In Review sessions however long they have waited', async () => {
    const row = await session('inReview');
    expect(row).toMatchObject({ status: 'In Review', vendor_data: people.inReview, personal_data_removed_at: null });
    expect(row.decision).not.toBeNull();
  });

  it('skips a session whose decision is still on its way to Didit', async () => {
    expect(await session('pending')).toMatchObject({ vendor_data: people.pending, personal_data_removed_at: null });
  });

  it("keeps analysts' notes when RETENTION_NOTES=keep", async () => {
    const notes = await ctx.db
      .selectFrom('review_event')
      .select(['note', 'note_removed_at'])
      .where('session_id', '=', ids.oldWithNote)
      .execute();
    expect(notes).toEqual([{ note: 'Same glasses as in the portrait.', note_removed_at: null }]);
    expect(await session('oldWithNote')).toMatchObject({ vendor_data: null, personal_data_removal: 'retention' });
  });

  it('removes the bodies of the applied webhook deliveries of the sessions that go, and only theirs', async () => {
    expect(webhookBodiesOfRemoved).toBeGreaterThan(0);
    const rows = await ctx.db
      .selectFrom('webhook_event')
      .select(['session_id', 'payload', 'raw_body', 'payload_removed_at'])
      .execute();
    const removed = new Set([ids.old, ids.oldWithNote, ids.abandoned]);
    for (const row of rows) {
      if (removed.has(row.session_id!)) expect(row).toMatchObject({ payload: {}, raw_body: null, payload_removed_at: now });
      else expect(row.payload_removed_at).toBeNull();
    }
    expect(run1.counts.webhookBodies).toBe(webhookBodiesOfRemoved);
  });

  it('deletes quarantined deliveries of the sessions that go and those received before the cutoff', async () => {
    const left = await ctx.db.selectFrom('webhook_quarantine').select('body_sha256').execute();
    expect(left.map((row) => row.body_sha256.slice(0, 2))).toEqual(['c3']);
    expect(run1.counts.quarantined).toBe(2);
  });

  it('fills vendor_data_hash of rows stored before the hash existed', async () => {
    expect((await session('recent')).vendor_data_hash).toBe(vendorDataHash(people.recent));
    expect(run1.counts.hashed).toBe(1);
  });

  it("still links the person's other sessions once vendor_data is gone", async () => {
    const others = await listOtherSessions(ctx.db, await session('old'));
    expect(others.map((other) => other.id)).toEqual([ids.newer]);
    const back = await listOtherSessions(ctx.db, await session('newer'));
    expect(back.map((other) => other.id)).toEqual([ids.old]);
  });

  it('counts what it removed, in batches, and a second run removes nothing', () => {
    expect(run1.counts).toEqual({ sessions: 3, webhookBodies: webhookBodiesOfRemoved, quarantined: 2, notes: 0, hashed: 1 });
    expect(run1.complete).toBe(true);
    expect(run2.counts).toEqual({ sessions: 0, webhookBodies: 0, quarantined: 0, notes: 0, hashed: 0 });
  });

  it('a dry run changes nothing and reports what the run then removed', () => {
    expect(afterDryRun).toEqual(beforeDryRun);
    expect(dryRun.counts).toEqual(run1.counts);
    expect(dryRun.cutoff).toEqual(daysAgo(90));
    expect(dryRun.sample).toEqual([
      // Abandoned before a capture: Didit's decision has no media.
      {
        id: ids.abandoned,
        status: 'Abandoned',
        finalAt: daysAgo(100),
        holds: { decision: true, mediaLinks: false, vendorData: true, notes: false },
      },
      {
        id: ids.oldWithNote,
        status: 'Approved',
        finalAt: daysAgo(95),
        holds: { decision: true, mediaLinks: true, vendorData: true, notes: false },
      },
      {
        id: ids.old,
        status: 'Approved',
        finalAt: daysAgo(91),
        holds: { decision: true, mediaLinks: true, vendorData: true, notes: false },
      },
    ]);
  });

  it('prints the dry run for a person: the cutoff, counts per category and the first sessions', () => {
    expect(cliLines[0]).toContain('before 2027-03-03');
    expect(cliLines).toContain('Dry run: nothing was changed.');
    expect(cliLines).toContain('  sessions (decision JSON, media links, vendor_data) would go: 3');
    expect(cliLines).toContain(`  webhook delivery bodies would go: ${webhookBodiesOfRemoved}`);
    expect(cliLines).toContain('  quarantined deliveries would go: 2');
    expect(cliLines).toContain('  note texts: kept (RETENTION_NOTES=keep)');
    expect(cliLines.filter((line) => line.includes(ids.old))).toEqual([
      `  ${ids.old}  Approved     2027-03-02  decision, media links, vendor_data`,
    ]);
    expect(cliLines.some((line) => line.includes('more'))).toBe(false);
    expect(describeRetention(dryRunSample2).at(-1)).toBe('  …and 1 more');
  });

  it('audits one entry per run that removed something, counts only, by the console itself', async () => {
    const entries = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'privacy.retention_applied').execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_type: 'system', actor_id: null });
    expect(entries[0]!.details).toEqual({
      ...run1.counts,
      cutoff: daysAgo(90).toISOString(),
      retentionDays: 90,
      removeNotes: false,
      trigger: 'worker',
    });
  });

  it('logs its counts and nothing that names a person or links to a face', () => {
    const line = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'retention removed personal data');
    expect(line).toMatchObject({ level: 30, sessions: 3, quarantined: 2, hashed: 1 });
    const text = logLines.join('\n');
    for (const person of Object.values(people)) expect(text).not.toContain(person);
    expect(text).not.toMatch(/https?:\/\//);
  });

  it('the session page says nothing is held locally any more, and opening it asks Didit for nothing', async () => {
    const token = await createApiToken(ctx, 'analyst');
    sandbox.clearRequests();
    const res = await fetch(`${baseUrl}/api/sessions/${ids.old}`, { headers: authHeaders(token) });
    expect(res.status).toBe(200);
    const detail = await bodyOf(res);
    expect(detail.privacy).toMatchObject({
      heldLocally: { decision: false, mediaLinks: false, vendorData: false, notes: false },
      removal: 'retention',
      removedAt: now.toISOString(),
      removableAfter: null,
    });
    expect(detail.otherSessions.map((other: { id: string }) => other.id)).toEqual([ids.newer]);

    // A reported broken link, and the worker's forced refresh, leave it alone too.
    const refresh = await fetch(`${baseUrl}/api/sessions/${ids.old}/refresh-media`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify({ brokenUrl: 'https://media.example.test/face.jpg' }),
    });
    expect(refresh.status).toBe(200);
    expect(await ctx.media.refresh(ids.old, { force: true })).toMatchObject({ refreshed: false, media: {} });
    expect(sandbox.requests()).toEqual([]);
    expect(await session('old')).toMatchObject({ decision: null, media: {}, vendor_data: null });
  });

  it('finds the session by the exact vendor_data it no longer holds', async () => {
    const token = await createApiToken(ctx, 'viewer');
    const res = await fetch(`${baseUrl}/api/queue?status=Approved&q=${people.old}`, { headers: authHeaders(token) });
    expect(res.status).toBe(200);
    const found = (await bodyOf(res)).items.map((item: { id: string }) => item.id);
    expect(found.sort()).toEqual([ids.old, ids.newer].sort());
  });

  it('refuses to replay a delivery whose body retention removed', async () => {
    const token = await createApiToken(ctx, 'lead');
    const delivery = await ctx.db
      .selectFrom('webhook_event')
      .select(['id', 'processed_at'])
      .where('session_id', '=', ids.old)
      .where('payload_removed_at', 'is not', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const res = await fetch(`${baseUrl}/api/sync/webhooks/${delivery.id}/replay`, {
      method: 'POST',
      headers: authHeaders(token),
    });
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).error).toMatchObject({ code: 'conflict' });
    const after = await ctx.db
      .selectFrom('webhook_event')
      .select('processed_at')
      .where('id', '=', delivery.id)
      .executeTakeFirstOrThrow();
    expect(after.processed_at).toEqual(delivery.processed_at);
  });

  it('takes the body of a late delivery about a session retention outlived, and applies nothing', async () => {
    const late = daysAgo(300);
    const payload = {
      webhook_type: 'status.updated',
      timestamp: Math.floor(late.getTime() / 1000),
      session_id: ids.old,
      status: 'Not Started',
      vendor_data: people.old,
    };
    const { id: rowId } = await ctx.db
      .insertInto('webhook_event')
      .values({
        dedupe_key: `late-delivery:${ids.old}`,
        webhook_type: 'status.updated',
        session_id: ids.old,
        status: 'Not Started',
        event_timestamp: late,
        signature_variant: 'v2',
        payload: JSON.stringify(payload),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      expect(await processInboxRow(ctx, rowId)).toBe('stale');
      const row = await ctx.db.selectFrom('webhook_event').selectAll().where('id', '=', rowId).executeTakeFirstOrThrow();
      expect(row.processed_at).not.toBeNull();
      expect(row.payload).toEqual({});
      expect(row.payload_removed_at).not.toBeNull();
      const after = await session('old');
      expect(after.vendor_data).toBeNull();
      expect(after.status).toBe('Approved');
    } finally {
      // The other tests read the deliveries as the scenario left them (in any order).
      await ctx.db.deleteFrom('webhook_event').where('id', '=', rowId).execute();
    }
  });
});
