import type { CronItem, JobHelpers, TaskList } from 'graphile-worker';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { diditIdSchema } from '../contract/ids.ts';
import type { DB } from '../db/schema.ts';

/**
 * Every background job, in one place: its graphile-worker task name, the zod schema of its
 * payload (checked when it is queued and again when it runs) and its default options. Producers
 * queue through `enqueue`, inside their own transaction, so a job exists if and only if the work
 * that asked for it committed (a transactional outbox). The worker's task list is built from
 * this registry (`taskList`), and its cron items and start-up jobs name jobs from it.
 */

/** How a job is queued (graphile-worker's `TaskSpec`, less `flags`, which we do not use). */
export interface JobOptions {
  /** Jobs of one queue run one at a time, in order. */
  queueName?: string;
  runAt?: Date;
  maxAttempts?: number;
  priority?: number;
  /** At most one pending job per key; what happens to the pending one is `jobKeyMode`'s (default `replace`). */
  jobKey?: string;
  jobKeyMode?: 'replace' | 'preserve_run_at' | 'unsafe_dedupe';
}

type PayloadSchema = z.ZodType<Record<string, unknown>>;

export interface JobDefinition<Name extends string = string, Schema extends PayloadSchema = PayloadSchema> {
  readonly name: Name;
  readonly payload: Schema;
  /** Defaults, from the (parsed) payload; `enqueue`'s overrides win. */
  readonly options: (payload: z.output<Schema>) => JobOptions;
}

function defineJob<Name extends string, Schema extends PayloadSchema>(job: {
  name: Name;
  payload: Schema;
  options?: JobOptions | ((payload: z.output<Schema>) => JobOptions);
}): JobDefinition<Name, Schema> {
  const { options = {} } = job;
  return { name: job.name, payload: job.payload, options: typeof options === 'function' ? options : () => options };
}

/**
 * Inbox rows are drained by this many jobs, one per shard of sessions (by a hash of the session
 * id): enough for several worker replicas to drain in parallel, few enough that a batch of
 * webhook inserts wakes the worker with a handful of job upserts instead of one job per session.
 */
export const INBOX_SHARDS = 8;

/**
 * Webhooks are applied before other work (lower runs first; the default is 0): after a crash or an
 * outage, repairs and pushes waiting on Didit's rate budget must not hold every slot while newly
 * stored deliveries wait.
 */
const INBOX_PRIORITY = -10;

const noPayload = z.object({});
const sessionPayload = z.object({ sessionId: diditIdSchema });
/** Singleton jobs (cron and start-up): a run queued while one is pending replaces it. */
const singleton = (name: string): JobOptions => ({ jobKey: name, jobKeyMode: 'replace', maxAttempts: 3 });

