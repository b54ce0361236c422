import { jsonText } from './canonical-json.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultInjector } from './faults.ts';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { call, startReceiver, type Receiver } from './test-helpers.ts';

let sandbox: RunningSandbox | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await sandbox?.stop();
  await receiver?.stop();
  sandbox = undefined;
  receiver = undefined;
});

async function setup(
  faults: Parameters<typeof startSandbox>[0] extends infer O ? (O extends { faults?: infer F } ? F : never) : never,
) {
  receiver = await startReceiver();
  sandbox = await startSandbox({ seed: 8, retryDelaysMs: [5, 10], faults, webhook: { url: receiver.url, secret: 's' } });
  const workflow = sandbox.createWorkflow({ features: [{ feature: 'LIVENESS' }] });
  return jsonText(workflow['workflow_id']);
}

describe('fault injection', () => {
  it('gives the same pattern for the same seed', () => {
    const pattern = (seed: number) => {
      const f = new FaultInjector({ seed, webhookDropRate: 0.3, webhookDuplicateRate: 0.3, apiErrorRate: 0.2 });
      return Array.from({ length: 20 }, () => [f.rollWebhook(), f.rollApi()]);
    };
    expect(pattern(3)).toEqual(pattern(3));
    expect(pattern(3)).not.toEqual(pattern(4));
  });

  it('drops a share of deliveries and logs them as dropped', async () => {
    const workflowId = await setup({ webhookDropRate: 0.5, seed: 99 });
    for (let i = 0; i < 20; i++) sandbox!.createSession({ workflow_id: workflowId });
    await sandbox!.flushDeliveries();
    const dropped = sandbox!.deliveries().filter((d) => d.state === 'dropped').length;
    expect(dropped).toBeGreaterThan(3);
    expect(dropped).toBeLessThan(17);
    expect(receiver!.received).toHaveLength(20 - dropped);
  });

  it('duplicates deliveries byte for byte, event_id included', async () => {
    const workflowId = await setup({ webhookDuplicateRate: 1 });
    sandbox!.createSession({ workflow_id: workflowId });
    await sandbox!.flushDeliveries();
    expect(receiver!.received).toHaveLength(2);
    expect(receiver!.received[0]!.raw.equals(receiver!.received[1]!.raw)).toBe(true);
    expect(receiver!.received[0]!.headers['x-signature']).toBe(receiver!.received[1]!.headers['x-signature']);
  });

  it('delays deliveries so they can arrive out of order', async () => {
    const workflowId = await setup({ webhookDelayRate: 1, webhookDelayMinMs: 0, webhookDelayMaxMs: 80, seed: 5 });
    const ids = Array.from({ length: 8 }, () => jsonText(sandbox!.createSession({ workflow_id: workflowId })['session_id']));
    await sandbox!.flushDeliveries();
    const order = receiver!.received.map((h) => h.json['session_id']);
    expect([...order].sort()).toEqual([...ids].sort());
    expect(order).not.toEqual(ids);
    expect(sandbox!.deliveries().every((d) => d.faults.delayed_ms <= 80)).toBe(true);
  });

  it('answers API calls with 503 or 429 at the configured rates, changeable at runtime', async () => {
    await setup({});
    const put = await call(sandbox!, 'PUT', '/sandbox/faults', { api_error_rate: 1 });
    expect(put.body).toMatchObject({ api_error_rate: 1, webhook_drop_rate: 0 });
    expect((await call(sandbox!, 'GET', '/v3/workflows/')).status).toBe(503);
    await call(sandbox!, 'PUT', '/sandbox/faults', { api_error_rate: 0, api_rate_limit_rate: 1 });
    const limited = await call(sandbox!, 'GET', '/v3/workflows/');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    await call(sandbox!, 'PUT', '/sandbox/faults', { api_rate_limit_rate: 0, api_latency_min_ms: 60, api_latency_max_ms: 60 });
    const started = performance.now();
    expect((await call(sandbox!, 'GET', '/v3/workflows/')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect((await call(sandbox!, 'GET', '/sandbox/faults')).body.api_latency_min_ms).toBe(60);
    expect((await call(sandbox!, 'PUT', '/sandbox/faults', { api_error_rate: 2, bogus: 1 })).status).toBe(400);
  });
});
