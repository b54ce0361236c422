import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { AppError } from '../errors.ts';
import { DiditClient } from '../vendors/didit/didit-client.ts';
import { PostgresRateBudget } from '../vendors/didit/rate-budget.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { postDelivery, sessionEvent, signedDelivery, stringField } from '../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { processSessionInbox } from './inbox-processor.ts';
import { MediaRefresher, type MediaRefresherDeps } from './media-refresh.ts';
import { repairSessionFromDidit } from './repair-session.ts';

/**
 * Issue 15, finding 2: a viewer could spend the Didit decision budget the worker needs by
 * calling refresh-media in a loop. Over real HTTP, against the Didit sandbox. The "viewers" here
 * are analyst tokens: since issue 19 a viewer gets no links (and no refresh) unless the workflow
 * lets viewers reveal faces.
 */

const SECRET = 'media-refresh-secret-000001';

let sandbox: RunningSandbox;
let ctx: AppContext;
let baseUrl: string;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 15, mediaTtlSeconds: 3600 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: SECRET,
  }));
  baseUrl = await startTestServer(ctx);
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
});
afterAll(async () => {
  await sandbox.stop();
});

/** A clock the test moves; starts at the real time because Didit's link expiries are real. */
interface TestClock {
  ms: number;
}

/** The API's refresher rebuilt with a test clock (and other options): what a replica would build from config. */
function useRefresher(options: Partial<MediaRefresherDeps> = {}): { clock: TestClock; refresher: MediaRefresher } {
  const clock = { ms: Date.now() };
  const refresher = new MediaRefresher({
    db: ctx.db,
    didit: ctx.didit,
    logger: ctx.logger,
    metrics: ctx.metrics,
    marginSeconds: ctx.config.didit.mediaRefreshMarginSeconds,
    perActorPerMinute: ctx.config.didit.mediaRefreshPerUserPerMinute,
    forceIntervalSeconds: ctx.config.didit.mediaRefreshForceIntervalSeconds,
    now: () => clock.ms,
    ...options,
  });
  ctx.media = refresher;
  return { clock, refresher };
}

/** A session decided at the sandbox that we have not heard of yet. */
function decidedAtDidit(): string {
  const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: randomUUID() }), 'session_id');
  sandbox.completeSession(id, { capture: 'match' });
  return id;
}

/** A session decided at the sandbox and synced here (by the worker's repair path). */
async function syncedSession(): Promise<string> {
  const id = decidedAtDidit();
  await repairSessionFromDidit(ctx, id);
  return id;
}

