import { setTimeout as sleep } from 'node:timers/promises';
import { decideAll } from '../harness/analysts.ts';
import { check, conclude, prepare, scopeOf, type Scenario } from '../harness/scenario.ts';
import { createReviewBacklog } from '../harness/session-traffic.ts';
import { acceptedPushTo } from '../harness/didit-sandbox.ts';

/**
 * Didit down on the push path: analysts keep deciding while every call to Didit answers 503
 * (Didit's outage compressed to seconds). The decisions are the console's to keep: after
 * recovery each reaches Didit exactly once, and a session's decisions in the order they were
 * made. Across sessions the order is not a promise (pushes retry with backoff, independently);
 * the report shows how far it held.
 */
export const diditOutage: Scenario = {
  name: 'didit-outage',
  summary: 'decisions while Didit answers 503 to everything; each reaches Didit once, in order, after recovery',
  async run(stack) {
    const { decisions, outageMs } = stack.profile.diditOutage;
    const rng = stack.rng('didit-outage');
    const { startedAt } = await prepare(stack);
    const backlog = await createReviewBacklog(stack.scene, stack.db, {
      tag: 'rel-didit-outage',
      count: decisions,
      rng,
      deadline: Date.now() + 120_000,
    });

    await stack.didit.setFaults({ api_error_rate: 1 });
    const outageFrom = Date.now();
    await decideAll(stack.analyst, 'rel-didit-outage', backlog, { rng, concurrency: 4, deadline: outageFrom + outageMs });
    await sleep(Math.max(0, outageFrom + outageMs - Date.now()));
    const recoveredAt = Date.now();
    const result = await conclude(stack, { name: this.name, scope: scopeOf(backlog, [stack.analyst]), startedAt });

    const inBacklog = new Set(backlog);
    const pushes = (await stack.didit.sessionPatches()).flatMap((request) => {
      const sessionId = acceptedPushTo(request);
      return sessionId && inBacklog.has(sessionId) ? [{ sessionId, at: Date.parse(request.at) }] : [];
    });
    const early = pushes.filter((push) => push.at < recoveredAt);
    const accepted = stack.analyst.attempts.filter((a) => a.status === 201 && inBacklog.has(a.sessionId));
    result.checks.unshift(
      check(
        'every decision was accepted during the outage',
        accepted.length === backlog.length,
        `${accepted.length} of ${backlog.length} decisions answered 201 while Didit was down`,
      ),
      check(
        'nothing reached Didit before it recovered',
        early.length === 0,
        `${early.length} pushes answered 2xx during the outage`,
      ),
    );
    result.details['crossSessionOrderInversions'] = inversions(
      accepted.map((a) => a.sessionId),
      pushes.map((push) => push.sessionId),
    );
    return result;
  },
};

/** How many pairs of sessions reached Didit in the opposite order to their decisions. */
function inversions(decided: readonly string[], pushed: readonly string[]): number {
  const position = new Map<string, number>();
  pushed.forEach((id, index) => position.set(id, position.get(id) ?? index));
  const order = decided.map((id) => position.get(id) ?? Number.POSITIVE_INFINITY);
  let count = 0;
  for (let i = 0; i < order.length; i++) for (let j = i + 1; j < order.length; j++) if (order[i]! > order[j]!) count += 1;
  return count;
}
