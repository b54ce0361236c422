import { workTheQueue } from '../harness/analysts.ts';
import { conclude, prepare, scopeOf, type Scenario } from '../harness/scenario.ts';
import { runSessionTraffic, trafficCheck } from '../harness/session-traffic.ts';

/**
 * Didit's deliveries at their worst: dropped (only reconciliation can repair those), sent twice,
 * held back and reordered, while Didit's API fails some of the console's calls. Analysts decide
 * throughout, so pushes and their own webhooks go through the same chaos.
 */
export const webhookChaos: Scenario = {
  name: 'webhook-chaos',
  summary: '10 % of deliveries dropped, 10 % duplicated, 20 % delayed and reordered; 5 % 503 and 2 % 429 from the API',
  async run(stack) {
    const { sessions, trafficMs } = stack.profile.webhookChaos;
    const tag = 'rel-chaos';
    const { startedAt } = await prepare(stack);
    await stack.didit.setFaults({
      webhook_drop_rate: 0.1,
      webhook_duplicate_rate: 0.1,
      webhook_delay_rate: 0.2,
      webhook_delay_min_ms: 500,
      webhook_delay_max_ms: 8_000,
      api_error_rate: 0.05,
      api_rate_limit_rate: 0.02,
    });
    let trafficDone = false;
    const [traffic] = await Promise.all([
      runSessionTraffic(stack.scene, {
        tag,
        sessions,
        durationMs: trafficMs,
        // Many feature changes, so that some of their data.updated are dropped: only a
        // reconciliation that compares more than the session's status repairs those.
        featureUpdateShare: 0.6,
        rng: stack.rng('chaos'),
      }).finally(() => (trafficDone = true)),
      workTheQueue(stack.analyst, tag, { share: 0.5, rng: stack.rng('chaos-analyst'), until: () => trafficDone }),
    ]);
    return conclude(stack, {
      name: this.name,
      scope: scopeOf(traffic.sessionIds, [stack.analyst]),
      startedAt,
      checks: [trafficCheck(traffic)],
      details: { featureUpdates: traffic.featureUpdates },
    });
  },
};
