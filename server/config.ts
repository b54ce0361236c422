import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Role } from './db/schema.ts';
import { parseMediaOrigin } from './vendors/didit/media-origin.ts';
import { parseBusinessHours, type SlaSettings } from './review/sla.ts';

/**
 * The console's configuration, parsed once from the environment at start.
 * Nothing else reads `process.env`: everything downstream receives a typed `Config`.
 */

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65_535);

/** `code=Label;code=Label`: the reason codes an analyst picks from when deciding. */
const reasonList = z
  .string()
  .transform((value) =>
    value
      .split(';')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [code = '', ...rest] = entry.split('=');
        // `code=Label|face_match`: a reason that only makes sense where the workflow matches faces.
        const [label = '', scope] = rest.join('=').split('|');
        return { code: code.trim(), label: label.trim(), faceMatchOnly: scope?.trim() === 'face_match' };
      }),
  )
  .pipe(
    z
      .array(
        z.object({
          code: z.string().regex(/^[a-z0-9_]{1,64}$/, 'codes are lowercase snake_case'),
          label: z.string().min(1).max(200),
          faceMatchOnly: z.boolean(),
        }),
      )
      .min(1)
      .max(9, 'at most 9 reasons (keys 1–9 pick them)'),
  );

const defaultApproveReasons =
  'same_person=Same person as the reference portrait|face_match;' +
  'genuine_capture=Genuine live capture despite a low score;' +
  'quality_acceptable=Image quality poor but identity clear;' +
  'other=Other (explain in the note)';
const defaultDeclineReasons =
  'different_person=Different person from the reference portrait|face_match;' +
  'presentation_attack=Presentation attack suspected (photo, screen, mask);' +
  'face_not_visible=Face not clearly visible or obstructed;' +
  'known_fraud=Matches a known fraud pattern;' +
  'other=Other (explain in the note)';
/** Asking the user to try again (a Resubmitted decision: the liveness step is redone). */
const defaultResubmitReasons = [
  'poor_lighting=Poor lighting or blur',
  'face_not_visible=Face not fully visible',
  'other_attempt=Another attempt needed',
].join(';');

