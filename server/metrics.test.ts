import { beforeAll, describe, expect, it } from 'vitest';
import { afterFile } from '../test/helpers/after-file.ts';
import { bodyOf } from '../test/helpers/http.ts';
import { createTestContext, startTestServer, testConfig } from '../test/helpers/test-context.ts';
import { ConfigError, type Config } from './config.ts';
import type { AppContext } from './context.ts';
import { startMetricsServer } from './http/metrics-server.ts';
import { metricsAccessOnMainPort } from './metrics.ts';

/**
 * Issue 15, finding 9: `/metrics` answered anyone who could reach the port. Now it needs
 * METRICS_TOKEN (a bearer token) on the main port, or lives on METRICS_PORT, an internal
 * listener; in production with neither it answers 404. Health routes stay open everywhere.
 */
describe('metrics access', () => {
  let ctx: AppContext;
  const token = 'metrics-token-0123456789abcdef';

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
  });

  /** The API with other metrics settings, over the same database. */
  const serve = (changes: Partial<Pick<Config, 'env'>> & { metrics: Partial<Config['metrics']> }) =>
    startTestServer({
      ...ctx,
      config: { ...ctx.config, ...changes, metrics: { ...ctx.config.metrics, ...changes.metrics } },
    });
  const metricsAt = (baseUrl: string, authorization?: string) =>
    fetch(`${baseUrl}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

  it('asks for the bearer token on the main port when METRICS_TOKEN is set: none or a wrong one gets 401', async () => {
    const baseUrl = await serve({ env: 'production', metrics: { token } });

    const anonymous = await metricsAt(baseUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await bodyOf(anonymous)).error.code).toBe('unauthenticated');

    for (const wrong of [`Bearer ${token.slice(0, -1)}x`, `Bearer ${token}0`, 'Bearer short', `Basic ${token}`, token]) {
      const res = await metricsAt(baseUrl, wrong);
      expect(res.status, wrong).toBe(401);
      expect(await res.text()).not.toContain('didit_');
    }

    const right = await metricsAt(baseUrl, `Bearer ${token}`);
    expect(right.status).toBe(200);
    expect(right.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await right.text()).toContain('didit_webhooks_accepted_total');
  });

  it('answers 404 on the main port in production when neither METRICS_TOKEN nor METRICS_PORT is set', async () => {
    expect(
      metricsAccessOnMainPort({ env: 'production', metrics: { token: undefined, port: undefined, host: '127.0.0.1' } }),
    ).toBe('off');
    const baseUrl = await serve({ env: 'production', metrics: { token: undefined, port: undefined } });
    const res = await metricsAt(baseUrl);
    expect(res.status).toBe(404);
    expect((await bodyOf(res)).error.code).toBe('not_found');
    // Even a browser asking for HTML gets the 404, not the web app.
    expect((await fetch(`${baseUrl}/metrics`, { headers: { accept: 'text/html' } })).status).toBe(404);
  });

  it('serves metrics openly on the main port outside production when neither is set (the console listens on 127.0.0.1)', async () => {
    const baseUrl = await serve({ env: 'development', metrics: { token: undefined, port: undefined } });
    expect((await metricsAt(baseUrl)).status).toBe(200);
  });

  it('keeps the health routes open for load balancers whatever guards /metrics', async () => {
    const baseUrl = await serve({ env: 'production', metrics: { token } });
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
  });

  it('serves metrics and health on METRICS_PORT, and no longer on the main port', async () => {
    const internal = { ...ctx, config: { ...ctx.config, metrics: { token: undefined, port: 0, host: '127.0.0.1' } } };
    const server = await startMetricsServer(internal);
    if (!server) throw new Error('METRICS_PORT is set: the metrics server should be listening');
    afterFile(() => server.close(1_000));
    const metricsUrl = `http://127.0.0.1:${server.port}`;

    const res = await metricsAt(metricsUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('didit_inbox_rows_processed_total');
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);
    // Nothing of the console itself is there.
    expect((await fetch(`${metricsUrl}/api/me`)).status).toBe(404);

    const mainUrl = await startTestServer(internal);
    expect((await metricsAt(mainUrl, `Bearer ${token}`)).status).toBe(404);
  });

  it('asks for METRICS_TOKEN on METRICS_PORT too when both are set', async () => {
    const server = await startMetricsServer({
      ...ctx,
      config: { ...ctx.config, metrics: { token, port: 0, host: '127.0.0.1' } },
    });
    if (!server) throw new Error('METRICS_PORT is set: the metrics server should be listening');
    afterFile(() => server.close(1_000));
    const metricsUrl = `http://127.0.0.1:${server.port}`;
    expect((await metricsAt(metricsUrl)).status).toBe(401);
    expect((await metricsAt(metricsUrl, 'Bearer not-the-metrics-token')).status).toBe(401);
    expect((await metricsAt(metricsUrl, `Bearer ${token}`)).status).toBe(200);
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
  });

  it('starts no metrics listener without METRICS_PORT (the worker then says so at start)', async () => {
    expect(await startMetricsServer(ctx)).toBeUndefined();
  });

  it('validates the metrics settings, without echoing the token', () => {
    expect(testConfig({ METRICS_TOKEN: token, METRICS_PORT: '9464' }).metrics).toEqual({
      token,
      port: 9464,
      host: '127.0.0.1',
    });
    const problems = (env: Record<string, string>) => {
      try {
        testConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    };
    const short = problems({ METRICS_TOKEN: 'too-short' });
    expect(short).toEqual(['METRICS_TOKEN: use at least 16 random characters (got "[redacted]")']);
    expect(problems({ PORT: '9100', METRICS_PORT: '9100' })).toEqual([
      'METRICS_PORT: must differ from PORT; metrics get their own listener (or unset it and use METRICS_TOKEN)',
    ]);
  });
});
