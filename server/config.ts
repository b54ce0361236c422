import { z } from 'zod';

/**
 * The console's configuration, parsed once from the environment at start.
 * Nothing else reads `process.env`: everything downstream receives a typed `Config`.
 */

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65_535);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: booleanFromEnv.optional(),

  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: port.default(54329),

  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  TRUST_PROXY: z.string().default('loopback'),
  WEB_DIST_DIR: z.string().min(1).default('dist/web'),

  DIDIT_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DIDIT_API_KEY: z.string().min(8).optional(),
  DIDIT_WEBHOOK_SECRET: z.string().min(16).optional(),
  DIDIT_WEBHOOK_SECRET_PREVIOUS: z.string().min(16).optional(),
  DIDIT_MEDIA_ORIGINS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ })))
    .optional(),
  SANDBOX_TRAFFIC_PER_MINUTE: z.coerce.number().min(0).max(6_000).default(6),
});

/**
 * Rules across variables, checked on the raw environment so they are reported together with
 * per-variable problems (zod skips object refinements when a field already failed).
 */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.NODE_ENV === 'production' && !env.DATABASE_URL) {
    problems.push('DATABASE_URL: is required in production; the embedded Postgres is for development only (missing)');
  }
  if (env.NODE_ENV === 'production') {
    for (const name of ['DIDIT_API_KEY', 'DIDIT_WEBHOOK_SECRET'] as const) {
      if (!env[name]) problems.push(`${name}: is required in production; the Didit sandbox is for development only (missing)`);
    }
  }
  if (env.DIDIT_BASE_URL && (!env.DIDIT_API_KEY || !env.DIDIT_WEBHOOK_SECRET)) {
    problems.push('DIDIT_BASE_URL: needs DIDIT_API_KEY and DIDIT_WEBHOOK_SECRET too (or unset all three to use the sandbox)');
  }
  return problems;
}

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  /** Where browsers reach the console; defaults to http://localhost:PORT. */
  publicUrl: string;
  log: { level: string; pretty: boolean };
  database: {
    /** Absent means: start the embedded Postgres under `dataDir`. */
    url: string | undefined;
    poolMax: number;
    embeddedPort: number;
  };
  dataDir: string;
  worker: { concurrency: number };
  shutdownTimeoutMs: number;
  trustProxy: string;
  webDistDir: string;
  didit: {
    /**
     * Didit's API. Unset outside production means the embedded default: the local Didit
     * sandbox is started and these are filled in by `start.ts`.
     */
    baseUrl: string | undefined;
    apiKey: string | undefined;
    /** Current and (during a rotation) previous webhook signing secrets. */
    webhookSecrets: string[];
    /** Origins the signed media URLs come from (allowed as image sources by the CSP). */
    mediaOrigins: string[];
  };
  sandbox: { trafficPerMinute: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment, naming every bad or missing variable in one error. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as it does in most deployment tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  const crossField = crossFieldProblems(present);
  if (!parsed.success || crossField.length > 0) {
    throw new ConfigError([
      ...(parsed.error?.issues ?? []).map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const value = typeof issue.path[0] === 'string' ? present[issue.path[0]] : undefined;
        const shown = value === undefined ? 'missing' : `got ${JSON.stringify(redact(issue.path[0], value))}`;
        return `${name}: ${issue.message} (${shown})`;
      }),
      ...crossField,
    ]);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ?? (e.NODE_ENV === 'development' && Boolean(process.stdout.isTTY)) },
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, embeddedPort: e.EMBEDDED_PG_PORT },
    dataDir: e.DATA_DIR,
    worker: { concurrency: e.WORKER_CONCURRENCY },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    trustProxy: e.TRUST_PROXY,
    webDistDir: e.WEB_DIST_DIR,
    didit: {
      baseUrl: e.DIDIT_BASE_URL ?? (e.NODE_ENV === 'production' ? 'https://verification.didit.me' : undefined),
      apiKey: e.DIDIT_API_KEY,
      webhookSecrets: [e.DIDIT_WEBHOOK_SECRET, e.DIDIT_WEBHOOK_SECRET_PREVIOUS].filter((secret): secret is string =>
        Boolean(secret),
      ),
      mediaOrigins:
        e.DIDIT_MEDIA_ORIGINS ??
        (e.NODE_ENV === 'production' ? ['https://service-didit-verification-production-a1c5f9b8.s3.amazonaws.com'] : []),
    },
    sandbox: { trafficPerMinute: e.SANDBOX_TRAFFIC_PER_MINUTE },
  };
}

const secretNames = /SECRET|PASSWORD|KEY|TOKEN|DATABASE_URL/;

function redact(name: PropertyKey | undefined, value: string): string {
  return typeof name === 'string' && secretNames.test(name) ? '[redacted]' : value;
}
