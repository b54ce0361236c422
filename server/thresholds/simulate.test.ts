import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedUser, seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext, type TestContext } from '../../test/helpers/test-context.ts';
import type { Outcome, ThresholdSet, TransitionMatrix } from '../contract/thresholds.ts';
import type { Database } from '../db/database.ts';
import { scoreHistogram, simulate } from './simulate.ts';

/**
 * A hand-computed fixture. Current thresholds: liveness 70/50, face match 70/50.
 * Stricter proposal: face match 80/60. Each row names its expected move, and `replay` states it:
 * [outcome under current, outcome under stricter], or why the simulation does not count the row.
 */
const current: ThresholdSet = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 70, faceMatchDecline: 50 };
const stricter: ThresholdSet = { ...current, faceMatchReview: 80, faceMatchDecline: 60 };
const looser: ThresholdSet = { ...current, faceMatchReview: 60, faceMatchDecline: 40 };

const day = 86_400_000;
const now = Date.now();
const window = { from: new Date(now - 10 * day), to: new Date(now) };

interface Row {
  name: string;
  l: number | null;
  f: number | null;
  status?: string;
  codes?: string[];
  source?: 'didit' | 'console' | 'outside';
  decidedAt?: Date | null;
  reviewEvent?: 'approve' | 'decline';
  replay: [Outcome, Outcome] | 'skipped' | 'outside the window';
}

const A = 'Approved';
const IR = 'In Review';
const D = 'Declined';

const rows: Row[] = [
  { name: 'A→A', l: 90, f: 90, replay: [A, A] },
  { name: 'A→IR', l: 90, f: 75, replay: [A, IR] },
  {
    name: 'IR→IR face exactly on current review',
    l: 90,
    f: 70,
    status: 'Declined',
    source: 'console',
    replay: [IR, IR],
  },
  {
    name: 'IR→D face exactly on proposed decline',
    l: 90,
    f: 60,
    status: 'Declined',
    source: 'console',
    replay: [IR, D],
  },
  { name: 'A→IR face exactly on proposed review', l: 90, f: 80, replay: [A, IR] },
  { name: 'D→D liveness exactly on decline', l: 50, f: 95, status: 'Declined', replay: [D, D] },
  { name: 'liveness-only A→A', l: 95, f: null, replay: [A, A] },
  { name: 'liveness-only IR→IR', l: 60, f: null, status: 'Approved', source: 'console', replay: [IR, IR] },
  {
    name: 'hard decline despite high scores',
    l: 99,
    f: 99,
    status: 'Declined',
    codes: ['NO_FACE_DETECTED'],
    replay: [D, D],
  },
  {
    name: 'hard decline without scores',
    l: null,
    f: null,
    status: 'Declined',
    codes: ['LIVENESS_FACE_ATTACK'],
    replay: [D, D],
  },
  { name: 'skipped: nothing to replay', l: null, f: null, replay: 'skipped' },
  { name: 'outside the window', l: 90, f: 85, decidedAt: new Date(now - 20 * day), replay: 'outside the window' },
  { name: 'pending review IR→IR', l: 90, f: 65, status: 'In Review', decidedAt: null, replay: [IR, IR] },
  { name: 'analyst declined, A→IR', l: 90, f: 72, status: 'Declined', source: 'console', replay: [A, IR] },
  {
    name: 'analyst approved, IR→D (contradiction)',
    l: 90,
    f: 58,
    status: 'Approved',
    source: 'console',
    replay: [IR, D],
  },
  {
    name: 'analyst declined via review event, IR→IR',
    l: 90,
    f: 65,
    status: 'Declined',
    source: 'didit',
    reviewEvent: 'decline',
    replay: [IR, IR],
  },
];

/** Edge cases replayed on their own only (the counts above stay the fixture's). */
const edgeRows: Row[] = [
  { name: 'A→A just above the proposed review', l: 90, f: 80.01, replay: [A, A] },
  {
    name: 'hard decline by a blocklist hit, liveness-only',
    l: 99,
    f: null,
    status: 'Declined',
    codes: ['FACE_IN_BLOCKLIST'],
    replay: [D, D],
  },
];

