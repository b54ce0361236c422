import { setTimeout as sleep } from 'node:timers/promises';
import { trafficThenPushes, whilePushing } from '../harness/phases.ts';
import type { WebhookAnswer } from '../harness/round-robin-proxy.ts';
import { atRandomMoment, check, conclude, prepare, scopeOf, type Check, type Scenario } from '../harness/scenario.ts';
import { trafficCheck } from '../harness/session-traffic.ts';
import type { Stack } from '../harness/stack.ts';

/**
 * Postgres gone (an immediate shutdown: connections cut, nothing flushed politely) while Didit's
 * traffic comes in, and again while decisions are being pushed. Deliveries must be refused with
 * 503 so Didit retries (never a 2xx without a stored row, never a 500), and both kinds of process
 * must carry on by themselves once Postgres is back: no restart.
 */
export const databaseOutage: Scenario = {
  name: 'database-outage',
  summary: 'Postgres stopped during traffic and during pushes, then started again',
  async run(stack) {
    const { sessions, trafficMs, pushes, outageMs } = stack.profile.databaseOutage;
    const rng = stack.rng('database-outage');
    const { startedAt } = await prepare(stack);
    const outages: Array<{ from: number; to: number }> = [];
    const outage = async (moment: Promise<void>) => {
      await moment;
      const from = Date.now();
      await stack.cluster.stop('immediate');
      await sleep(outageMs);
      await stack.cluster.start();
      outages.push({ from, to: Date.now() });
    };

    const { traffic, backlog } = await trafficThenPushes(stack, {
      tag: 'rel-dbout',
      sessions,
      trafficMs,
      pushes,
      rng,
      duringTraffic: () => outage(atRandomMoment(rng, 0.2 * trafficMs, 0.6 * trafficMs)),
      duringPushes: () => outage(whilePushing(stack.db, rng)),
    });

    const answers = stack.proxy.webhookAnswers.filter((a) => a.at >= startedAt.getTime());
    return conclude(stack, {
      name: this.name,
      scope: scopeOf([...traffic.sessionIds, ...backlog], [stack.analyst]),
      startedAt,
      checks: [trafficCheck(traffic), ...webhookAnswerChecks(answers, outages), await servingAgain(stack)],
      details: { outages: outages.map((o) => ({ from: new Date(o.from).toISOString(), seconds: (o.to - o.from) / 1000 })) },
    });
  },
};

/** What Didit heard while Postgres was away: 503s (it retries those), never a 500. */
function webhookAnswerChecks(answers: readonly WebhookAnswer[], outages: ReadonlyArray<{ from: number; to: number }>): Check[] {
  // An answer a few seconds after the restart may still come from a request that waited it out.
  const duringOutage = answers.filter((a) => outages.some((o) => a.at >= o.from && a.at <= o.to + 5_000));
  const byStatus = countBy(duringOutage.map((a) => String(a.status)));
  const serverErrors = answers.filter((a) => a.status >= 500 && a.status !== 503);
  return [
    check(
      'deliveries during the outage were refused with 503',
      (byStatus['503'] ?? 0) > 0,
      `answers while Postgres was down: ${JSON.stringify(byStatus)}`,
    ),
    check(
      'no delivery answered 500 (or any 5xx but 503)',
      serverErrors.length === 0,
      serverErrors.length === 0 ? 'none' : JSON.stringify(countBy(serverErrors.map((a) => String(a.status)))),
    ),
  ];
}

/** Every API and worker answers /readyz again: they recovered on their own, with no restart. */
async function servingAgain(stack: Stack): Promise<Check> {
  const members = stack.fleet.all;
  const deadline = Date.now() + 30_000;
  const ready = new Set<string>();
  while (ready.size < members.length && Date.now() < deadline) {
    for (const member of members) {
      const ok = await fetch(member.spec.readyUrl, { signal: AbortSignal.timeout(2_000) }).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) ready.add(member.name);
    }
    if (ready.size < members.length) await sleep(500);
  }
  const notReady = members.filter((member) => !ready.has(member.name)).map((member) => member.name);
  return check(
    'API and worker processes serve again without a restart',
    notReady.length === 0,
    notReady.length === 0 ? 'every process answers /readyz' : `not ready: ${notReady.join(', ')}`,
  );
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
