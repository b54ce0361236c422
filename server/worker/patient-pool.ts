import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { createPool, type PoolOptions } from '../db/database.ts';
import { isDatabaseUnavailable } from '../errors.ts';

const RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 5_000];

/**
 * An idle connection may have died with the database a moment ago, before pg noticed: ask it
 * first (one loopback round trip), and throw a dead one away rather than hand it out.
 */
async function checkedOut(client: pg.PoolClient): Promise<pg.PoolClient> {
  try {
    await client.query('select 1');
    return client;
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

/**
 * The pool graphile-worker runs on: taking a connection waits out a database outage (retrying
 * with backoff for up to `patienceMs`) instead of failing at once, and never hands out a
 * connection that died meanwhile. graphile-worker records a
 * job's outcome on a promise nobody awaits, and its own retries skip refused connections: a job
 * ending during an outage would reject it unhandled and kill the process, leaving the job locked.
 * Waiting here, the outcome is written once the database is back.
 */
export interface PatientPool extends pg.Pool {
  /**
   * Ends the pool once nothing uses it (or after `timeoutMs`). graphile-worker writes a job's
   * outcome after its runner has stopped: ending at once would fail that write.
   */
  endWhenIdle(timeoutMs: number): Promise<void>;
}

export function createPatientPool(options: PoolOptions & { patienceMs: number }): PatientPool {
  const pool = createPool(options);
  let connecting = 0;
  const connectNow = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const connectPatiently = async (): Promise<pg.PoolClient> => {
    const giveUpAt = Date.now() + options.patienceMs;
    connecting += 1;
    try {
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await checkedOut(await connectNow());
        } catch (error) {
          if (!isDatabaseUnavailable(error) || Date.now() >= giveUpAt) throw error;
          await sleep(RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]);
        }
      }
    } finally {
      connecting -= 1;
    }
  };
  const busy = () => connecting > 0 || pool.waitingCount > 0 || pool.totalCount > pool.idleCount;
  const endWhenIdle = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (busy() && Date.now() < deadline) await sleep(20);
    await pool.end();
  };
  // Only the promise form: graphile-worker uses it; the callback form (pool.query) keeps pg's own.
  const connectWithCallback = pool.connect.bind(pool) as (callback: unknown) => void;
  pool.connect = ((callback?: unknown) =>
    callback === undefined ? connectPatiently() : connectWithCallback(callback)) as typeof pool.connect;
  return Object.assign(pool, { endWhenIdle });
}
