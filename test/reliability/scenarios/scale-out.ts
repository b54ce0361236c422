import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { sql } from 'kysely';
import { randomBetween } from '../../../server/didit-sandbox/prng.ts';
import { postDelivery, sessionEvent, signedDelivery, type Delivery } from '../../helpers/didit-events.ts';
import { cpuSeconds, ownCpuSeconds } from '../harness/cpu-usage.ts';
import { pollUntil } from '../harness/poll.ts';
import { check, prepare, type Check, type Scenario, type ScenarioResult } from '../harness/scenario.ts';
import type { Stack } from '../harness/stack.ts';

/**
 * Ingest throughput of 2 API + 2 worker processes against 1 + 1 on the same database: signed
 * deliveries (one In Review event with its decision per session, as Didit sends them) through the
 * balancer as fast as `connections` senders go, timed from the first send until the worker has
 * applied the last one. The sandbox is not the sender here: it delivers to one destination one
 * at a time, which would measure the sandbox. Both runs must lose, duplicate and get wrong
 * nothing. The target ratio (≥ 1.7x) needs the cores to run four console processes, Postgres and
 * the sender side by side; with fewer the ratio is reported with the CPU each part used.
 */

const targetRatio = 1.7;
/** Cores below which two of each process cannot run side by side with Postgres and the sender. */
const coresForTarget = 6;

interface SentEvent {
  sessionId: string;
  livenessScore: number;
  faceMatchScore: number;
  delivery: Delivery;
}

interface IngestRun {
  label: string;
  events: number;
  acknowledged: number;
  /** From the first send until every acknowledged event was applied. */
  appliedMs: number | null;
  drainMs: number | null;
  throughput: number | null;
  cpu: Record<string, number>;
  figures: { lost: number; duplicated: number; wrong: number };
}

export const scaleOut: Scenario = {
  name: 'scale-out',
  summary: 'ingest throughput of 2 API + 2 worker processes against 1 + 1 on the same database',
  async run(stack) {
    const { events, connections } = stack.profile.scaleOut;
    await prepare(stack);
    const [secondApi, secondWorker] = [stack.fleet.apis[1], stack.fleet.workers[1]];
    await Promise.all([secondApi?.stop(), secondWorker?.stop()]);
    const single = await ingestRun(stack, '1 API + 1 worker', events, connections);
    await stack.fleet.startMissing();
    const double = await ingestRun(stack, '2 API + 2 worker', events, connections);
    return result(stack, [single, double]);
  },
};

async function ingestRun(stack: Stack, label: string, events: number, connections: number): Promise<IngestRun> {
  // A warm-up batch (figures checked, not timed): a process that just started compiles as it goes.
  const warmUp = await send(stack, buildEvents(stack, Math.ceil(events / 10)), connections);
  await waitApplied(stack, warmUp.acknowledged, Date.now() + stack.profile.convergeBoundMs);

  const batch = buildEvents(stack, events);
  const cpuBefore = cpuSample(stack);
  const started = performance.now();
  const sent = await send(stack, batch, connections);
  const sentMs = performance.now() - started;
  const applied = await waitApplied(stack, sent.acknowledged, Date.now() + stack.profile.convergeBoundMs);
  const appliedMs = applied ? performance.now() - started : null;
  const cpuAfter = cpuSample(stack);
  return {
    label,
    events,
    acknowledged: sent.acknowledged.length,
    appliedMs,
    drainMs: appliedMs === null ? null : appliedMs - sentMs,
    throughput: appliedMs === null ? null : sent.acknowledged.length / (appliedMs / 1000),
    cpu: Object.fromEntries(Object.entries(cpuAfter).map(([part, seconds]) => [part, seconds - (cpuBefore[part] ?? 0)])),
    figures: await ingestFigures(stack, [...warmUp.acknowledged, ...sent.acknowledged]),
  };
}

function buildEvents(stack: Stack, count: number): SentEvent[] {
  const rng = stack.rng(`scale-out-${randomUUID()}`);
  const timestamp = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, () => {
    const sessionId = randomUUID();
    const livenessScore = randomBetween(rng, 20, 99, 1);
    const faceMatchScore = randomBetween(rng, 20, 99, 1);
    const payload = sessionEvent({
      sessionId,
      status: 'In Review',
      timestamp,
      workflowId: stack.scene.workflowId,
      mediaHost: stack.didit.origin,
      livenessScore,
      faceMatchScore,
    });
    return { sessionId, livenessScore, faceMatchScore, delivery: signedDelivery(payload, stack.webhookSecret) };
  });
}

/** Sends every event through the balancer, `connections` at a time; returns those answered 2xx. */
async function send(stack: Stack, batch: readonly SentEvent[], connections: number): Promise<{ acknowledged: SentEvent[] }> {
  const acknowledged: SentEvent[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let event = batch[next++]; event; event = batch[next++]) {
        const res = await postDelivery(stack.consoleUrl, event.delivery).catch(() => null);
        await res?.arrayBuffer();
        if (res && res.status >= 200 && res.status < 300) acknowledged.push(event);
      }
    }),
  );
  return { acknowledged };
}

