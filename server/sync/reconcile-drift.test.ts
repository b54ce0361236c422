import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { FACE_MATCH_NODE, LIVENESS_NODE } from '../didit-sandbox/decision.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { diditSessionListSchema } from '../vendors/didit/didit-schemas.ts';
import { stringField } from '../../test/helpers/didit-events.ts';
import { faceMatchWorkflow } from '../../test/helpers/didit-workflows.ts';
import { syncTasks, runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { DEFAULT_RECHECK, listShowsChange, runReconcileWalk, type RecheckPolicy, type SessionCopy } from './reconcile.ts';

/**
 * Reconciliation repairs what a lost `data.updated` left wrong while the session's status stayed
 * the same, and spends Didit's decision reads (100/min) only where the list shows a change, or
 * cannot vouch for an In Review session's aging copy (docs/didit-contract.md §9).
 */

const SECRET = 'reconcile-drift-secret-001';

let sandbox: RunningSandbox;
let ctx: AppContext;
let workflowId: string;

/** Each test has a Didit (the sandbox) and a console of its own, subscribed to both session events. */
beforeEach(async () => {
  sandbox = await startSandbox({ seed: 17, retryDelaysMs: [30, 60], deliveryTimeoutMs: 2_000 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: SECRET,
  }));
  sandbox.createDestination({
    url: `${await startTestServer(ctx)}/webhooks/didit`,
    secret: SECRET,
    subscribedEvents: ['status.updated', 'data.updated'],
  });
  workflowId = stringField(sandbox.createWorkflow(faceMatchWorkflow('Drift', { review: 70, decline: 50 })), 'workflow_id');
  return () => sandbox.stop();
});

/** The worker, run until no job is due (the tasks themselves, no sleeps). */
const drainWorker = () => runJobsOnce(ctx.pool, syncTasks(ctx));

/** One whole walk over the last hour's sessions (pages of 7 unless said), repairs queued, then the worker runs them. */
async function reconcilePass(options: { pageSize?: number; recheck?: RecheckPolicy } = {}): Promise<void> {
  const walk = await runReconcileWalk(ctx, {
    cursor: 'reconcile',
    since: () => new Date(Date.now() - 3_600_000),
    pageSize: 7,
    repair: { kind: 'enqueue' },
    ...options,
  });
  expect(walk).toBe('complete');
  await drainWorker();
}

function createSession(person: string): string {
  return stringField(
    sandbox.createSession({ workflow_id: workflowId, vendor_data: person, portrait_image: sandbox.portraitFor(person) }),
    'session_id',
  );
}

/** Sessions whose copy differs from Didit in what the console shows: status, step statuses, scores. */
async function drifted(): Promise<string[]> {
  const copies = new Map(
    (
      await ctx.db
        .selectFrom('verification_session')
        .select(['id', 'status', 'liveness_status', 'face_match_status', 'liveness_score', 'face_match_score'])
        .execute()
    ).map((copy) => [copy.id, copy]),
  );
  return [...sandbox.state.sessions.values()]
    .filter((s) => {
      const copy = copies.get(s.sessionId);
      const liveness = s.capture?.liveness ?? null;
      const faceMatch = s.capture?.faceMatch ?? null;
      return (
        copy?.status !== s.status ||
        copy.liveness_status !== (liveness?.status ?? null) ||
        copy.face_match_status !== (faceMatch?.status ?? null) ||
        copy.liveness_score !== (liveness?.score ?? null) ||
        copy.face_match_score !== (faceMatch?.score ?? null)
      );
    })
    .map((s) => s.sessionId)
    .sort();
}

/** The sessions whose decision the console read from Didit since the requests were last cleared. */
const decisionReads = (): string[] =>
  sandbox
    .requests()
    .filter((r) => r.method === 'GET' && /^\/v3\/session\/[^/]+\/decision\/$/.test(r.path))
    .map((r) => r.path.split('/')[3] ?? '')
    .sort();

/** A reviewer in Didit's console overrides one step (`PATCH …/features/{node}/update-status/`): data.updated only. */
async function overrideStep(sessionId: string, node: string, newStatus: string): Promise<void> {
  const res = await fetch(`${sandbox.url}/v3/session/${sessionId}/features/${node}/update-status/`, {
    method: 'PATCH',
    headers: { 'x-api-key': sandbox.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ new_status: newStatus, comment: 'step overridden' }),
  });
  expect(res.status).toBe(200);
}

/**
 * Four sessions In Review, five decided and one never opened, all known to the console; then the
 * user redoes the capture of the first In Review one on a resubmission and lands In Review again,
 * with the same step statuses but new scores, and every webhook of that round trip is lost.
 */
