import type { AddressInfo } from 'node:net';
import { createApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { createContext, type AppContext } from '../../server/context.ts';
import { listen } from '../../server/http/server.ts';
import { afterFile } from './after-file.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestContext {
  ctx: AppContext;
  database: TestDatabase;
}

/** A real composition root over this file's own database. Closed after the file's tests. */
export async function createTestContext(env: Record<string, string> = {}): Promise<TestContext> {
  const database = await createTestDatabase();
  const ctx = await createContext(testConfig({ DATABASE_URL: database.url, ...env }));
  afterFile(() => ctx.close());
  return { ctx, database };
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', ...env });
}

/** Serves the app on a random loopback port; returns its base URL. */
export async function startTestServer(ctx: AppContext): Promise<string> {
  const http = await listen(createApp(ctx), '127.0.0.1', 0, ctx.logger);
  afterFile(() => http.close(1_000));
  return `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
}
