import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { SCORE_OUT_OF_RANGE } from '../contract/data-problems.ts';
import type { HistogramDto, SimulationDto } from '../contract/thresholds.ts';
import { diditCanonicalJson } from '../webhooks/didit-canonical-json.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { postDelivery, sessionEvent, signedDelivery, type Delivery } from '../../test/helpers/didit-events.ts';
import { seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { processSessionInbox } from './inbox-processor.ts';

/**
 * Issue 15, finding 10: a signed webhook with a score outside 0–100 is stored, the session is
 * flagged (with a warning the analyst reads), its score stays out of every statistic, and the
 * score distribution keeps answering.
 */

const SECRET = 'score-range-secret-000001';

let ctx: AppContext;
let baseUrl: string;
let viewer: string;
let workflowId: string;
/** For the tests that add or change sessions: the statistics of `workflowId` stay as set up. */
let otherWorkflowId: string;

beforeAll(async () => {
  ({ ctx } = await createTestContext({ DIDIT_WEBHOOK_SECRET: SECRET }));
  baseUrl = await startTestServer(ctx);
  viewer = await createApiToken(ctx, 'viewer');
  workflowId = await seedWorkflow(ctx.db, { hasFaceMatch: true });
  otherWorkflowId = await seedWorkflow(ctx.db, { hasFaceMatch: true });
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${baseUrl}/api${path}`, {
    ...init,
    headers: { ...authHeaders(viewer), 'content-type': 'application/json', ...init.headers },
  });

async function deliver(delivery: Delivery, sessionId: string): Promise<void> {
  expect((await postDelivery(baseUrl, delivery)).status).toBe(200);
  await processSessionInbox(ctx, sessionId);
}

/** Delivers a signed event with these scores; returns its session id. */
async function deliverScores(
  scores: { livenessScore: number; faceMatchScore: number },
  status = 'In Review',
  workflow = workflowId,
): Promise<string> {
  const event = sessionEvent({ workflowId: workflow, status, ...scores });
  const sessionId = String(event['session_id']);
  await deliver(signedDelivery(event, SECRET), sessionId);
  return sessionId;
}

const sessionRow = (id: string) =>
  ctx.db
    .selectFrom('verification_session')
    .select(['status', 'liveness_score', 'face_match_score', 'data_problems', 'warning_codes', 'warnings', 'decision', 'version'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

const inboxRows = (id: string) =>
  ctx.db.selectFrom('webhook_event').select(['processed_at', 'parked_at', 'last_error']).where('session_id', '=', id).execute();

const histogram = async (): Promise<{ status: number; body: HistogramDto }> => {
  const res = await api(`/workflows/${workflowId}/score-distribution?days=7`);
  return { status: res.status, body: (await res.json()) as HistogramDto };
};
const total = (series: Record<string, number[]>) =>
  Object.values(series)
    .flat()
    .reduce((sum, n) => sum + n, 0);

describe('scores outside 0–100 in a signed webhook', () => {
  let huge: string;
  let negative: string;
  let overHundred: string;
  let valid: string;

  beforeAll(async () => {
    huge = await deliverScores({ livenessScore: 1e308, faceMatchScore: 61.5 });
    negative = await deliverScores({ livenessScore: -5, faceMatchScore: 80 }, 'Approved');
    overHundred = await deliverScores({ livenessScore: 90, faceMatchScore: 100.5 }, 'Approved');
    valid = await deliverScores({ livenessScore: 100, faceMatchScore: 0 }, 'Declined');
  });

  it('stores the event and the session, without the score, flagged', async () => {
    for (const id of [huge, negative, overHundred]) {
      expect(await inboxRows(id)).toEqual([{ processed_at: expect.any(Date), parked_at: null, last_error: null }]);
    }
    expect(await sessionRow(huge)).toMatchObject({
      status: 'In Review',
      liveness_score: null,
      face_match_score: 61.5,
      data_problems: ['liveness_score_out_of_range'],
    });
    expect(await sessionRow(negative)).toMatchObject({
      status: 'Approved',
      liveness_score: null,
      face_match_score: 80,
      data_problems: ['liveness_score_out_of_range'],
    });
    expect(await sessionRow(overHundred)).toMatchObject({
      liveness_score: 90,
      face_match_score: null,
      data_problems: ['face_match_score_out_of_range'],
    });
    // The bounds themselves are scores.
    expect(await sessionRow(valid)).toMatchObject({ liveness_score: 100, face_match_score: 0, data_problems: [] });
    // Didit's decision is kept as sent.
    const decision = (await sessionRow(huge)).decision as { liveness_checks: Array<{ score: number }> };
    expect(decision.liveness_checks[0]?.score).toBe(1e308);
  });

  it('tells the analyst on the session page, in a warning the console raised', async () => {
    expect((await sessionRow(huge)).warning_codes).toContain(SCORE_OUT_OF_RANGE);
    const res = await api(`/sessions/${huge}`);
    expect(res.status).toBe(200);
    const detail = (await res.json()) as {
      livenessScore: number | null;
      warnings: Array<{ risk: string; feature: string | null; logType: string | null; shortDescription: string | null }>;
    };
    expect(detail.livenessScore).toBeNull();
    expect(detail.warnings.filter((w) => w.risk === SCORE_OUT_OF_RANGE)).toEqual([
      expect.objectContaining({
        feature: 'LIVENESS',
        logType: 'error',
        shortDescription: 'Didit sent a liveness score of 1e+308, outside 0–100.',
      }),
    ]);
    const face = (await (await api(`/sessions/${overHundred}`)).json()) as {
      warnings: Array<{ shortDescription: string | null }>;
    };
    expect(face.warnings.map((w) => w.shortDescription)).toContain('Didit sent a face match score of 100.5, outside 0–100.');
  });

  it('keeps the score distribution answering, without the scores out of range', async () => {
    const { status, body } = await histogram();
    expect(status).toBe(200);
    // Liveness: 90 and 100 (not 1e308 or -5); face match: 61.5, 80 and 0 (not 100.5).
    expect(total(body.liveness)).toBe(2);
    expect(total(body.faceMatch)).toBe(3);
    expect(body.liveness.declined_auto[49]).toBe(1); // 100 lands in the last bin
  });

  it('leaves the sessions without a liveness score out of threshold simulations', async () => {
    const thresholds = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 70, faceMatchDecline: 50 };
    const res = await api(`/workflows/${workflowId}/thresholds/simulate`, {
      method: 'POST',
      body: JSON.stringify({ thresholds, window: { days: 7 } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as SimulationDto;
    expect({ sessions: body.sessions, skipped: body.skipped }).toEqual({ sessions: 2, skipped: 2 });
  });

  it('takes a score too large for a double (JSON 1e309) as out of range, not as a broken event', async () => {
    const event = sessionEvent({ workflowId: otherWorkflowId, status: 'In Review', livenessScore: 12.345678 });
    const sessionId = String(event['session_id']);
    // Didit's bytes with the score spelled 1e309: JSON.parse reads it as Infinity.
    const body = diditCanonicalJson(event, { asciiOnly: true }).replace('"score":12.345678', '"score":1e309');
    expect(body).toContain('1e309');
    const hmac = createHmac('sha256', SECRET).update(body).digest('hex');
    const delivery: Delivery = {
      body: Buffer.from(body),
      headers: {
        'content-type': 'application/json',
        'x-timestamp': String(event['timestamp']),
        'x-signature': hmac,
        'x-signature-v2': hmac,
      },
    };
    await deliver(delivery, sessionId);
    expect(await inboxRows(sessionId)).toEqual([{ processed_at: expect.any(Date), parked_at: null, last_error: null }]);
    expect(await sessionRow(sessionId)).toMatchObject({ liveness_score: null, data_problems: ['liveness_score_out_of_range'] });
  });

  it('clears the flag when a later decision carries a score in range', async () => {
    const flagged = await deliverScores({ livenessScore: 90, faceMatchScore: 100.5 }, 'In Review', otherWorkflowId);
    expect((await sessionRow(flagged)).data_problems).toEqual(['face_match_score_out_of_range']);
    const later = sessionEvent({
      sessionId: flagged,
      workflowId: otherWorkflowId,
      status: 'Approved',
      livenessScore: 90,
      faceMatchScore: 92,
      timestamp: Math.floor(Date.now() / 1000) + 1,
    });
    await deliver(signedDelivery(later, SECRET), flagged);
    const row = await sessionRow(flagged);
    expect(row).toMatchObject({ face_match_score: 92, data_problems: [] });
    expect(row.warning_codes).not.toContain(SCORE_OUT_OF_RANGE);
  });

  it('refuses a score out of range in the database too', async () => {
    await expect(
      ctx.db.updateTable('verification_session').set({ liveness_score: 1e308 }).where('id', '=', valid).execute(),
    ).rejects.toThrow(/verification_session_liveness_score_range/);
    await expect(
      ctx.db.updateTable('verification_session').set({ face_match_score: Number.NaN }).where('id', '=', valid).execute(),
    ).rejects.toThrow(/verification_session_face_match_score_range/);
  });
});
