import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.ts';
import { isPostgresError } from './errors.ts';

export type { Logger };

/**
 * Paths that never reach a log line: credentials, cookies, signed media URLs (a presigned link to
 * a selfie is biometric data for as long as it is valid), and bodies (a webhook body carries such
 * links). Errors are reduced to an allow-list by `serializeError`, not by this list.
 */
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.url',
  '*.media',
  '*.body',
  '*.rawBody',
  '*.payload',
  // The same keys at the top level of a line (`logger.warn({ body }, …)`); not `url`, which is
  // how a process announces where it listens.
  'media',
  'body',
  'rawBody',
  'payload',
];

/**
 * `destination`: where lines go instead of stdout (tests capture them this way); it also turns
 * off pretty printing, which runs in a worker thread of its own.
 */
export function createLogger(config: Pick<Config, 'log' | 'env'>, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.log.level,
    base: { service: 'review-console' },
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
    formatters: { log: withNestedErrorsSerialized },
  };
  if (destination) return pino(options, destination);
  return pino({
    ...options,
    ...(config.log.pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } }
      : {}),
  });
}

/**
 * Errors logged under any other key (`{args}`, `{step: {error}}`) go through the same serializer:
 * pino would otherwise copy their enumerable fields, a Postgres error's `detail` and `where`
 * included. `err` and `error` at the top are left to the serializers.
 */
function withNestedErrorsSerialized(object: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(object)) {
    if (key === 'err' || key === 'error') continue;
    const replaced = replaceErrors(value, 0);
    if (replaced !== value) {
      copy ??= { ...object };
      copy[key] = replaced;
    }
  }
  return copy ?? object;
}

function replaceErrors(value: unknown, depth: number): unknown {
  if (value instanceof Error) return serializeError(value);
  if (depth >= 3 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const mapped = value.map((item) => replaceErrors(item, depth + 1));
    return mapped.some((item, index) => item !== value[index]) ? mapped : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const replaced = replaceErrors(item, depth + 1);
    if (replaced !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = replaced;
    }
  }
  return copy ?? value;
}

/** What a Postgres error may say in a log: where it came from, never what it refused. */
const postgresFields = ['code', 'severity', 'routine', 'schema', 'table', 'column', 'constraint', 'dataType'] as const;
/** Fields of other errors that name a cause without quoting data (Node's system errors, HTTP errors, Didit's). */
const plainFields = ['code', 'errno', 'syscall', 'status', 'statusCode', 'retryable'] as const;
const maxMessage = 500;

/**
 * The one way an error reaches a log line (`{err}` or `{error}`), replacing pino's standard
 * serializer, which copies every enumerable field. Node-postgres errors carry the refused value in
 * `message` (`invalid input syntax for type uuid: "…"`), `detail` (`Token "…" is invalid`) and
 * `where` (`JSON data, line 1: {…` — a fragment of a webhook body with its signed media links), so
 * for them only the SQLSTATE, routine and the schema objects involved are kept. Other errors keep
 * their message (bounded) and allow-listed fields, except `SyntaxError`s, whose messages quote the
 * text that failed to parse. Stacks keep their frames, not their first line (the message again).
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (typeof error === 'string') return error.slice(0, maxMessage);
  if (!(error instanceof Error)) return { type: error === null ? 'null' : typeof error };
  const type = error.constructor.name || error.name || 'Error';
  const out: Record<string, unknown> = { type };
  const record = error as unknown as Record<string, unknown>;
  if (isPostgresError(error)) {
    out['message'] = `Postgres refused the statement (SQLSTATE ${error.code})`;
    for (const field of postgresFields) if (typeof record[field] === 'string') out[field] = record[field];
  } else {
    out['message'] =
      error instanceof SyntaxError
        ? 'SyntaxError (message withheld: it may quote the input)'
        : error.message.slice(0, maxMessage);
    for (const field of plainFields) {
      const value = record[field];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[field] = value;
    }
    // DiditApiError: which call, and what Didit answered (never its body).
    const details = record['details'];
    if (details && typeof details === 'object') {
      const { operation, status, retryAfterMs } = details as Record<string, unknown>;
      const kept = Object.fromEntries(
        Object.entries({ operation, status, retryAfterMs }).filter(([, v]) => typeof v === 'string' || typeof v === 'number'),
      );
      if (Object.keys(kept).length > 0) out['details'] = kept;
    }
  }
  if (typeof error.stack === 'string') {
    out['stack'] = error.stack
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .join('\n');
  }
  if (depth < 3 && error.cause !== undefined) out['cause'] = serializeError(error.cause, depth + 1);
  if (depth < 3 && error instanceof AggregateError)
    out['errors'] = error.errors.slice(0, 5).map((e) => serializeError(e, depth + 1));
  return out;
}
