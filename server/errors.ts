import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { isDiditApiError, type DiditApiError } from './vendors/didit/didit-error.ts';

/** The closed set of error codes the console's HTTP API answers with. */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'purpose_required'
  | 'malformed_json'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthenticated'
  | 'invalid_signature'
  | 'stale_timestamp'
  | 'forbidden'
  | 'csrf_rejected'
  | 'not_found'
  | 'conflict'
  | 'view_name_taken'
  | 'view_limit_reached'
  | 'rate_limited'
  | 'database_unavailable'
  | 'not_ready'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'internal_error';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string };
}

/** pg error codes and client errors that mean "the database cannot be reached right now". */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && unavailableCodes.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

/**
 * An error Postgres reported (node-postgres's `DatabaseError`), told by its shape so that a second
 * copy of `pg` in the tree does not defeat an `instanceof`. Its `message`, `detail` and `where`
 * may quote the values it refused (`invalid input syntax for type uuid: "…"`, `JSON data, line
 * 1: {…`), so they are never logged or answered (see `logger.ts`).
 */
export function isPostgresError(error: unknown): error is Error & { code: string; severity: string } {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/**
 * SQLSTATE class 22 (data exception): Postgres refused a value (a NUL in text, a string that is no
 * uuid, a number or date out of range). Request schemas refuse these first; this is the net under
 * them, so a value that slips through is the client's 400, not a 500 that logs the value.
 */
function isDataException(error: unknown): boolean {
  return isPostgresError(error) && error.code.startsWith('22');
}

/**
 * Didit's answers are never passed on as the console's own status: a Didit 401 must not look like
 * the analyst's session ending, nor a Didit 404 like a missing console route. Didit refusing us is
 * a bad gateway (502), Didit down or unreachable is 503, Didit rate-limiting us is 429 with its
 * wait; each says it was Didit.
 */
function fromDiditError(error: DiditApiError): AppError {
  const said = error.status ? ` (Didit answered ${error.status})` : '';
  switch (error.code) {
    case 'rate_limited': {
      const seconds = Math.max(1, Math.ceil((error.details.retryAfterMs ?? 5_000) / 1000));
      return new AppError(429, 'rate_limited', `Didit is rate-limiting the console; retry in ${seconds} s.`, {
        upstream: 'didit',
        retryAfterSeconds: seconds,
      });
    }
    case 'server_error':
    case 'timeout':
    case 'network':
      return new AppError(503, 'upstream_unavailable', `Didit is unavailable right now${said}; retry shortly.`, {
        upstream: 'didit',
      });
    case 'not_configured':
      return new AppError(503, 'upstream_unavailable', 'The Didit API is not configured.', { upstream: 'didit' });
    case 'unauthorized':
    case 'forbidden':
      return new AppError(502, 'upstream_error', `Didit refused the console's API key${said}: check DIDIT_API_KEY.`, {
        upstream: 'didit',
      });
    default:
      return new AppError(502, 'upstream_error', `Didit could not handle the console's request${said}.`, { upstream: 'didit' });
  }
}

function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (isDiditApiError(error)) return fromDiditError(error);
  if (error instanceof ZodError) {
    return new AppError(400, 'validation_failed', 'The request is not valid.', {
      issues: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  // body-parser and raw-body errors carry a `type` and an HTTP status.
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new AppError(400, 'malformed_json', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new AppError(413, 'payload_too_large', 'The request body is too large.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError(415, 'unsupported_media_type', 'The request body encoding is not supported.');
  }
  // http-errors from Express's own middleware (static files, routing) carry a client status.
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, status === 404 ? 'not_found' : 'bad_request', status === 404 ? 'Not found.' : 'Bad request.');
  }
  if (isDatabaseUnavailable(error)) {
    return new AppError(503, 'database_unavailable', 'The database is unavailable; retry shortly.');
  }
  if (isDataException(error)) {
    return new AppError(
      400,
      'bad_request',
      'A value in the request cannot be stored or compared: check it for control characters and out-of-range numbers or dates.',
    );
  }
  return undefined;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'not_found', `No route for ${req.method} ${req.originalUrl.split('?')[0] ?? ''}.`));
};

/** Maps every error to `{error: {code, message}}`; unexpected ones are logged and answered as a bare 500. */
export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const appError = toAppError(error);
  const requestId = req.id;
  if (!appError) {
    req.log.error({ err: error }, 'unhandled error');
    const body: ErrorBody = { error: { code: 'internal_error', message: 'Something went wrong on our side.', requestId } };
    res.status(500).json(body);
    return;
  }
  if (appError.status >= 500) req.log.warn({ code: appError.code }, appError.message);
  if (isDataException(error)) {
    // A request schema let through a value Postgres refuses: the SQLSTATE and routine say which
    // check is missing (the serializer keeps nothing of the value).
    req.log.warn({ err: error }, 'database refused a request value the request schema let through');
  }
  if (appError.status === 503) res.setHeader('Retry-After', '5');
  const retryAfter = (appError.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (appError.status === 429 && typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  const body: ErrorBody = {
    error: {
      code: appError.code,
      message: appError.message,
      ...(appError.details === undefined ? {} : { details: appError.details }),
      requestId,
    },
  };
  res.status(appError.status).json(body);
};
