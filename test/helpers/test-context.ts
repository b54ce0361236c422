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

/** The audit chain's key in tests (production takes it from AUDIT_KEY; never a constant). */
export const testAuditKey = 'test-audit-key-0123456789abcdef0123456789';

/** The key of `vendor_data_hash` in tests (production takes it from PSEUDONYM_KEY). */
export const testPseudonymKey = 'test-pseudonym-key-0123456789abcdef012345';

/** The media host of `test/helpers/didit-events.ts`' signed deliveries. */
export const TEST_MEDIA_ORIGIN = 'https://media.example.test';

/**
 * A test configuration. Media links are kept from the test media host and, when the test points
 * the console at a Didit sandbox, from the sandbox's origin (as `npm start` does for its embedded
 * sandbox); set DIDIT_MEDIA_ORIGINS to choose otherwise.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  const mediaOrigins = [TEST_MEDIA_ORIGIN, ...(env.DIDIT_BASE_URL ? [new URL(env.DIDIT_BASE_URL).origin] : [])];
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    DIDIT_MEDIA_ORIGINS: mediaOrigins.join(','),
    AUDIT_KEY: testAuditKey,
    PSEUDONYM_KEY: testPseudonymKey,
    // Decisions are pushed when the worker next runs, as before undo existed; undo's own tests set a window.
    REVIEW_UNDO_SECONDS: '0',
    ...env,
  });
}

/** Serves the app on a random loopback port; returns its base URL. */
export async function startTestServer(ctx: AppContext): Promise<string> {
  const http = await listen(createApp(ctx), '127.0.0.1', 0, ctx.logger);
  afterFile(() => http.close(1_000));
  return `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
}
