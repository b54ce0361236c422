import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { pick, type Random } from '../../../server/didit-sandbox/prng.ts';
import type { ManagedProcess } from '../harness/managed-process.ts';
import { trafficThenPushes, whilePushing } from '../harness/phases.ts';
import { atRandomMoment, check, conclude, prepare, scopeOf, type Check, type Scenario } from '../harness/scenario.ts';
import { finishForReview, trafficCheck } from '../harness/session-traffic.ts';
import { pollUntil } from '../harness/poll.ts';
import type { Stack } from '../harness/stack.ts';

/**
 * Processes dying without a word: SIGKILL of one API and one worker at random moments while
 * Didit's traffic comes in, of a worker while analysts' decisions are being pushed, and of every
 * worker in the middle of draining a last burst of deliveries, after which nothing more comes
 * (all of them: with one left alive, whether the dead one held the rows is luck). Each is
 * restarted a few seconds later. Nothing a process was doing may be lost or done twice, and
 * nothing may wait for a lock a dead process held, or for traffic that never comes.
 */
export const crashes: Scenario = {
  name: 'crashes',
  summary: 'SIGKILL of an API and a worker during traffic, of a worker during pushes, of both workers mid-drain',
  async run(stack) {
    const { sessions, trafficMs, pushes, burst, restartAfterMs } = stack.profile.crashes;
    const rng = stack.rng('crashes');
    const { startedAt } = await prepare(stack);
    const kills: string[] = [];
    const crash = async (victim: ManagedProcess, moment: Promise<unknown>) => {
      await moment;
      await victim.kill('SIGKILL');
      kills.push(`${victim.name} at ${new Date().toISOString()}`);
      await sleep(restartAfterMs);
      await victim.start();
    };

    const { traffic, backlog } = await trafficThenPushes(stack, {
      tag: 'rel-crash',
      sessions,
      trafficMs,
      pushes,
      rng,
      duringTraffic: () =>
        Promise.all([
          crash(pick(rng, stack.fleet.apis), atRandomMoment(rng, 0.2 * trafficMs, 0.8 * trafficMs)),
          crash(pick(rng, stack.fleet.workers), atRandomMoment(rng, 0.3 * trafficMs, trafficMs)),
        ]),
      duringPushes: () => crash(pick(rng, stack.fleet.workers), whilePushing(stack.db, rng)),
    });
    const lastBurst = await burstUntilMidDrain(stack, rng, burst);
    await Promise.all(stack.fleet.workers.map((worker) => crash(worker, Promise.resolve())));

    return conclude(stack, {
      name: this.name,
      scope: scopeOf([...traffic.sessionIds, ...backlog, ...lastBurst.sessionIds], [stack.analyst]),
      startedAt,
      checks: [
        trafficCheck(traffic),
        check('processes killed and restarted', kills.length === 3 + stack.fleet.workers.length, kills.join('; ')),
        ...drainChecks(lastBurst),
      ],
      details: { kills },
    });
  },
};

interface Burst {
  sessionIds: string[];
  rows: number;
  /** How long after the last delivery was stored the first row was applied; null: not within 90 s. */
  drainStartedAfterMs: number | null;
  /** The locked jobs by task when the drain had not started within 10 s (a dead worker's included). */
  lockedWhileWaiting: Record<string, number> | null;
  unappliedAtKill: number;
}

/**
 * Fresh deliveries must be applied as they come (not wait behind other work), and the last kill
 * must have come while they were being applied, or it tested nothing.
 */
function drainChecks(burst: Burst): Check[] {
  const startedAfter =
    burst.drainStartedAfterMs === null ? 'not within 90 s' : `after ${(burst.drainStartedAfterMs / 1000).toFixed(1)} s`;
  const waited = burst.lockedWhileWaiting === null ? '' : `; locked jobs at 10 s: ${JSON.stringify(burst.lockedWhileWaiting)}`;
  return [
    check(
      'a burst of deliveries is applied as it arrives',
      burst.lockedWhileWaiting === null,
      `the first of the ${burst.rows} rows stored was applied ${startedAfter}${waited}`,
    ),
    check(
      'the workers died mid-drain',
      burst.unappliedAtKill > 0 && burst.unappliedAtKill < burst.rows,
      `${burst.unappliedAtKill} of the last burst's ${burst.rows} inbox rows were not applied yet when the workers died`,
    ),
  ];
}

/**
 * A burst of sessions whose deliveries Didit holds back two seconds and then sends together, so
 * the inbox fills faster than it drains; returns once every delivery is stored and the drain is
 * under way with rows still to apply (or after 90 s). Didit sends nothing more for these sessions.
 */
async function burstUntilMidDrain(stack: Stack, rng: Random, count: number): Promise<Burst> {
  await stack.didit.setFaults({ webhook_delay_rate: 1, webhook_delay_min_ms: 2_000, webhook_delay_max_ms: 2_000 });
  const sessionIds = await finishForReview(stack.scene, { tag: 'rel-crash-burst', count, rng });
  const inBurst = new Set(sessionIds);
  // Each session's Not Started, In Progress and In Review.
  const rows = 3 * count;
  const stored = () =>
    stack.proxy.webhookAnswers.filter((a) => a.sessionId !== null && inBurst.has(a.sessionId) && a.status < 300).length;
  await pollUntil(() => stored() >= rows, 60_000, 20);
  const storedAt = Date.now();
  // The drain is under way once a row of the burst has been applied. (Locked drain jobs say
  // nothing: a worker killed earlier leaves its jobs locked.)
  let unapplied = rows;
  const draining = async () => {
    const { rows: counted } = await sql<{ n: number }>`
      select count(*)::int as n from webhook_event
       where session_id = any(${sessionIds}::uuid[]) and processed_at is null`.execute(stack.db);
    unapplied = counted[0]?.n ?? 0;
    return unapplied < rows;
  };
  const prompt = await pollUntil(draining, 10_000, 10);
  const lockedWhileWaiting = prompt ? null : await lockedJobs(stack);
  const started = prompt || (await pollUntil(draining, 80_000, 10));
  return {
    sessionIds,
    rows,
    drainStartedAfterMs: started ? Date.now() - storedAt : null,
    lockedWhileWaiting,
    unappliedAtKill: unapplied,
  };
}

async function lockedJobs(stack: Stack): Promise<Record<string, number>> {
  const { rows } = await sql<{ task: string; n: number }>`
    select task_identifier as task, count(*)::int as n from graphile_worker.jobs
     where locked_at is not null group by task_identifier`.execute(stack.db);
  return Object.fromEntries(rows.map((row) => [row.task, row.n]));
}