async function roundTripBackToInReview(): Promise<{ inReview: string[]; resubmitted: string }> {
  const complete = (id: string, livenessScore: number, faceMatchScore: number) =>
    sandbox.completeSession(id, { capture: 'match', livenessScore, faceMatchScore });
  const inReview = Array.from({ length: 4 }, (_, i) => createSession(`review-${i}`));
  for (const id of inReview) complete(id, 60, 90);
  for (let i = 0; i < 3; i++) complete(createSession(`approved-${i}`), 90, 95);
  for (let i = 0; i < 2; i++) complete(createSession(`declined-${i}`), 40, 95);
  createSession('never-opened');
  await sandbox.flushDeliveries();
  await drainWorker();
  expect(inReview.map((id) => sandbox.state.findSession(id)?.status)).toEqual(Array(4).fill('In Review'));
  expect(await drifted()).toEqual([]);

  const [resubmitted = ''] = inReview;
  sandbox.setFaults({ webhookDropRate: 1 });
  sandbox.consoleDecision(resubmitted, { new_status: 'Resubmitted', comment: 'retake the selfie' });
  complete(resubmitted, 65, 96);
  await sandbox.flushDeliveries();
  expect(sandbox.state.findSession(resubmitted)?.status).toBe('In Review');
  expect(await drifted()).toEqual([resubmitted]);
  return { inReview, resubmitted };
}

/** Two hours without a word from Didit: every copy's `event_at` moves two hours back. */
async function ageCopies(): Promise<void> {
  await ctx.db
    .updateTable('verification_session')
    .set({ event_at: sql<Date>`event_at - interval '2 hours'` })
    .execute();
}

describe('reconciliation beyond the status', () => {
  it('repairs in one pass every session whose step status changed at Didit under the same status, reading no other decision', async () => {
    const captures = ['match', 'low_quality', 'mismatch', 'spoof', 'no_face'] as const;
    const ids = Array.from({ length: 22 }, (_, i) => createSession(`drift-${i}`));
    const completed = ids.slice(0, 20);
    completed.forEach((id, i) => sandbox.completeSession(id, { capture: captures[i % captures.length], seed: i }));
    await sandbox.flushDeliveries();
    await drainWorker();
    expect(await drifted()).toEqual([]);

    // Every webhook is lost from now on; a reviewer overrides one step of ten sessions.
    sandbox.setFaults({ webhookDropRate: 1 });
    const changed = completed.slice(0, 10);
    for (const [i, id] of changed.entries()) {
      const capture = sandbox.state.findSession(id)?.capture;
      const [node, step] = i % 2 === 0 ? [LIVENESS_NODE, capture?.liveness] : [FACE_MATCH_NODE, capture?.faceMatch];
      await overrideStep(id, node, step?.status === 'Approved' ? 'Declined' : 'Approved');
    }
    await sandbox.flushDeliveries();
    const lost = sandbox.deliveries().filter((d) => d.webhook_type === 'data.updated' && d.faults.dropped);
    expect(lost.map((d) => d.session_id).sort()).toEqual([...changed].sort());
    expect(await drifted()).toEqual([...changed].sort());

    sandbox.clearRequests();
    await reconcilePass();

    expect(await drifted()).toEqual([]);
    expect(decisionReads()).toEqual([...changed].sort());
  });

  it('repairs in the first pass a resubmission back to In Review with new scores, which the list shows', async () => {
    const { resubmitted } = await roundTripBackToInReview();
    // The premise: the list's row carries the new scores (as fractions; the decision has 65 and 96).
    const listed = (await ctx.didit.listSessions({ limit: 100, offset: 0 })).results;
    expect(listed.find((row) => row.session_id === resubmitted)?.additional_details).toMatchObject({
      liveness: { score: 0.65 },
      face_match: { score: 0.96 },
    });

    // Our copies are fresh, so no copy is re-read for its age: the row's scores alone show the change.
    sandbox.clearRequests();
    await reconcilePass();
    expect(decisionReads()).toEqual([resubmitted]);
    expect(await drifted()).toEqual([]);

    // Rows that show the scores vouch for In Review copies of any age: none is re-read for its age.
    await ageCopies();
    sandbox.clearRequests();
    await reconcilePass();
    expect(decisionReads()).toEqual([]);
  });

  it('re-reads an In Review session an older row cannot vouch for only once its copy is old, a few per page', async () => {
    sandbox.setListRows('older');
    const { inReview, resubmitted } = await roundTripBackToInReview();
    // The premise: these rows carry step statuses but no scores (the older generation's rows).
    const listed = (await ctx.didit.listSessions({ limit: 100, offset: 0 })).results;
    const listedRow = listed.find((row) => row.session_id === resubmitted);
    expect(listedRow?.features).toHaveLength(2);
    expect(listedRow?.additional_details ?? null).toBeNull();

    // While our copies are fresh, nothing the list shows differs: no decision is read.
    sandbox.clearRequests();
    await reconcilePass();
    expect(decisionReads()).toEqual([]);
    expect(await drifted()).toEqual([resubmitted]);

    // Two hours without a word from Didit: the In Review copies are re-read, here two in the one page…
    await ageCopies();
    sandbox.clearRequests();
    await reconcilePass({ pageSize: 100, recheck: { ...DEFAULT_RECHECK, perPage: 2 } });
    const first = decisionReads();
    expect(first).toHaveLength(2);
    expect(inReview).toEqual(expect.arrayContaining(first));

    // …the rest on the next pass, each once (a re-read copy is new again); decided sessions never.
    sandbox.clearRequests();
    await reconcilePass();
    expect(decisionReads()).toEqual(inReview.filter((id) => !first.includes(id)).sort());
    expect(await drifted()).toEqual([]);

    sandbox.clearRequests();
    await reconcilePass();
    expect(decisionReads()).toEqual([]);
  });
});