/** `claim-value=role,claim-value=role`: which IdP group (or role claim value) grants which console role. */
const roleMap = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const at = entry.lastIndexOf('=');
        return { value: entry.slice(0, at).trim(), role: entry.slice(at + 1).trim() };
      }),
  )
  .pipe(
    z
      .array(
        z.object({
          value: z.string().min(1, 'each entry is claim-value=role'),
          role: z.enum(['viewer', 'analyst', 'lead', 'admin'], 'roles are viewer, analyst, lead or admin'),
        }),
      )
      .min(1),
  );

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: booleanFromEnv.optional(),

  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_OWNER_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: port.default(54329),

  AUDIT_KEY: z.string().min(32, 'use at least 32 random characters').optional(),
  AUDIT_KEY_PREVIOUS: z.string().min(32, 'use at least 32 random characters').optional(),
  AUDIT_CHECKPOINT_MINUTES: z.coerce.number().int().min(1).max(59).default(15),

  // Privacy (docs/privacy.md, ADR 0016): how long personal data is held after a session's final decision.
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
  RETENTION_NOTES: z.enum(['keep', 'remove']).default('keep'),
  PSEUDONYM_KEY: z.string().min(32, 'use at least 32 random characters').optional(),

  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  // Express's `trust proxy`: a hop count ("1": the one balancer in front), or addresses/subnets
  // and the names loopback, linklocal, uniquelocal, comma-separated.
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((value) => (/^\d+$/.test(value.trim()) ? Number(value) : value)),
  WEB_DIST_DIR: z.string().min(1).default('dist/web'),

  DIDIT_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DIDIT_API_KEY: z.string().min(8).optional(),
  DIDIT_WEBHOOK_SECRET: z.string().min(16).optional(),
  DIDIT_WEBHOOK_SECRET_PREVIOUS: z.string().min(16).optional(),
  DIDIT_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(30).max(3_600).default(300),
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
  DIDIT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  MEDIA_REFRESH_MARGIN_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  MEDIA_REFRESH_PER_USER_PER_MINUTE: z.coerce.number().int().min(1).max(1_000).default(20),
  MEDIA_REFRESH_FORCE_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
  DIDIT_INTERACTIVE_BUDGET_PERCENT: z.coerce.number().int().min(0).max(100).default(30),
  RECONCILE_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(59).default(5),
  RECONCILE_LOOKBACK_HOURS: z.coerce.number().int().min(1).max(2_160).default(72),

  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_SCOPES: z.string().min(1).default('openid email profile'),
  OIDC_ROLES_CLAIM: z.string().min(1).default('groups'),
  OIDC_ROLE_MAP: roleMap.prefault('console-viewers=viewer,console-analysts=analyst,console-leads=lead,console-admins=admin'),
  OIDC_ROLE_REFRESH_MINUTES: z.coerce.number().int().min(1).max(1_440).default(15),
  SESSION_SECRET: z.string().min(32, 'use at least 32 random characters').optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(1_440).default(30),
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(168).default(12),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),

  // Prometheus metrics: a bearer token on the main port and/or a separate internal listener (server/metrics.ts).
  METRICS_TOKEN: z
    .string()
    .min(16, 'use at least 16 random characters')
    .regex(/^[A-Za-z0-9._~+/=-]+$/, 'letters, digits and . _ ~ + / = - only (it is sent as a bearer token)')
    .optional(),
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),

  // Expensive reads, limited per actor and per process (server/http/concurrency-limit.ts).
  SIMULATION_MAX_DAYS: z.coerce.number().int().min(1).max(366).default(90),
  SIMULATION_CONCURRENCY_PER_USER: z.coerce.number().int().min(1).max(16).default(2),
  SIMULATION_CONCURRENCY_PER_PROCESS: z.coerce.number().int().min(1).max(64).default(4),
  AUDIT_EXPORT_CONCURRENCY_PER_USER: z.coerce.number().int().min(1).max(8).default(1),
  AUDIT_EXPORT_CONCURRENCY_PER_PROCESS: z.coerce.number().int().min(1).max(32).default(2),
  EXPENSIVE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(20_000),
  DEV_IDP_PORT: port.default(8091),

  CLAIM_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  /** How long an analyst may undo their decision, which waits that long before it is pushed to Didit; 0 disables undo. */
  REVIEW_UNDO_SECONDS: z.coerce.number().int().min(0).max(120).default(30),
  REVIEW_REASONS_APPROVED: reasonList.prefault(defaultApproveReasons),
  REVIEW_REASONS_DECLINED: reasonList.prefault(defaultDeclineReasons),
  REVIEW_REASONS_RESUBMITTED: reasonList.prefault(defaultResubmitReasons),

  // Assignment and SLAs (ADR 0020): business hours the SLA clocks run in (unset: 24/7), the share
  // of the target left below which a session is at risk, and the default cap of assigned sessions.
  SLA_BUSINESS_HOURS: z
    .string()
    .transform((value, context) => {
      try {
        return parseBusinessHours(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  SLA_AT_RISK_PERCENT: z.coerce.number().int().min(1).max(99).default(20),
  ASSIGNMENT_CAP: z.coerce.number().int().min(1).max(1_000).default(5),
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
  if (env.NODE_ENV === 'production' && !env.AUDIT_KEY) {
    problems.push('AUDIT_KEY: is required in production; it keys the audit chain and is never stored in the database (missing)');
  }
  if (env.NODE_ENV === 'production' && !env.PSEUDONYM_KEY) {
    problems.push(
      "PSEUDONYM_KEY: is required in production; it keys the hash that links a person's sessions once retention removed vendor_data, and must never change (missing)",
    );
  }
  if (env.DATABASE_OWNER_URL && !env.DATABASE_URL) {
    problems.push('DATABASE_OWNER_URL: needs DATABASE_URL too, the runtime role the API and worker use (missing)');
  }
  if (env.NODE_ENV === 'production') {
    for (const name of ['DIDIT_API_KEY', 'DIDIT_WEBHOOK_SECRET'] as const) {
      if (!env[name]) problems.push(`${name}: is required in production; the Didit sandbox is for development only (missing)`);
    }
  }
  if (env.NODE_ENV === 'production') {
    for (const name of ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'SESSION_SECRET', 'PUBLIC_URL'] as const) {
      if (!env[name]) {
        problems.push(`${name}: is required in production; sign-in goes through the company identity provider (missing)`);
      }
    }
  }
  // Media links must point here (server/vendors/didit/media-origin.ts): origins only, https in
  // production; http outside it, for a Didit sandbox run on its own. Non-URLs are zod's to report.
  for (const entry of (env.DIDIT_MEDIA_ORIGINS ?? '').split(',').map((value) => value.trim())) {
    if (!URL.canParse(entry)) continue;
    const parsed = parseMediaOrigin(entry, { allowHttp: env.NODE_ENV !== 'production' });
    if ('error' in parsed) problems.push(`DIDIT_MEDIA_ORIGINS: ${parsed.error}`);
  }
  if (env.OIDC_ISSUER && !env.OIDC_CLIENT_ID) {
    problems.push('OIDC_ISSUER: needs OIDC_CLIENT_ID too (or unset it to use the development identity provider)');
  }
  if (env.DIDIT_BASE_URL && (!env.DIDIT_API_KEY || !env.DIDIT_WEBHOOK_SECRET)) {
    problems.push('DIDIT_BASE_URL: needs DIDIT_API_KEY and DIDIT_WEBHOOK_SECRET too (or unset all three to use the sandbox)');
  }
  if (env.METRICS_PORT && env.METRICS_PORT !== '0' && env.METRICS_PORT === (env.PORT ?? '8080')) {
    problems.push('METRICS_PORT: must differ from PORT; metrics get their own listener (or unset it and use METRICS_TOKEN)');
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
    /**
     * The runtime role the API and worker connect as: may only INSERT and SELECT the audit log.
     * Absent means: start the embedded Postgres under `dataDir` (which sets up both roles).
     */
    url: string | undefined;
    /** The role that owns the schema and runs migrations; absent means `url` does both (one role). */
    ownerUrl: string | undefined;
    poolMax: number;
    embeddedPort: number;
  };
  dataDir: string;
  audit: {
    /** AUDIT_KEY: keys the chain. Outside production, when unset, a key file under DATA_DIR is made. */
    key: string | undefined;
    /** AUDIT_KEY_PREVIOUS: still verifies rows signed before a rotation. */
    previousKey: string | undefined;
    /** How often the worker logs (and exposes as metrics) a checkpoint of the chain's head. */
    checkpointMinutes: number;
  };
  privacy: {
    /** RETENTION_DAYS: personal data is removed this many days after a session's final decision. */
    retentionDays: number;
    /** RETENTION_NOTES: whether retention also removes the text of analysts' notes. */
    removeNotes: boolean;
    /** PSEUDONYM_KEY: keys `vendor_data_hash`. Outside production, when unset, a key file under DATA_DIR is made. */
    pseudonymKey: string | undefined;
  };
  worker: { concurrency: number };
  shutdownTimeoutMs: number;
  trustProxy: string | number;
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
    /**
     * How far `X-Timestamp` may be from now. Didit retries a failed delivery after about 1 and
     * 4 minutes with the same timestamp, so the last retry arrives ~5 minutes after the event.
     */
    webhookToleranceSeconds: number;
    /**
     * Origins the signed media URLs come from (as `scheme://host[:port]`): media links elsewhere
     * are dropped on ingest, and these are the image sources the CSP allows.
     */
    mediaOrigins: string[];
    /** Timeout of one HTTP call to Didit. */
    timeoutMs: number;
    /** A session read refreshes its media links when one expires within this margin. */
    mediaRefreshMarginSeconds: number;
    /** Requests for new media links one person (or token) may make a minute, across replicas. */
    mediaRefreshPerUserPerMinute: number;
    /** A reported broken image forces new links of a session at most once per this many seconds. */
    mediaRefreshForceIntervalSeconds: number;
    /** 0–1: the share of each Didit rate scope that calls people cause may use; the rest is the worker's. */
    interactiveBudgetShare: number;
    /** How often the worker walks Didit's session list to repair what webhooks missed. */
    reconcileIntervalMinutes: number;
    /** How far back (by session creation) each reconciliation walk looks. */
    reconcileLookbackHours: number;
  };
  sandbox: { trafficPerMinute: number };
  oidc: {
    /**
     * The identity provider. Unset outside production means the embedded default: `start.ts`
     * starts the development identity provider and fills these in.
     */
    issuer: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    scopes: string;
    /** ID-token claim (dot path, e.g. `realm_access.roles`) holding the user's groups or roles. */
    rolesClaim: string;
    /** Claim value → console role; values not listed grant nothing. */
    roleMap: Record<string, Role>;
    /** How often a session re-checks the user's groups with the IdP (when it issued a refresh token). */
    roleRefreshMinutes: number;
  };
  session: {
    /** Signs the session cookie. Random per process outside production when unset. */
    secret: string;
    idleMinutes: number;
    maxHours: number;
  };
  authRateLimitPerMinute: number;
  /**
   * Who may read `GET /metrics` (server/metrics.ts). On the main port only with `token` (bearer),
   * or openly outside production when neither is set; with `port`, on a separate listener at
   * `host:port` instead (health routes too), behind `token` when that is set as well.
   */
  metrics: { token: string | undefined; port: number | undefined; host: string };
  /**
   * Expensive reads: in flight at once per actor and per process (so N API replicas allow N times
   * `perProcess`), the simulation window, and the statement_timeout of their queries.
   */
  limits: {
    simulation: { perUser: number; perProcess: number; maxDays: number };
    auditExport: { perUser: number; perProcess: number };
    expensiveQueryTimeoutMs: number;
  };
  devIdp: { port: number };
  review: {
    /** A claim lapses after this long without activity from its holder. */
    claimIdleMinutes: number;
    /** RETENTION_DAYS again: the session page says when its personal data goes. */
    retentionDays: number;
    reasons: { Approved: ReviewReason[]; Declined: ReviewReason[]; Resubmitted: ReviewReason[] };
    /** REVIEW_UNDO_SECONDS: a person's decision may be undone, and waits before its push, this long (0: no undo). */
    undoSeconds: number;
    /** SLA_BUSINESS_HOURS (null: 24/7) and SLA_AT_RISK_PERCENT / 100: how SLA clocks run (review/sla.ts). */
    sla: SlaSettings;
    /** ASSIGNMENT_CAP: open assigned sessions per analyst unless a lead set their own cap. */
    assignmentCap: number;
  };
}

export interface ReviewReason {
  code: string;
  label: string;
  /** Only offered (and accepted) on sessions of workflows with face match. */
  faceMatchOnly: boolean;
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
    database: {
      url: e.DATABASE_URL,
      ownerUrl: e.DATABASE_OWNER_URL,
      poolMax: e.DATABASE_POOL_MAX,
      embeddedPort: e.EMBEDDED_PG_PORT,
    },
    dataDir: e.DATA_DIR,
    audit: { key: e.AUDIT_KEY, previousKey: e.AUDIT_KEY_PREVIOUS, checkpointMinutes: e.AUDIT_CHECKPOINT_MINUTES },
    privacy: { retentionDays: e.RETENTION_DAYS, removeNotes: e.RETENTION_NOTES === 'remove', pseudonymKey: e.PSEUDONYM_KEY },
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
      webhookToleranceSeconds: e.DIDIT_WEBHOOK_TOLERANCE_SECONDS,
      mediaOrigins:
        e.DIDIT_MEDIA_ORIGINS?.map((origin) => new URL(origin).origin) ??
        (e.NODE_ENV === 'production' ? ['https://service-didit-verification-production-a1c5f9b8.s3.amazonaws.com'] : []),
      timeoutMs: e.DIDIT_TIMEOUT_MS,
      mediaRefreshMarginSeconds: e.MEDIA_REFRESH_MARGIN_SECONDS,
      mediaRefreshPerUserPerMinute: e.MEDIA_REFRESH_PER_USER_PER_MINUTE,
      mediaRefreshForceIntervalSeconds: e.MEDIA_REFRESH_FORCE_INTERVAL_SECONDS,
      interactiveBudgetShare: e.DIDIT_INTERACTIVE_BUDGET_PERCENT / 100,
      reconcileIntervalMinutes: e.RECONCILE_INTERVAL_MINUTES,
      reconcileLookbackHours: e.RECONCILE_LOOKBACK_HOURS,
    },
    sandbox: { trafficPerMinute: e.SANDBOX_TRAFFIC_PER_MINUTE },
    oidc: {
      issuer: e.OIDC_ISSUER?.replace(/\/+$/, ''),
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      scopes: e.OIDC_SCOPES,
      rolesClaim: e.OIDC_ROLES_CLAIM,
      roleMap: Object.fromEntries(e.OIDC_ROLE_MAP.map((entry) => [entry.value, entry.role])),
      roleRefreshMinutes: e.OIDC_ROLE_REFRESH_MINUTES,
    },
    session: {
      secret: e.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
      idleMinutes: e.SESSION_IDLE_MINUTES,
      maxHours: e.SESSION_MAX_HOURS,
    },
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST },
    limits: {
      simulation: {
        perUser: e.SIMULATION_CONCURRENCY_PER_USER,
        perProcess: e.SIMULATION_CONCURRENCY_PER_PROCESS,
        maxDays: e.SIMULATION_MAX_DAYS,
      },
      auditExport: { perUser: e.AUDIT_EXPORT_CONCURRENCY_PER_USER, perProcess: e.AUDIT_EXPORT_CONCURRENCY_PER_PROCESS },
      expensiveQueryTimeoutMs: e.EXPENSIVE_QUERY_TIMEOUT_MS,
    },
    devIdp: { port: e.DEV_IDP_PORT },
    review: {
      claimIdleMinutes: e.CLAIM_IDLE_MINUTES,
      retentionDays: e.RETENTION_DAYS,
      reasons: {
        Approved: e.REVIEW_REASONS_APPROVED,
        Declined: e.REVIEW_REASONS_DECLINED,
        Resubmitted: e.REVIEW_REASONS_RESUBMITTED,
      },
      undoSeconds: e.REVIEW_UNDO_SECONDS,
      sla: { businessHours: e.SLA_BUSINESS_HOURS ?? null, atRiskShare: e.SLA_AT_RISK_PERCENT / 100 },
      assignmentCap: e.ASSIGNMENT_CAP,
    },
  };
}

const secretNames = /SECRET|PASSWORD|KEY|TOKEN|DATABASE_(OWNER_)?URL/;

function redact(name: PropertyKey | undefined, value: string): string {
  return typeof name === 'string' && secretNames.test(name) ? '[redacted]' : value;
}
