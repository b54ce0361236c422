import type { Response } from 'express';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';

export interface BoundedQueryOptions {
  /** `statement_timeout` of each statement `work` runs (the pool's default is 30 s). */
  timeoutMs: number;
  /** Aborts when the client has gone away: the statement running then is cancelled. */
  signal?: AbortSignal;
  /** Names the work in the timeout message: "The simulation". */
  what: string;
  /** What the person can do about a timeout: "try a shorter window". */
  hint: string;
}

/**
 * Runs the queries of one expensive read (a simulation, a batch of an audit export) in a
 * read-only transaction of their own, with a `statement_timeout` for them alone, and cancels
 * the running statement when `signal` aborts. Without the cancel, a browser that drops a
 * request (the threshold editor does, on every slider move) would leave its query running to
 * the end, unseen, holding a connection and the caller's concurrency slot.
 *
 * The cancel is `pg_cancel_backend` on this transaction's backend, sent from another pooled
 * connection. It is awaited before the transaction ends, so it can never reach a later user of
 * the same connection; a cancel that arrives between statements is ignored by Postgres.
 */
export async function boundedQuery<T>(
  db: Database,
  options: BoundedQueryOptions,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  const { timeoutMs, signal } = options;
  try {
    return await db
      .transaction()
      .setAccessMode('read only')
      .execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`
          select pg_backend_pid() as pid, set_config('statement_timeout', ${String(timeoutMs)}, true),
                 -- Reads over many rows cost enough to trigger JIT compilation, which takes longer
                 -- (65–150 ms measured) than these queries gain from it.
                 set_config('jit', 'off', true)`.execute(trx);
        const pid = rows[0]?.pid;
        let cancelling: Promise<unknown> | undefined;
        const cancel = () => {
          cancelling ??= sql`select pg_cancel_backend(${pid})`.execute(db).catch(() => undefined);
        };
        signal?.addEventListener('abort', cancel, { once: true });
        try {
          if (signal?.aborted) throw clientGoneError();
          return await work(trx);
        } finally {
          signal?.removeEventListener('abort', cancel);
          await cancelling;
        }
      });
  } catch (error) {
    if (!isQueryCanceled(error)) throw error;
    if (signal?.aborted) throw clientGoneError();
    const seconds = Math.round(timeoutMs / 100) / 10;
    throw new AppError(
      503,
      'database_unavailable',
      `${options.what} ran longer than the ${seconds} s limit and was stopped; ${options.hint}.`,
      { timeoutMs },
    );
  }
}

/**
 * A signal that aborts when the response's connection closes before the answer was sent (the
 * client cancelled, navigated away or timed out).
 */
export function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** `query_canceled`: a statement_timeout, or our own `pg_cancel_backend`. */
function isQueryCanceled(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
}

/** 499 (as nginx logs it): nobody reads this answer, but the access log says what happened. */
function clientGoneError(): AppError {
  return new AppError(499, 'bad_request', 'The client went away before the answer was ready; its query was cancelled.');
}