describe("what a row of Didit's list shows", () => {
  /** Our copy of an Approved session, as the decision left it. */
  const copy: SessionCopy = {
    status: 'Approved',
    liveness_status: 'Approved',
    face_match_status: 'Approved',
    liveness_score: 98,
    face_match_score: 95,
    liveness_method: 'PASSIVE',
    event_at: new Date('2026-06-09T12:30:00Z'),
  };

  /** One row in the newest documented shape (https://docs.didit.me/sessions-api/list-sessions), parsed as the client does. */
  function row(changes: Record<string, unknown> = {}) {
    const listed = {
      session_id: '5b3720ed-d429-42ef-b67f-37ea805f48ee',
      session_kind: 'user',
      session_number: 720,
      status: 'Approved',
      vendor_data: 'user-1',
      created_at: '2026-06-09T12:26:54.328364Z',
      features: [
        { feature: 'ID_VERIFICATION', status: 'Declined' },
        { feature: 'LIVENESS', status: 'Approved' },
        { feature: 'FACE_MATCH', status: 'Approved' },
      ],
      additional_details: { liveness: { method: 'PASSIVE', score: 0.98 }, face_match: { score: 0.95 } },
      ...changes,
    };
    const [parsed] = diditSessionListSchema.parse({ count: 1, next: null, previous: null, results: [listed] }).results;
    if (!parsed) throw new Error('the row did not parse');
    return parsed;
  }

  it('agrees with our copy on scores written as fractions or as percentages, to half a point', () => {
    expect(listShowsChange(row(), copy)).toBe(false);
    const percentages = { liveness: { method: 'passive', score: 98.3 }, face_match: { score: 94.6 } };
    expect(listShowsChange(row({ additional_details: percentages }), copy)).toBe(false);
    // Two-decimal fractions of a score ending in .5 sit exactly half a point away, floating point aside.
    for (const score of [6.5, 13.5, 27.5, 54.5, 55.5]) {
      const halfway = { liveness: { method: 'PASSIVE', score: Math.ceil(score) / 100 }, face_match: { score: 0.95 } };
      expect(listShowsChange(row({ additional_details: halfway }), { ...copy, liveness_score: score })).toBe(false);
    }
  });

  it('shows a change of a step status, a score or the liveness method', () => {
    const faceMatchInReview = [
      { feature: 'LIVENESS', status: 'Approved' },
      { feature: 'FACE_MATCH', status: 'In Review' },
    ];
    expect(listShowsChange(row({ features: faceMatchInReview }), copy)).toBe(true);
    expect(
      listShowsChange(
        row({ additional_details: { liveness: { method: 'PASSIVE', score: 0.98 }, face_match: { score: 0.8 } } }),
        copy,
      ),
    ).toBe(true);
    expect(listShowsChange(row({ additional_details: { liveness: { method: 'FLASHING', score: 0.98 } } }), copy)).toBe(true);
    expect(listShowsChange(row({ status: 'Declined' }), copy)).toBe(true);
  });

  it('takes what a row lacks, or cannot be read, as not shown rather than changed', () => {
    expect(listShowsChange(row({ features: undefined, additional_details: undefined }), copy)).toBe(false);
    // Malformed extras leave the row listed by its status.
    expect(listShowsChange(row({ features: 'LIVENESS + FACE_MATCH', additional_details: 'n/a' }), copy)).toBe(false);
    expect(listShowsChange(row({ features: 'LIVENESS + FACE_MATCH', status: 'In Review' }), copy)).toBe(true);
    // A step that has not run is `Not Finished` in the list and has no decision item (null) here.
    const notRun = {
      ...copy,
      status: 'In Progress',
      liveness_status: null,
      face_match_status: null,
      liveness_score: null,
      face_match_score: null,
    };
    const unfinished = [
      { feature: 'LIVENESS', status: 'Not Finished' },
      { feature: 'FACE_MATCH', status: 'Not Finished' },
    ];
    expect(listShowsChange(row({ status: 'In Progress', features: unfinished, additional_details: null }), notRun)).toBe(false);
    // A score out of 0–100 is one we would not store either.
    const unstorable = { ...copy, liveness_score: null };
    expect(listShowsChange(row({ additional_details: { liveness: { score: 1e308 } } }), unstorable)).toBe(false);
  });
});