async function storedMedia(id: string) {
  return ctx.db
    .selectFrom('verification_session')
    .select(['media', 'media_expires_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function expireSoon(id: string, clock: TestClock, seconds = 60): Promise<void> {
  await ctx.db
    .updateTable('verification_session')
    .set({ media_expires_at: new Date(clock.ms + seconds * 1000) })
    .where('id', '=', id)
    .execute();
}

const refreshMedia = (token: string, id: string, body: Record<string, unknown> = {}) =>
  fetch(`${baseUrl}/api/sessions/${id}/refresh-media`, {
    method: 'POST',
    headers: { ...authHeaders(token), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const decisionReads = (id?: string) =>
  sandbox
    .requests()
    .filter((r) => r.path.endsWith('/decision/') && (id === undefined || r.path === `/v3/session/${id}/decision/`));

describe('refresh-media asks Didit only when the links need it', () => {
  it('answers links that are not near expiry as they are, without asking Didit', async () => {
    useRefresher();
    const viewer = await createApiToken(ctx, 'analyst');
    const id = await syncedSession();
    const before = await storedMedia(id);
    sandbox.clearRequests();
    for (let i = 0; i < 3; i++) {
      const res = await refreshMedia(viewer, id);
      expect(res.status).toBe(200);
      expect(await bodyOf(res)).toMatchObject({
        sessionId: id,
        refreshed: false,
        media: { selfie: before.media['selfie'], expiresAt: before.media_expires_at?.toISOString(), stale: false },
      });
    }
    expect(decisionReads()).toHaveLength(0);
  });

  it('asks Didit when the links expire within the margin', async () => {
    const { clock } = useRefresher();
    const viewer = await createApiToken(ctx, 'analyst');
    const id = await syncedSession();
    await expireSoon(id, clock);
    sandbox.clearRequests();
    const body = await bodyOf(await refreshMedia(viewer, id));
    expect(body).toMatchObject({ refreshed: true, media: { stale: false } });
    expect(Date.parse(body.media.expiresAt)).toBeGreaterThan(clock.ms + 50 * 60_000);
    expect(decisionReads(id)).toHaveLength(1);
  });

  it('lets a reported broken image force new links at most once per session per interval', async () => {
    const { clock } = useRefresher({ forceIntervalSeconds: 60 });
    const [alice, bob] = [await createApiToken(ctx, 'analyst'), await createApiToken(ctx, 'analyst')];
    const id = await syncedSession();
    const first = (await storedMedia(id)).media['selfie'];
    sandbox.clearRequests();

    const forced = await bodyOf(await refreshMedia(alice, id, { brokenUrl: first }));
    expect(forced.refreshed).toBe(true);
    const second = forced.media.selfie as string;
    expect(second).not.toBe(first);
    expect(decisionReads(id)).toHaveLength(1);

    // Within the interval: the new link reported broken too (by anyone), or the old one again,
    // gets the current links back without a call to Didit.
    clock.ms += 59_000;
    for (const [token, brokenUrl] of [
      [bob, second],
      [alice, second],
      [alice, first],
    ] as const) {
      const body = await bodyOf(await refreshMedia(token, id, { brokenUrl }));
      expect(body).toMatchObject({ refreshed: false, media: { selfie: second, stale: false } });
    }
    expect(decisionReads(id)).toHaveLength(1);

    // Once the interval has passed, a report forces new links again.
    clock.ms += 1_000;
    expect((await bodyOf(await refreshMedia(bob, id, { brokenUrl: second }))).refreshed).toBe(true);
    expect(decisionReads(id)).toHaveLength(2);
  });

  it('does not spend the interval on a forced refresh Didit could not serve', async () => {
    useRefresher({ forceIntervalSeconds: 60 });
    const viewer = await createApiToken(ctx, 'analyst');
    const id = await syncedSession();
    const selfie = (await storedMedia(id)).media['selfie'];
    sandbox.setFaults({ apiErrorRate: 1 });
    try {
      const failed = await bodyOf(await refreshMedia(viewer, id, { brokenUrl: selfie }));
      expect(failed).toMatchObject({ refreshed: false, reason: 'didit_unavailable', media: { stale: true } });
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    expect((await bodyOf(await refreshMedia(viewer, id, { brokenUrl: selfie }))).refreshed).toBe(true);
  });
});

describe('refresh-media is limited per person', () => {
  it("answers a viewer's burst with 429 and Retry-After past the limit, and the worker's decision read still finds budget", async () => {
    await ctx.db.deleteFrom('didit_rate_grant').execute();
    useRefresher();
    const limit = ctx.config.didit.mediaRefreshPerUserPerMinute;
    const viewer = await createApiToken(ctx, 'analyst');
    const ids = [await syncedSession(), await syncedSession(), await syncedSession()];
    const selfies = await Promise.all(ids.map(async (id) => (await storedMedia(id)).media['selfie']));
    const waiting = decidedAtDidit();
    sandbox.clearRequests();

    // 120 calls at once, each reporting a current image broken (what forced a Didit read before).
    const responses = await Promise.all(
      Array.from({ length: 120 }, (_, i) => refreshMedia(viewer, ids[i % 3] ?? '', { brokenUrl: selfies[i % 3] })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(120 - limit);
    for (const res of responses.filter((r) => r.status === 429)) {
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const body = await bodyOf(res);
      expect(body.error).toMatchObject({
        code: 'rate_limited',
        details: { retryAfterSeconds: retryAfter, limitPerMinute: limit },
      });
      expect(body.error.message).toMatch(new RegExp(`at most ${limit} a minute per person`));
    }
    await Promise.all(responses.filter((r) => r.status === 200).map((r) => r.arrayBuffer()));
    // One forced read per session at most, from the interactive share.
    expect(decisionReads().length).toBeLessThanOrEqual(ids.length);
    const budget = new PostgresRateBudget(ctx.db, { interactiveShare: ctx.config.didit.interactiveBudgetShare });
    const before = (await budget.usage()).find((u) => u.scope === 'session-decision');
    expect(before?.interactiveUsed).toBeLessThanOrEqual(ids.length);
    expect(before?.used).toBeLessThanOrEqual(ids.length * 2); // + the three syncs above

    // The worker: a webhook arrives, the inbox reads the decision from Didit, at once.
    const delivery = signedDelivery(
      sessionEvent({ sessionId: waiting, status: 'Approved', workflowId, withDecision: false }),
      SECRET,
    );
    expect((await postDelivery(baseUrl, delivery)).status).toBe(200);
    sandbox.clearRequests();
    expect(await processSessionInbox(ctx, waiting)).toMatchObject({ rows: 1, outcomes: { applied: 1 } });
    expect(decisionReads(waiting).map((r) => r.status)).toEqual([200]);
  });

  it('shares one limit per person across replicas, and each person has their own', async () => {
    const options = { perActorPerMinute: 4 };
    const { refresher: a } = useRefresher(options);
    const { refresher: b } = useRefresher(options);
    const id = await syncedSession();
    const alice = { kind: 'token' as const, id: randomUUID() };
    const bob = { kind: 'token' as const, id: randomUUID() };
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).requestRefresh(id, alice)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(AppError);
      expect(r.reason).toMatchObject({ status: 429, code: 'rate_limited' });
    }
    await expect(a.requestRefresh(id, bob)).resolves.toMatchObject({ sessionId: id });
  });

  it('slides its window: room again once the oldest request is a minute old, and Retry-After says when', async () => {
    const { clock, refresher } = useRefresher({ perActorPerMinute: 3 });
    const id = await syncedSession();
    const actor = { kind: 'user' as const, id: randomUUID() };
    const start = clock.ms;
    for (const at of [0, 10_000, 20_000]) {
      clock.ms = start + at;
      await refresher.requestRefresh(id, actor);
    }
    const refused = async (at: number) => {
      clock.ms = start + at;
      const error = await refresher.requestRefresh(id, actor).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      return (error as AppError).details;
    };
    expect(await refused(30_000)).toMatchObject({ retryAfterSeconds: 30 });
    expect(await refused(59_500)).toMatchObject({ retryAfterSeconds: 1 });
    clock.ms = start + 60_000;
    await expect(refresher.requestRefresh(id, actor)).resolves.toMatchObject({ sessionId: id });
    // The next room comes when the request made at +10 s leaves the window.
    expect(await refused(60_000)).toMatchObject({ retryAfterSeconds: 10 });
  });

  it('counts a refresh that opening a session needs, and past the limit serves the old links flagged', async () => {
    const { clock } = useRefresher({ perActorPerMinute: 1 });
    const viewer = await createApiToken(ctx, 'analyst');
    const [first, second] = [await syncedSession(), await syncedSession()];
    await expireSoon(first, clock);
    await expireSoon(second, clock);
    const old = await storedMedia(second);
    sandbox.clearRequests();
    const open = (id: string) => fetch(`${baseUrl}/api/sessions/${id}`, { headers: authHeaders(viewer) });

    expect((await bodyOf(await open(first))).media).toMatchObject({ stale: false });
    const refused = await bodyOf(await open(second));
    expect(refused.media).toMatchObject({
      selfie: old.media['selfie'],
      stale: true,
      staleReason: 'refresh_limit',
      retryAfterSeconds: expect.any(Number),
    });
    expect(decisionReads().map((r) => r.path)).toEqual([`/v3/session/${first}/decision/`]);
  });
});

describe("people's refreshes use only their share of the Didit budget", () => {
  it("answers stale links once the interactive share is spent, while the worker's inbox read goes through at once", async () => {
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push(await syncedSession());
    const waiting = decidedAtDidit();
    const realDidit = ctx.didit;
    // A small budget so the share is quick to spend: 10 decision reads a minute, 3 for people.
    await ctx.db.deleteFrom('didit_rate_grant').execute();
    const budget = new PostgresRateBudget(ctx.db, { limits: { 'session-decision': 10 }, interactiveShare: 0.3 });
    ctx.didit = new DiditClient({
      baseUrl: sandbox.url,
      apiKey: sandbox.apiKey,
      budget,
      mediaOrigins: [new URL(sandbox.url).origin],
    });
    try {
      const { clock } = useRefresher({ didit: ctx.didit });
      for (const id of ids) await expireSoon(id, clock);

      // Three people, two sessions each: well within each one's own limit.
      const viewers = [
        await createApiToken(ctx, 'analyst'),
        await createApiToken(ctx, 'analyst'),
        await createApiToken(ctx, 'analyst'),
      ];
      const bodies = [];
      for (const [i, id] of ids.entries()) bodies.push(await bodyOf(await refreshMedia(viewers[i % 3] ?? '', id)));
      expect(bodies.filter((b) => b.refreshed)).toHaveLength(3);
      const stale = bodies.filter((b) => !b.refreshed);
      expect(stale).toHaveLength(3);
      for (const body of stale)
        expect(body).toMatchObject({ reason: 'rate_limited', media: { stale: true, staleReason: 'rate_limited' } });
      expect((await budget.usage()).find((u) => u.scope === 'session-decision')).toMatchObject({ used: 3, interactiveUsed: 3 });

      const delivery = signedDelivery(
        sessionEvent({ sessionId: waiting, status: 'Approved', workflowId, withDecision: false }),
        SECRET,
      );
      expect((await postDelivery(baseUrl, delivery)).status).toBe(200);
      sandbox.clearRequests();
      expect(await processSessionInbox(ctx, waiting)).toMatchObject({ rows: 1, outcomes: { applied: 1 } });
      expect(decisionReads(waiting).map((r) => r.status)).toEqual([200]);
      expect((await budget.usage()).find((u) => u.scope === 'session-decision')).toMatchObject({ used: 4, interactiveUsed: 3 });
    } finally {
      ctx.didit = realDidit;
    }
  });
});
