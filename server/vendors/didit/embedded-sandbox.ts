import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';

/**
 * The embedded default's Didit: with no DIDIT_BASE_URL outside production, `npm start` runs the
 * local Didit sandbox in-process with demo traffic, registers a webhook destination pointing at
 * this console over loopback, and hands back a config that uses its URL, API key and secret.
 * The only place the console imports the sandbox (loaded lazily, so production never loads it).
 */
export async function startEmbeddedSandbox(
  config: Config,
  logger: Logger,
): Promise<{ config: Config; stop: () => Promise<void> } | undefined> {
  if (config.didit.baseUrl || config.env === 'production') return undefined;
  const { startSandbox } = await import('../../didit-sandbox/sandbox.ts');
  const secret = config.didit.webhookSecrets[0] ?? randomBytes(32).toString('base64url');
  const apiKey = config.didit.apiKey ?? `sandbox-${randomBytes(12).toString('hex')}`;
  const webhookUrl = new URL('/webhooks/didit', config.publicUrl);
  // Loopback: `localhost` may resolve to ::1 while we listen on 127.0.0.1.
  if (webhookUrl.hostname === 'localhost') webhookUrl.hostname = '127.0.0.1';
  const log = logger.child({ component: 'didit-sandbox' });
  // Didit's side of the demo survives restarts like our database does, so sessions already in
  // the queue can still be decided after `npm start` is run again.
  const stateFile = path.resolve(config.dataDir, 'didit-sandbox.json');
  const firstStart = !existsSync(stateFile);
  await mkdir(path.dirname(stateFile), { recursive: true });
  // Media links in our database point at the sandbox's URL and carry its signature: the same
  // port and signing key on every start keep them working across restarts, as Didit's do.
  const listenFile = path.resolve(config.dataDir, 'didit-sandbox.listen.json');
  const previous = await readListen(listenFile);
  const mediaSigningKey = previous?.mediaSigningKey ?? randomBytes(32).toString('hex');
  const options = {
    apiKey,
    mediaSigningKey,
    traffic: config.sandbox.trafficPerMinute,
    // A first start gets a backlog at once, so the queue has work within a minute: 100 sessions
    // of the backlog mix leave around twenty In Review, enough to work ten in a row.
    trafficBurst: firstStart && config.sandbox.trafficPerMinute > 0 ? 100 : 0,
    stateFile,
    // Delivery retries sooner than Didit's 1 and 4 minutes, so a console restart heals quickly.
    retryDelaysMs: [10_000, 40_000],
    webhook: { url: webhookUrl.toString(), secret, label: 'Review console (embedded)' },
    logger: (level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) =>
      log[level](detail ?? {}, message),
  };
  let sandbox;
  try {
    sandbox = await startSandbox({ ...options, port: previous?.port ?? 0 });
  } catch (error) {
    if (!previous || (error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    log.warn(
      { port: previous.port },
      'the Didit sandbox port of the last start is taken; media links from before need a refresh',
    );
    sandbox = await startSandbox({ ...options, port: 0 });
  }
  await writeFile(listenFile, JSON.stringify({ port: sandbox.port, mediaSigningKey }), { mode: 0o600 });
  logger.info(
    { didit: sandbox.url, trafficPerMinute: config.sandbox.trafficPerMinute },
    'Didit sandbox started (embedded default)',
  );
  return {
    config: {
      ...config,
      didit: {
        ...config.didit,
        baseUrl: sandbox.url,
        apiKey,
        webhookSecrets: [secret],
        mediaOrigins: [...config.didit.mediaOrigins, new URL(sandbox.url).origin],
      },
    },
    stop: () => sandbox.stop(),
  };
}

async function readListen(file: string): Promise<{ port: number; mediaSigningKey: string } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { port?: unknown; mediaSigningKey?: unknown };
    const port = parsed.port;
    const key = parsed.mediaSigningKey;
    if (
      typeof port === 'number' &&
      Number.isInteger(port) &&
      port > 0 &&
      port < 65_536 &&
      typeof key === 'string' &&
      key.length >= 32
    ) {
      return { port, mediaSigningKey: key };
    }
  } catch {
    // First start, or an unreadable file: a new port and key.
  }
  return undefined;
}
