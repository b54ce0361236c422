import { sql } from 'kysely';
import type { Database } from '../../../server/db/database.ts';
import type { Random } from '../../../server/didit-sandbox/prng.ts';
import { decideAll, workTheQueue } from './analysts.ts';
import { pollUntil } from './poll.ts';
import { atRandomMoment } from './scenario.ts';
import { createReviewBacklog, runSessionTraffic, type TrafficResult } from './session-traffic.ts';
import type { Stack } from './stack.ts';

/**
 * The two phases a disruption is tried in (crashes, database outage). During traffic: Didit's
 * sessions come in while an analyst works the queue. During pushes: a backlog of sessions for
 * review is decided at once while Didit answers each call in 0.5–2 s, so decision pushes are in
 * flight when the disruption comes. Each phase ends when its work and its disruption have.
 */
export async function trafficThenPushes(
  stack: Stack,
  options: {
    /** Prefix of the vendor data: `<tag>-traffic-…` and `<tag>-pushes-…`. */
    tag: string;
    sessions: number;
    trafficMs: number;
    pushes: number;
    rng: Random;
    duringTraffic: () => Promise<unknown>;
    duringPushes: () => Promise<unknown>;
  },
): Promise<{ traffic: TrafficResult; backlog: string[] }> {
  const { tag, rng } = options;
  let trafficDone = false;
  const [traffic] = await Promise.all([
    runSessionTraffic(stack.scene, {
      tag: `${tag}-traffic`,
      sessions: options.sessions,
      durationMs: options.trafficMs,
      featureUpdateShare: 0.2,
      rng,
    }).finally(() => (trafficDone = true)),
    workTheQueue(stack.analyst, `${tag}-traffic`, { share: 0.4, rng: stack.rng(`${tag}-analyst`), until: () => trafficDone }),
    options.duringTraffic(),
  ]);

  const backlog = await createReviewBacklog(stack.scene, stack.db, {
    tag: `${tag}-pushes`,
    count: options.pushes,
    rng,
    deadline: Date.now() + 120_000,
  });
  await stack.didit.setFaults({ api_latency_min_ms: 500, api_latency_max_ms: 2_000 });
  await Promise.all([
    decideAll(stack.analyst, `${tag}-pushes`, backlog, { rng, concurrency: 4, deadline: Date.now() + 120_000 }),
    options.duringPushes(),
  ]);
  return { traffic, backlog };
}

/** A random moment within two seconds of a worker starting a decision push (its job locked). */
export async function whilePushing(db: Database, rng: Random): Promise<void> {
  await pollUntil(() => pushRunning(db), 60_000);
  await atRandomMoment(rng, 0, 2_000);
}

async function pushRunning(db: Database): Promise<boolean> {
  const { rows } = await sql<{ running: boolean }>`
    select exists (select 1 from graphile_worker.jobs
                    where task_identifier = 'push_review_decision' and locked_at is not null) as running`.execute(db);
  return rows[0]?.running === true;
}
