/**
 * `npm run sandbox -- --port 4010 --api-key <key> [--webhook-url URL --webhook-secret S]
 *  [--seed N] [--traffic N] [--media-ttl S] [--media-base-url URL] [--retry-delays 60000,240000]`
 */
import { parseArgs } from 'node:util';
import { parseEnvironment } from './environment.ts';
import { startSandbox } from './sandbox.ts';

function main(): Promise<void> | void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      seed: { type: 'string' },
      traffic: { type: 'string' },
      'traffic-burst': { type: 'string' },
      state: { type: 'string' },
      'media-ttl': { type: 'string' },
      'media-base-url': { type: 'string' },
      'retry-delays': { type: 'string' },
      environment: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run sandbox -- [--port 4010] [--host 127.0.0.1] [--api-key sandbox-key] [--seed N]\n' +
        '  [--webhook-url URL [--webhook-secret S]] [--traffic SESSIONS_PER_MINUTE] [--traffic-burst N] [--state FILE] [--media-ttl SECONDS]\n' +
        '  [--media-base-url URL] [--retry-delays MS,MS] [--environment live|sandbox] [--quiet]\n' +
        'Environment: SANDBOX_PORT, SANDBOX_API_KEY, SANDBOX_REQUEST_LOG_LIMIT, SANDBOX_DELIVERY_LOG_LIMIT.\n' +
        'See server/didit-sandbox/README.md.\n',
    );
    return;
  }
  const env = parseEnvironment(process.env);
  const int = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
    return n;
  };
  const environment = values.environment;
  if (environment !== undefined && environment !== 'live' && environment !== 'sandbox') {
    throw new Error('--environment must be live or sandbox');
  }
  if (values['webhook-secret'] && !values['webhook-url']) throw new Error('--webhook-secret needs --webhook-url');
  const retryDelays = values['retry-delays']?.split(',').map((part) => int('retry-delays', part.trim()) ?? 0);

  return startSandbox({
    port: int('port', values.port) ?? env.SANDBOX_PORT ?? 4010,
    host: values.host,
    apiKey: values['api-key'] ?? env.SANDBOX_API_KEY ?? 'sandbox-key',
    requestLogLimit: env.SANDBOX_REQUEST_LOG_LIMIT,
    deliveryLogLimit: env.SANDBOX_DELIVERY_LOG_LIMIT,
    seed: int('seed', values.seed),
    traffic: int('traffic', values.traffic),
    trafficBurst: int('traffic-burst', values['traffic-burst']),
    stateFile: values.state,
    mediaTtlSeconds: int('media-ttl', values['media-ttl']),
    mediaBaseUrl: values['media-base-url'],
    retryDelaysMs: retryDelays,
    environment,
    webhook: values['webhook-url'] ? { url: values['webhook-url'], secret: values['webhook-secret'] } : undefined,
    logger: values.quiet
      ? undefined
      : (level, message, detail) =>
          (level === 'info' ? process.stdout : process.stderr).write(
            `[didit-sandbox] ${level} ${message}${detail ? ` ${JSON.stringify(detail)}` : ''}\n`,
          ),
  }).then((sandbox) => {
    process.stdout.write(`Didit sandbox on ${sandbox.url} (x-api-key: ${sandbox.apiKey})\n`);
    for (const d of sandbox.state.destinations.values()) {
      process.stdout.write(`Webhook destination ${d.url} — secret_shared_key: ${d.secret}\n`);
    }
    const shutdown = (): void => {
      void sandbox.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

try {
  await main();
} catch (error) {
  process.stderr.write(`[didit-sandbox] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