/** Stores a fixture row as a session of the workflow (and its analyst's review event). */
async function insertRow(db: Database, workflowId: string, row: Row, analyst: { id: string; label: string }): Promise<string> {
  const id = randomUUID();
  const status = row.status ?? 'Approved';
  const decidedAt = row.decidedAt === undefined ? new Date(now - day) : row.decidedAt;
  await db
    .insertInto('verification_session')
    .values({
      id,
      workflow_id: workflowId,
      vendor_data: row.name,
      status,
      liveness_score: row.l,
      face_match_score: row.f,
      warning_codes: row.codes ?? [],
      warnings: '[]',
      media: '{}',
      decided_at: decidedAt,
      decision_source: status === 'In Review' ? null : (row.source ?? 'didit'),
      in_review_since: status === 'In Review' ? new Date(now - day) : null,
    })
    .execute();
  if (row.reviewEvent) {
    await db
      .insertInto('review_event')
      .values({ session_id: id, kind: row.reviewEvent, actor_id: analyst.id, actor_label: analyst.label })
      .execute();
  }
  return id;
}

/** The non-empty cells of a transition matrix, as `from→to: count`. */
const movesOf = (matrix: TransitionMatrix) =>
  Object.entries(matrix).flatMap(([from, row]) =>
    Object.entries(row)
      .filter(([, n]) => n > 0)
      .map(([to, n]) => `${from}→${to}: ${n}`),
  );

