import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { createDatabase, createPool } from './database.ts';

describe('pool clients', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answer promise-style queries through the callback form of pg, with the same results and errors', async () => {
    const database = await createTestDatabase();
    const sent = vi.spyOn(pg.Client.prototype, 'query');
    const db = createDatabase(createPool({ connectionString: database.url, max: 1 }));
    try {
      // What Kysely sends: a text and its values, awaiting the promise.
      expect((await sql<{ n: number; s: string }>`select ${7}::int as n, ${'x'}::text as s`.execute(db)).rows).toEqual([
        { n: 7, s: 'x' },
      ]);
      const promiseStyle = sent.mock.calls.filter(([text]) => typeof text === 'string' && text.includes('as n'));
      expect(promiseStyle).toHaveLength(1);
      expect(promiseStyle[0]?.[2]).toBeTypeOf('function');

      await expect(sql`select 1 / 0`.execute(db)).rejects.toMatchObject({ code: '22012', message: 'division by zero' });
    } finally {
      await db.destroy();
    }
  });

  it('leave every other form of query to pg as it was', async () => {
    const database = await createTestDatabase();
    const pool = createPool({ connectionString: database.url, max: 1 });
    const client = await pool.connect();
    try {
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      expect((await client.query({ text: 'select $1::text as t', values: ['y'] })).rows).toEqual([{ t: 'y' }]);
      const viaCallback = await new Promise<unknown>((resolve, reject) => {
        client.query('select $1::int as two', [2], (error, result) => (error ? reject(error) : resolve(result.rows)));
      });
      expect(viaCallback).toEqual([{ two: 2 }]);
      // A failed query leaves the connection usable.
      await expect(client.query('select * from no_such_table')).rejects.toMatchObject({ code: '42P01' });
      expect((await client.query('select $1::int as three', [3])).rows).toEqual([{ three: 3 }]);
    } finally {
      client.release();
      await pool.end();
    }
  });
});
