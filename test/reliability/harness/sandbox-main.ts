/**
 * The Didit sandbox as the reliability suite runs it, in a process of its own:
 * `node --import tsx test/reliability/harness/sandbox-main.ts --port N --api-key K --webhook-url U
 *  --webhook-secret S --seed N --retry-delays A,B`.
 * `npm run sandbox` has no flags for the rate limits and log sizes below, hence this launcher.
 */
import { parseArgs } from 'node:util';
import { startSandbox } from '../../../server/didit-sandbox/sandbox.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'api-key': { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
    seed: { type: 'string' },
    'retry-delays': { type: 'string' },
  },
  strict: true,
});

/**
 * Didit limits each API key per scope. The suite plays Didit's end users and reads Didit's truth
 * with the console's key, thousands of calls the console never makes; under Didit's limits those
 * would eat the console's share and the figures would measure the suite. The console still
 * paces itself at 90 % of Didit's documented limits (rate-budget.ts), and 429s are injected as
 * faults.
 */
const unlimited = 1_000_000;

const sandbox = await startSandbox({
  port: Number(values.port ?? 0),
  apiKey: values['api-key'] ?? 'sandbox-key',
  seed: values.seed === undefined ? undefined : Number(values.seed),
  webhook: values['webhook-url'] ? { url: values['webhook-url'], secret: values['webhook-secret'] } : undefined,
  retryDelaysMs: values['retry-delays']?.split(',').map(Number),
  rateLimits: { genericGet: unlimited, genericWrite: unlimited, sessionCreate: unlimited, sessionDecision: unlimited },
  // Every update-status call and every delivery of a run is counted, so the logs must hold them all.
  requestLogLimit: 1_000_000,
  deliveryLogLimit: 1_000_000,
  logger: (level, message, detail) =>
    process.stdout.write(`${new Date().toISOString()} ${level} ${message}${detail ? ` ${JSON.stringify(detail)}` : ''}\n`),
});
process.stdout.write(`Didit sandbox on ${sandbox.url}\n`);
process.once('SIGTERM', () => void sandbox.stop().then(() => process.exit(0)));