export const jobs = {
  /** Applies one session's due inbox rows; woken by a replay, a full batch, or a retry (`inbox-retry:` key, with `runAt`). */
  processSessionInbox: defineJob({
    name: 'process_session_inbox',
    payload: sessionPayload,
    options: ({ sessionId }) => ({ jobKey: `inbox:${sessionId}`, maxAttempts: 5, priority: INBOX_PRIORITY }),
  }),

  /** Drains the due inbox rows of one shard of sessions; woken by the webhook insert itself. */
  drainInbox: defineJob({
    name: 'drain_inbox',
    payload: z.object({
      shard: z
        .number()
        .int()
        .min(0)
        .max(INBOX_SHARDS - 1),
    }),
    options: ({ shard }) => ({ jobKey: `inbox-drain:${shard}`, maxAttempts: 25, priority: INBOX_PRIORITY }),
  }),

  /** Re-reads one session's decision from Didit and applies it (reconciliation, quarantined deliveries). */
  repairSession: defineJob({
    name: 'repair_session',
    payload: sessionPayload,
    options: ({ sessionId }) => ({ jobKey: `repair:${sessionId}`, maxAttempts: 8 }),
  }),

  /** One slice of the reconciliation walk over Didit's session list; queues its own continuation. */
  reconcile: defineJob({ name: 'reconcile_didit', payload: noPayload, options: singleton('reconcile_didit') }),

  /** Pushes an analyst's decision to Didit (one pending push per session: `decisionPushKey`). */
  pushReviewDecision: defineJob({
    name: 'push_review_decision',
    payload: z.object({
      reviewEventId: z.number().int(),
      /**
       * A resubmission's email to the user: held here only, never in a table or a log, and gone
       * with the job once Didit has it (a push retried by hand after a failure sends no email).
       */
      email: z.object({ address: z.email(), language: z.string().optional() }).optional(),
    }),
    options: { maxAttempts: 25 },
  }),

  /** Pushes an approved threshold version to Didit (one queue per workflow: `thresholdPushQueue`). */
  pushThresholdVersion: defineJob({
    name: 'push_threshold_version',
    payload: z.object({ versionId: z.number().int().positive() }),
    options: { maxAttempts: 5 },
  }),

  /** Reads Didit's workflows and detects drift from the applied threshold versions. */
  syncWorkflows: defineJob({ name: 'sync_workflows', payload: noPayload, options: singleton('sync_workflows') }),

  /** Writes a checkpoint of the audit chain's head where the database cannot reach. */
  auditCheckpoint: defineJob({ name: 'audit_checkpoint', payload: noPayload, options: singleton('audit_checkpoint') }),

  /** Removes personal data past RETENTION_DAYS (server/privacy/retention.ts); queues its own continuation. */
  applyRetention: defineJob({ name: 'apply_retention', payload: noPayload, options: singleton('apply_retention') }),

  /** Carries one erasure request at Didit: searches its list, deletes each session until Didit confirms (server/privacy/erasure.ts). */
  processErasure: defineJob({
    name: 'process_erasure',
    payload: z.object({ requestId: z.number().int().positive() }),
    options: ({ requestId }) => ({ jobKey: `erasure:${requestId}`, maxAttempts: 20 }),
  }),

  /** Re-queues every open erasure request whose job is gone (failed for good, or lost): erasures are retried until confirmed. */
  sweepErasures: defineJob({ name: 'sweep_erasures', payload: noPayload, options: singleton('sweep_erasures') }),

  /** Carries one face block or unblock to Didit's blocklist until Didit confirms (server/face-block/push-face-block.task.ts). */
  pushFaceBlock: defineJob({
    name: 'push_face_block',
    payload: z.object({ faceBlockId: z.number().int().positive() }),
    options: ({ faceBlockId }) => ({ jobKey: faceBlockPushKey(faceBlockId), maxAttempts: 25 }),
  }),

  /** Assigns unassigned In Review sessions of auto-assign workflows to available analysts (server/review/assignment.tasks.ts). */
  assignSessions: defineJob({ name: 'assign_sessions', payload: noPayload, options: singleton('assign_sessions') }),
} as const;

export type Jobs = typeof jobs;
export type JobId = keyof Jobs;
export type AnyJob = Jobs[JobId];
/** What a producer passes to `enqueue`. */
export type JobInput<J extends AnyJob> = z.input<J['payload']>;
/** What the job's handler receives (parsed). */
export type JobPayload<J extends AnyJob> = z.output<J['payload']>;
/** Jobs that take no payload: the ones cron and the worker's start may queue. */
export type PayloadlessJob = { [K in JobId]: Record<never, never> extends JobInput<Jobs[K]> ? Jobs[K] : never }[JobId];

/** A newer decision on a session replaces its push that has not run yet. */
export const decisionPushKey = (sessionId: string): string => `push-decision:${sessionId}`;

/** One face block's push (block or unblock). */
export const faceBlockPushKey = (faceBlockId: number): string => `face-block:${faceBlockId}`;

/** Versions of one workflow reach Didit in approval order. */
export const thresholdPushQueue = (workflowId: string): string => `thresholds:${workflowId}`;

/** The row of `graphile_worker.job_spec` (plus the key mode) that `add_job` / `add_jobs` take. */
export interface JobSpec {
  identifier: string;
  payload: Record<string, unknown>;
  queue_name: string | null;
  run_at: string | null;
  max_attempts: number | null;
  job_key: string | null;
  priority: number | null;
  job_key_mode: JobOptions['jobKeyMode'] | null;
}