describe('threshold simulation', () => {
  let t: TestContext;
  let workflowId: string;
  let analyst: { id: string; label: string };
  const ids = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestContext();
    workflowId = await seedWorkflow(t.ctx.db, { hasFaceMatch: true });
    const otherWorkflow = await seedWorkflow(t.ctx.db, { hasFaceMatch: true });
    analyst = await seedUser(t.ctx.db, 'analyst-sim@example.test', 'analyst');
    for (const row of rows) ids.set(row.name, await insertRow(t.ctx.db, workflowId, row, analyst));
    // Another workflow's session never counts.
    await t.ctx.db
      .insertInto('verification_session')
      .values({
        id: randomUUID(),
        workflow_id: otherWorkflow,
        status: 'Approved',
        liveness_score: 10,
        decided_at: new Date(now - day),
        warnings: '[]',
        media: '{}',
      })
      .execute();
  });

  it('counts the 3x3 transitions with "at or below" on exact threshold scores, hard declines and liveness-only sessions', async () => {
    const result = await simulate(t.ctx.db, { workflowId, current, proposed: stricter, window });
    expect(result.matrix).toEqual({
      Approved: { Approved: 2, 'In Review': 3, Declined: 0 },
      'In Review': { Approved: 0, 'In Review': 4, Declined: 2 },
      Declined: { Approved: 0, 'In Review': 0, Declined: 3 },
    });
    expect(result.sessions).toBe(14);
    expect(result.skipped).toBe(1);
    expect(result.reviewsPerDay).toEqual({ current: 0.6, proposed: 0.7, change: 0.1 });
    expect(result.declinesPerDay).toEqual({ current: 0.3, proposed: 0.5, change: 0.2 });
  });

  it('lists analyst verdicts the proposal would overturn: approved by an analyst, auto-declined now', async () => {
    const result = await simulate(t.ctx.db, { workflowId, current, proposed: stricter, window });
    expect(result.contradictions.total).toBe(1);
    expect(result.contradictions.items).toEqual([
      expect.objectContaining({
        sessionId: ids.get('analyst approved, IR→D (contradiction)'),
        analystVerdict: 'Approved',
        proposedOutcome: 'Declined',
        faceMatchScore: 58,
      }),
    ]);
  });

  it('lists sessions declined by an analyst (status or review event) that looser thresholds would auto-approve', async () => {
    const result = await simulate(t.ctx.db, { workflowId, current, proposed: looser, window });
    const names = result.contradictions.items.map((item) => item.vendorData).sort();
    // Face 72, 70 and 65 are all above the looser review threshold of 60.
    expect(names).toEqual([
      'IR→IR face exactly on current review',
      'analyst declined via review event, IR→IR',
      'analyst declined, A→IR',
    ]);
    expect(
      result.contradictions.items.every((item) => item.analystVerdict === 'Declined' && item.proposedOutcome === 'Approved'),
    ).toBe(true);
  });

  it('an unchanged proposal moves nothing off the diagonal', async () => {
    const result = await simulate(t.ctx.db, { workflowId, current, proposed: current, window });
    expect(result.matrix.Approved['In Review'] + result.matrix['In Review'].Declined + result.matrix['In Review'].Approved).toBe(
      0,
    );
    expect(result.reviewsPerDay.change).toBe(0);
  });

  it('replays each fixture row, alone, to its hand-computed outcome under the current and the proposed thresholds', async () => {
    for (const row of [...rows, ...edgeRows]) {
      // Each row in a workflow of its own: the matrix then holds this row's move and nothing else.
      const own = await seedWorkflow(t.ctx.db, { hasFaceMatch: true });
      await insertRow(t.ctx.db, own, row, analyst);
      const result = await simulate(t.ctx.db, { workflowId: own, current, proposed: stricter, window });
      const expected = Array.isArray(row.replay) ? [`${row.replay[0]}→${row.replay[1]}: 1`] : [];
      expect({ row: row.name, moves: movesOf(result.matrix), skipped: result.skipped }).toEqual({
        row: row.name,
        moves: expected,
        skipped: row.replay === 'skipped' ? 1 : 0,
      });
    }
  });

  it('splits the score histograms by final outcome', async () => {
    const histogram = await scoreHistogram(t.ctx.db, workflowId, window);
    const total = (series: Record<string, number[]>) =>
      Object.fromEntries(Object.entries(series).map(([key, bins]) => [key, bins.reduce((a, b) => a + b, 0)]));
    // 13 sessions in the window carry a liveness score (the hard decline without scores and the skipped one do not).
    expect(total(histogram.liveness)).toEqual({
      approved: 4,
      approved_analyst: 2,
      declined_analyst: 4,
      declined_auto: 2,
      in_review: 1,
    });
    // Bin 45 holds [90, 92).
    expect(histogram.faceMatch.declined_analyst[36]).toBe(1); // 72 → declined by an analyst
    expect(histogram.liveness.declined_auto[25]).toBe(1); // 50 → declined automatically
  });

  it("tells analyst approvals (this console or Didit's) from automatic ones, in the histograms and in the matrix", async () => {
    // A workflow of its own, so the fixture above keeps its counts.
    const splitWorkflow = await seedWorkflow(t.ctx.db, { hasFaceMatch: true });
    const split: (Omit<Row, 'replay'> & { count?: number })[] = [
      { name: 'auto-approved', l: 91, f: 93, count: 3 },
      { name: 'approved in the console', l: 65, f: 90, status: 'Approved', source: 'console', count: 2 },
      { name: "approved in Didit's console", l: 91, f: 66, status: 'Approved', source: 'outside' },
      { name: 'declined in the console', l: 66, f: 90, status: 'Declined', source: 'console' },
      { name: 'still in review', l: 67, f: 90, status: 'In Review', decidedAt: null },
    ];
    for (const row of split) {
      for (let i = 0; i < (row.count ?? 1); i += 1) {
        const status = row.status ?? 'Approved';
        await t.ctx.db
          .insertInto('verification_session')
          .values({
            id: randomUUID(),
            workflow_id: splitWorkflow,
            vendor_data: row.name,
            status,
            liveness_score: row.l,
            face_match_score: row.f,
            warnings: '[]',
            media: '{}',
            decided_at: row.decidedAt === undefined ? new Date(now - day) : row.decidedAt,
            decision_source: status === 'In Review' ? null : (row.source ?? 'didit'),
            in_review_since: status === 'In Review' ? new Date(now - day) : null,
          })
          .execute();
      }
    }

    const histogram = await scoreHistogram(t.ctx.db, splitWorkflow, window);
    const count = (bins: number[]) => bins.reduce((a, b) => a + b, 0);
    expect(Object.fromEntries(Object.entries(histogram.liveness).map(([key, bins]) => [key, count(bins)]))).toEqual({
      approved: 3,
      approved_analyst: 3,
      declined_analyst: 1,
      declined_auto: 0,
      in_review: 1,
    });
    expect(histogram.liveness.approved_analyst[32]).toBe(2); // 65, approved in the console
    expect(histogram.liveness.approved_analyst[45]).toBe(1); // 91, approved in Didit's console
    expect(histogram.liveness.approved[45]).toBe(3); // 91, approved automatically
    expect(histogram.faceMatch.approved_analyst[33]).toBe(1); // 66

    // Looser liveness (60/40): the console approvals at 65 would be approved automatically.
    const looserLiveness: ThresholdSet = { ...current, livenessReview: 60, livenessDecline: 40 };
    const result = await simulate(t.ctx.db, { workflowId: splitWorkflow, current, proposed: looserLiveness, window });
    expect(result.matrix).toEqual({
      Approved: { Approved: 3, 'In Review': 0, Declined: 0 },
      'In Review': { Approved: 4, 'In Review': 1, Declined: 0 },
      Declined: { Approved: 0, 'In Review': 0, Declined: 0 },
    });
    expect(result.analystApprovals).toEqual({
      Approved: { Approved: 0, 'In Review': 0, Declined: 0 },
      'In Review': { Approved: 2, 'In Review': 1, Declined: 0 },
      Declined: { Approved: 0, 'In Review': 0, Declined: 0 },
    });
  });
});
