import { sql } from 'kysely';
import type { Database } from '../../server/db/database.ts';

export interface HeldTableLock {
  /** Ends the locking transaction; statements waiting on the table go on. */
  release(): Promise<void>;
}

/**
 * Holds an ACCESS EXCLUSIVE lock on `table` in a transaction of its own, so every statement that
 * reads it waits, with its request still in flight: how the tests keep N expensive requests open
 * at once without timing anything.
 */
export async function holdTableLock(db: Database, table: string): Promise<HeldTableLock> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const transaction = db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.table(table)} in access exclusive mode`.execute(trx);
    locked();
    await released;
  });
  await Promise.race([lockTaken, transaction]);
  return {
    async release() {
      release();
      await transaction;
    },
  };
}

/** Statements of this database waiting for a lock whose text contains `fragment` (`''`: all of them). */
export async function lockWaiters(db: Database, fragment: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
     where datname = current_database() and wait_event_type = 'Lock' and position(${fragment} in query) > 0`.execute(db);
  return rows[0]?.n ?? 0;
}

/**
 * Polls `read` until it returns `expected`. Not a timing assertion: the deadline only turns a
 * state that never comes into a failure that names it, instead of a hung test.
 */
export async function eventually<T>(read: () => Promise<T>, expected: T, what: string, deadlineMs = 15_000): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  let last: T = await read();
  while (last !== expected) {
    if (Date.now() > giveUpAt) throw new Error(`${what}: expected ${String(expected)}, still ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = await read();
  }
}
