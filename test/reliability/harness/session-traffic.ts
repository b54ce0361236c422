import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Database } from '../../../server/db/database.ts';
import { randomBetween, randomInt, weighted, type Random } from '../../../server/didit-sandbox/prng.ts';
import type { DiditSandbox } from './didit-sandbox.ts';
import { pollUntil } from './poll.ts';
import { check, type Check } from './scenario.ts';

/**
 * Didit's side of a scenario: end users going through the workflow at a steady rate, the odd
 * change of one feature's status in Didit, and batches of sessions waiting for review. Each
 * session's vendor data carries the scenario's tag, so the console's queue can be filtered to it.
 */

export interface Scene {
  didit: DiditSandbox;
  /** A liveness + face-match workflow (review 70, decline 50). */
  workflowId: string;
  /** The reference portrait every session is created with. */
  portrait: string;
}

/**
 * A session's vendor data: the tag and its index, padded so that one session's vendor data is
 * never part of another's (the queue filter matches on a substring).
 */
export function vendorDataOf(tag: string, index: number): string {
  return `${tag}-${String(index).padStart(5, '0')}`;
}

type Outcome = 'approved' | 'in_review' | 'declined' | 'abandoned' | 'unfinished';

/** Mostly finished sessions, many for review (the console's work), some that never finish. */
const outcomes: Readonly<Record<Outcome, number>> = { approved: 40, in_review: 40, declined: 10, abandoned: 5, unfinished: 5 };

export interface TrafficResult {
  sessionIds: string[];
  featureUpdates: number;
  /** What went wrong driving Didit: a failure of the suite, not of the console. */
  errors: string[];
}

/**
 * `sessions` sessions spread evenly over `durationMs`, each created, opened after a moment and
 * finished (or abandoned, or left) a few seconds later. `featureUpdateShare` of those left for
 * review then get one feature's status changed in Didit a few seconds after: a `data.updated`
 * that leaves the session's status as it was.
 */
export async function runSessionTraffic(
  scene: Scene,
  options: { tag: string; sessions: number; durationMs: number; featureUpdateShare: number; rng: Random },
): Promise<TrafficResult> {
  const result: TrafficResult = { sessionIds: [], featureUpdates: 0, errors: [] };
  const spacing = options.durationMs / options.sessions;
  const started = Date.now();
  const flows = Array.from({ length: options.sessions }, async (_, index) => {
    // Drawn up front, in order: the same seed gives the same sessions whatever the timing.
    const outcome = weighted(options.rng, outcomes);
    const weak: Weak = options.rng() < 0.5 ? 'liveness' : 'face_match';
    const plan = {
      outcome,
      weak,
      scores: scoresFor(outcome, weak, options.rng),
      openAfter: randomInt(options.rng, 200, 1_500),
      finishAfter: randomInt(options.rng, 1_000, 3_000),
      featureUpdate: options.rng() < options.featureUpdateShare,
      featureAfter: randomInt(options.rng, 1_500, 4_000),
    };
    await sleep(Math.max(0, started + index * spacing - Date.now()));
    try {
      const id = await scene.didit.createSession(scene.workflowId, vendorDataOf(options.tag, index), scene.portrait);
      result.sessionIds.push(id);
      await sleep(plan.openAfter);
      await scene.didit.open(id);
      if (plan.outcome === 'unfinished') return;
      await sleep(plan.finishAfter);
      if (plan.outcome === 'abandoned') return await scene.didit.abandon(id);
      await scene.didit.complete(id, plan.scores);
      if (plan.outcome === 'in_review' && plan.featureUpdate) {
        await sleep(plan.featureAfter);
        // A reviewer in Didit's console settles the feature that needed review.
        await scene.didit.setFeatureStatus(id, plan.weak === 'liveness' ? 'feature_liveness' : 'feature_face_match', 'Approved');
        result.featureUpdates += 1;
      }
    } catch (error) {
      result.errors.push(error instanceof Error ? error.message : String(error));
    }
  });
  await Promise.all(flows);
  return result;
}

/** Which feature's score decides the outcome. */
type Weak = 'liveness' | 'face_match';

/** Scores that land on the outcome under review 70 / decline 50 ("at or below" counts); the other feature passes. */
function scoresFor(outcome: Outcome, weak: Weak, rng: Random): { liveness: number; faceMatch: number } {
  const strong = randomBetween(rng, 72, 99, 1);
  const weakRange: [number, number] = outcome === 'in_review' ? [52, 69] : outcome === 'declined' ? [20, 48] : [72, 99];
  const weakScore = randomBetween(rng, ...weakRange, 1);
  return weak === 'liveness' ? { liveness: weakScore, faceMatch: strong } : { liveness: strong, faceMatch: weakScore };
}

/** `count` sessions created and finished for review at once, eight at a time; their ids in index order. */
export async function finishForReview(scene: Scene, options: { tag: string; count: number; rng: Random }): Promise<string[]> {
  // Drawn up front: the same seed gives the same scores whatever order the lanes run in.
  const scores = Array.from({ length: options.count }, () =>
    scoresFor('in_review', options.rng() < 0.5 ? 'liveness' : 'face_match', options.rng),
  );
  const ids: string[] = [];
  let next = 0;
  const lanes = Array.from({ length: 8 }, async () => {
    for (let index = next++; index < options.count; index = next++) {
      const id = await scene.didit.createSession(scene.workflowId, vendorDataOf(options.tag, index), scene.portrait);
      await scene.didit.complete(id, scores[index]!);
      ids[index] = id;
    }
  });
  await Promise.all(lanes);
  return ids;
}

/** A backlog for analysts to decide: sessions finished for review, once the console shows them all In Review. */
export async function createReviewBacklog(
  scene: Scene,
  db: Database,
  options: { tag: string; count: number; rng: Random; deadline: number },
): Promise<string[]> {
  const ids = await finishForReview(scene, options);
  await waitUntilInReview(db, ids, options.deadline);
  return ids;
}

async function waitUntilInReview(db: Database, ids: readonly string[], deadline: number): Promise<void> {
  let inReview = 0;
  const allThere = async () => {
    const row = await db
      .selectFrom('verification_session')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(sql<boolean>`id = any(${ids}::uuid[])`)
      .where('status', '=', 'In Review')
      .executeTakeFirstOrThrow();
    inReview = row.n;
    return inReview === ids.length;
  };
  if (!(await pollUntil(allThere, deadline - Date.now(), 500))) {
    throw new Error(`only ${inReview} of ${ids.length} review sessions reached the console in time`);
  }
}

/** Didit's side must have run as planned, or the figures say nothing. */
export function trafficCheck(traffic: TrafficResult): Check {
  return check(
    'Didit traffic ran as planned',
    traffic.errors.length === 0,
    traffic.errors.length === 0
      ? `${traffic.sessionIds.length} sessions, ${traffic.featureUpdates} feature changes in Didit`
      : `${traffic.errors.length} failures driving Didit, first: ${traffic.errors[0]}`,
  );
}
