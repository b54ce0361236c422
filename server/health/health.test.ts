import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../context.ts';
import { migrateDown, migrateToLatest } from '../db/database.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.ts';
import { startTestServer, testConfig } from '../../test/helpers/test-context.ts';
import { bodyOf } from '../../test/helpers/http.ts';

describe('health and readiness', () => {
  let proxy: TcpProxy;
  let ctx: AppContext;
  let baseUrl: string;

  beforeAll(async () => {
    const database = await createTestDatabase();
    // The app reaches Postgres through a proxy the test can cut, like a database going away.
    const target = new URL(database.url);
    proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    target.host = `127.0.0.1:${proxy.port}`;
    ctx = await createContext(testConfig({ DATABASE_URL: target.toString() }));
    baseUrl = await startTestServer(ctx);
  });
  afterAll(async () => {
    await ctx.close();
    await proxy.close();
  });

  it('answers /healthz without touching the database', async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ status: 'ok' });
  });

  it('is ready when the database is reachable and migrated', async () => {
    const res = await fetch(`${baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ status: 'ready' });
  });

  it('reports 503 while the database is down and recovers without a restart', async () => {
    await proxy.cut();
    try {
      const down = await fetch(`${baseUrl}/readyz`);
      expect(down.status).toBe(503);
      expect(await bodyOf(down)).toEqual({ status: 'not_ready', reason: 'database_unreachable' });
      // Liveness stays green: restarting the API would not bring the database back.
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await proxy.restore();
    }
    const up = await fetch(`${baseUrl}/readyz`);
    expect(up.status).toBe(200);
  });

  it('reports 503 with the pending migrations until they are applied', async () => {
    const reverted = await migrateDown(ctx.db);
    const name = reverted.results?.[0]?.migrationName;
    expect(name).toBeDefined();
    const pending = await fetch(`${baseUrl}/readyz`);
    expect(pending.status).toBe(503);
    expect(await bodyOf(pending)).toEqual({ status: 'not_ready', reason: 'migrations_pending', pending: [name] });
    await migrateToLatest(ctx.db, ctx.pool);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
  });

  it('tags every response with a request id, reusing a sane incoming one', async () => {
    const generated = await fetch(`${baseUrl}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const passed = await fetch(`${baseUrl}/healthz`, { headers: { 'x-request-id': 'lb-trace-12345678' } });
    expect(passed.headers.get('x-request-id')).toBe('lb-trace-12345678');
    const hostile = await fetch(`${baseUrl}/healthz`, { headers: { 'x-request-id': '<script>' } });
    expect(hostile.headers.get('x-request-id')).not.toBe('<script>');
  });

  it('sends security headers, including a content security policy', async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});