/** The job as graphile-worker stores it: payload checked, defaults merged with `overrides`. */
export function jobSpec<J extends AnyJob>(job: J, input: JobInput<J>, overrides: JobOptions = {}): JobSpec {
  // The definitions are heterogeneous; each job's own schema and options agree by construction.
  const definition = job as JobDefinition;
  const payload = definition.payload.parse(input);
  const options = { ...definition.options(payload), ...overrides };
  return {
    identifier: definition.name,
    payload,
    queue_name: options.queueName ?? null,
    run_at: options.runAt?.toISOString() ?? null,
    max_attempts: options.maxAttempts ?? null,
    job_key: options.jobKey ?? null,
    priority: options.priority ?? null,
    job_key_mode: options.jobKeyMode ?? null,
  };
}

/**
 * Queues a job on `db`: pass the caller's transaction and the job commits or rolls back with
 * the caller's work (graphile-worker's `addJob` would use a connection of its own).
 */
export async function enqueue<J extends AnyJob>(
  db: Kysely<DB>,
  job: J,
  payload: JobInput<J>,
  overrides: JobOptions = {},
): Promise<void> {
  const spec = jobSpec(job, payload, overrides);
  await sql`select graphile_worker.add_job(
      identifier => ${spec.identifier}::text,
      payload => ${JSON.stringify(spec.payload)}::json,
      queue_name => ${spec.queue_name}::text,
      run_at => ${spec.run_at}::timestamptz,
      max_attempts => ${spec.max_attempts}::smallint,
      job_key => ${spec.job_key}::text,
      priority => ${spec.priority}::smallint,
      job_key_mode => ${spec.job_key_mode}::text
    )`.execute(db);
}

/**
 * Queues one job per payload in a single statement, in the given order (sort by the job key
 * where two transactions may queue the same keys, so they take the key locks in one order).
 */
export async function enqueueEach<J extends AnyJob>(
  db: Kysely<DB>,
  job: J,
  payloads: readonly JobInput<J>[],
  overrides: JobOptions = {},
): Promise<void> {
  if (payloads.length === 0) return;
  const specs = payloads.map((payload) => jobSpec(job, payload, overrides));
  // add_job is volatile, so Postgres calls it row by row after the sort.
  await sql`select graphile_worker.add_job(
        identifier => s.identifier, payload => s.payload, queue_name => s.queue_name, run_at => s.run_at,
        max_attempts => s.max_attempts::smallint, job_key => s.job_key, priority => s.priority::smallint,
        job_key_mode => e.spec ->> 'job_key_mode')
      from json_array_elements(${JSON.stringify(specs)}::json) with ordinality as e(spec, n)
      cross join lateral json_populate_record(null::graphile_worker.job_spec, e.spec) as s
      order by e.n`.execute(db);
}

/** What a job does with its parsed payload. */
export type JobHandler<J extends AnyJob> = (payload: JobPayload<J>, helpers: JobHelpers) => Promise<void>;

/** A handler for every job: the worker's task list (a job without one does not compile). */
export type JobHandlers = { [K in JobId]: JobHandler<Jobs[K]> };

/** graphile-worker's task list for these handlers; each parses its payload with its job's schema first. */
export function taskList(handlers: Partial<JobHandlers>): TaskList {
  const tasks: TaskList = {};
  for (const id of Object.keys(handlers) as JobId[]) {
    // Each handler takes what its own job's schema parses (the map pairs them by id).
    const handler = handlers[id] as ((payload: unknown, helpers: JobHelpers) => Promise<void>) | undefined;
    if (!handler) continue;
    const job = jobs[id] as JobDefinition;
    tasks[job.name] = async (payload, helpers) => handler(job.payload.parse(payload), helpers);
  }
  return tasks;
}

/** A cron schedule for a payloadless job, queued with the job's default options; missed ticks are not backfilled. */
export function cronItem(job: PayloadlessJob, match: string): CronItem {
  const { runAt: _runAt, jobKeyMode, ...options } = (job as JobDefinition).options({});
  if (jobKeyMode === 'unsafe_dedupe') throw new Error(`cron cannot queue ${job.name} with jobKeyMode unsafe_dedupe`);
  return {
    task: job.name,
    match,
    identifier: job.name,
    options: { backfillPeriod: 0, ...options, ...(jobKeyMode ? { jobKeyMode } : {}) },
  };
}