/** Waits until every acknowledged event's inbox row is applied; false at `deadline`. */
function waitApplied(stack: Stack, acknowledged: readonly SentEvent[], deadline: number): Promise<boolean> {
  const ids = acknowledged.map((event) => event.sessionId);
  const allApplied = async () => {
    const { n } = await stack.db
      .selectFrom('webhook_event')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(sql<boolean>`session_id = any(${ids}::uuid[])`)
      .where('processed_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return n >= ids.length;
  };
  return pollUntil(allApplied, deadline - Date.now(), 200);
}

/** Zero-loss figures for the payloads the suite sent: they are Didit's truth here. */
async function ingestFigures(stack: Stack, acknowledged: readonly SentEvent[]): Promise<IngestRun['figures']> {
  const ids = acknowledged.map((event) => event.sessionId);
  const inScope = sql<boolean>`session_id = any(${ids}::uuid[])`;
  const [rows, sessions] = await Promise.all([
    stack.db.selectFrom('webhook_event').select(['session_id', 'processed_at']).where(inScope).execute(),
    stack.db
      .selectFrom('verification_session')
      .select(['id', 'status', 'liveness_score', 'face_match_score'])
      .where(sql<boolean>`id = any(${ids}::uuid[])`)
      .execute(),
  ]);
  const applied = new Set(rows.filter((row) => row.processed_at !== null).map((row) => row.session_id));
  const byId = new Map(sessions.map((session) => [session.id, session]));
  const wrong = acknowledged.filter((event) => {
    const session = byId.get(event.sessionId);
    return (
      session !== undefined &&
      (session.status !== 'In Review' ||
        session.liveness_score !== event.livenessScore ||
        session.face_match_score !== event.faceMatchScore)
    );
  });
  return {
    lost: acknowledged.filter((event) => !applied.has(event.sessionId) || !byId.has(event.sessionId)).length,
    duplicated: rows.length - new Set(rows.map((row) => row.session_id)).size,
    wrong: wrong.length,
  };
}

function cpuSample(stack: Stack): Record<string, number> {
  const sum = (pids: Array<number | undefined>) => pids.reduce<number>((total, pid) => total + cpuSeconds(pid), 0);
  return {
    api: sum(stack.fleet.apis.map((api) => api.pid)),
    worker: sum(stack.fleet.workers.map((worker) => worker.pid)),
    postgres: cpuSeconds(stack.cluster.postmasterPid(), true),
    'suite (sender + balancer)': ownCpuSeconds(),
  };
}

function result(stack: Stack, [single, double]: [IngestRun, IngestRun]): ScenarioResult {
  const runs = [single, double];
  const ratio = single.throughput && double.throughput ? double.throughput / single.throughput : null;
  const cores = availableParallelism();
  const drains = runs.map((run) => run.drainMs);
  return {
    scenario: 'scale-out',
    events: single.events + double.events,
    eventsComplete: true,
    lost: single.figures.lost + double.figures.lost,
    duplicated: single.figures.duplicated + double.figures.duplicated,
    wrong: single.figures.wrong + double.figures.wrong,
    pushesMissing: 0,
    pushesDoubled: 0,
    convergedAfterMs: drains.includes(null) ? null : Math.max(...(drains as number[])),
    boundMs: stack.profile.convergeBoundMs,
    checks: [throughputCheck(runs, ratio, cores)],
    details: { cores, ratio, runs: runs.map(({ figures: _figures, ...run }) => run) },
  };
}

function throughputCheck(runs: readonly IngestRun[], ratio: number | null, cores: number): Check {
  const figures = runs
    .map((run) => `${run.label}: ${run.throughput === null ? 'did not finish' : `${run.throughput.toFixed(0)} events/s`}`)
    .join(', ');
  const ratioText = ratio === null ? 'no ratio' : `${ratio.toFixed(2)}x`;
  if (cores >= coresForTarget) {
    return check(`scale-out ≥ ${targetRatio}x`, ratio !== null && ratio >= targetRatio, `${ratioText} (${figures})`);
  }
  const busy = runs.at(-1)?.cpu ?? {};
  const wall = (runs.at(-1)?.appliedMs ?? 0) / 1000;
  const used = Object.entries(busy)
    .map(([part, seconds]) => `${part} ${seconds.toFixed(1)} s`)
    .join(', ');
  return check(
    `scale-out figure (the ${targetRatio}x target needs ≥ ${coresForTarget} cores)`,
    ratio !== null,
    `${ratioText} (${figures}); bounded by ${cores} cores: in the 2 + 2 run's ${wall.toFixed(1)} s ` +
      `(${(wall * cores).toFixed(1)} CPU-seconds available) ${used}; machine load average ${loadavg()[0]?.toFixed(1)}`,
  );
}
