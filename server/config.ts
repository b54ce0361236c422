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
  };
}

const secretNames = /SECRET|PASSWORD|KEY|TOKEN|DATABASE_URL/;

function redact(name: PropertyKey | undefined, value: string): string {
  return typeof name === 'string' && secretNames.test(name) ? '[redacted]' : value;
}
