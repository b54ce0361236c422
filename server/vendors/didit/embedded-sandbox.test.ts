import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger.ts';
import { testConfig } from '../../../test/helpers/test-context.ts';
import { livenessOnlyWorkflow } from '../../../test/helpers/didit-workflows.ts';
import { startEmbeddedSandbox } from './embedded-sandbox.ts';

/** `npm start` twice must not leave an hour of dead media links: the same port and signing key. */
describe('the embedded Didit sandbox across restarts', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'embedded-sandbox-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const start = async () => {
    const config = testConfig({ DATA_DIR: dataDir, SANDBOX_TRAFFIC_PER_MINUTE: '0' });
    const started = await startEmbeddedSandbox(config, createLogger(config));
    if (!started) throw new Error('the embedded sandbox did not start');
    const { baseUrl = '', apiKey = '' } = started.config.didit;
    const call = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${baseUrl}${route}`, {
        method,
        headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status, `${method} ${route}`).toBeLessThan(300);
      return (await res.json()) as Record<string, unknown>;
    };
    return { ...started, baseUrl, call };
  };

  it('listens on the same port with the same media signing key, so earlier links still load', async () => {
    const first = await start();
    const workflow = await first.call('POST', '/v3/workflows/', livenessOnlyWorkflow());
    const session = await first.call('POST', '/v3/session/', { workflow_id: workflow['workflow_id'], vendor_data: 'restart-1' });
    const decision = await first.call('POST', `/sandbox/sessions/${String(session['session_id'])}/complete`, {
      capture: 'match',
    });
    const selfie = (decision['liveness_checks'] as Array<{ reference_image: string }>)[0]?.reference_image ?? '';
    expect((await fetch(selfie)).status).toBe(200);
    await first.stop();

    const second = await start();
    try {
      expect(second.baseUrl).toBe(first.baseUrl);
      const image = await fetch(selfie);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toMatch(/image\/jpeg/);
    } finally {
      await second.stop();
    }
  });

  it('falls back to another port when the last one is taken, and remembers the new one', async () => {
    const first = await start();
    const port = Number(new URL(first.baseUrl).port);
    await first.stop();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const second = await start();
      expect(Number(new URL(second.baseUrl).port)).not.toBe(port);
      await second.stop();
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    const third = await start();
    expect(Number(new URL(third.baseUrl).port)).not.toBe(port);
    await third.stop();
  });
});
