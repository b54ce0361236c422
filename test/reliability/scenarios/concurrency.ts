import type { Analyst } from '../harness/analysts.ts';
import { check, conclude, prepare, scopeOf, type Scenario } from '../harness/scenario.ts';
import { createReviewBacklog, vendorDataOf } from '../harness/session-traffic.ts';

/**
 * Two analysts, signed in as people, their requests on different API processes (the balancer
 * alternates). In each trial they decide the same session at the same moment, one approving and
 * one declining; then both press "claim next" together on a view holding one session. Each time
 * there must be one winner: one decision kept and pushed, one claim granted.
 */
export const concurrency: Scenario = {
  name: 'concurrency',
  summary: 'two analysts deciding the same session, and pressing claim-next together',
  async run(stack) {
    const { trials } = stack.profile.concurrency;
    const rng = stack.rng('concurrency');
    const { startedAt } = await prepare(stack);
    const [first, second] = await Promise.all([stack.signIn('analyst@example.test'), stack.signIn('analyst2@example.test')]);
    const deadline = Date.now() + 180_000;
    const raced = await createReviewBacklog(stack.scene, stack.db, { tag: 'rel-races', count: trials, rng, deadline });
    const claimable = await createReviewBacklog(stack.scene, stack.db, { tag: 'rel-claims', count: trials, rng, deadline });

    const decideRaces: string[] = [];
    const claimRaces: string[] = [];
    for (const [trial, sessionId] of raced.entries()) {
      const decided = await decideRace(first, second, sessionId);
      if (decided) decideRaces.push(`${sessionId}: ${decided}`);
      const claimed = await claimRace(first, second, vendorDataOf('rel-claims', trial));
      if (claimed) claimRaces.push(`trial ${trial + 1}: ${claimed}`);
    }

    return conclude(stack, {
      name: this.name,
      scope: scopeOf([...raced, ...claimable], [first, second]),
      startedAt,
      checks: [
        check(
          'deciding the same session together: one winner each time',
          decideRaces.length === 0,
          decideRaces.length === 0 ? `${trials} of ${trials} races had one winner` : decideRaces.slice(0, 5).join('; '),
        ),
        check(
          'claim next together on one session: one winner each time',
          claimRaces.length === 0,
          claimRaces.length === 0 ? `${trials} of ${trials} claims went to one analyst` : claimRaces.slice(0, 5).join('; '),
        ),
      ],
    });
  },
};

/** Both decide one session at once, each with the version they opened; null when exactly one won. */
async function decideRace(first: Analyst, second: Analyst, sessionId: string): Promise<string | null> {
  const [firstVersion, secondVersion] = await Promise.all([first.sessionVersion(sessionId), second.sessionVersion(sessionId)]);
  if (firstVersion === null || secondVersion === null) return 'could not open the session';
  const statuses = await Promise.all([
    first.decide(sessionId, firstVersion, 'Approved'),
    second.decide(sessionId, secondVersion, 'Declined'),
  ]);
  const oneWinner = statuses.filter((status) => status === 201).length === 1 && statuses.includes(409);
  return oneWinner ? null : `answers ${statuses.join(' and ')}`;
}

/**
 * Both press claim next at once on a view that holds one session; the winner decides it. Null when
 * one claim was granted and the other found nothing left (404).
 */
async function claimRace(first: Analyst, second: Analyst, view: string): Promise<string | null> {
  const claims = await Promise.all([first.claimNext(view), second.claimNext(view)]);
  const granted = claims.flatMap((claim, i) => (claim.status === 200 ? [{ claim, analyst: i === 0 ? first : second }] : []));
  const [winner] = granted;
  if (!winner || granted.length > 1 || !claims.some((claim) => claim.status === 404)) {
    return `claim next answered ${claims.map((claim) => `${claim.status} (${claim.sessionId ?? 'nothing'})`).join(' and ')}`;
  }
  const { sessionId, version } = winner.claim;
  if (sessionId === null || version === null) return 'the granted claim named no session';
  const status = await winner.analyst.decide(sessionId, version, 'Approved');
  return status === 201 ? null : `the winner's decision answered ${status}`;
}
