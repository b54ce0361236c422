import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { afterFile } from '../../test/helpers/after-file.ts';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.ts';
import { testConfig } from '../../test/helpers/test-context.ts';
import { auditCommand } from '../cli/audit.command.ts';
import { createContext, type AppContext } from '../context.ts';
import { grantRuntimeAccess, requireAppendOnlyAudit } from '../db/roles.ts';
import { startWorker } from '../worker/runner.ts';
import { auditKey } from './audit-key.ts';
import { appendAudit, auditHash, formatAuditHead, readAuditHead, verifyAuditChain } from './audit.repository.ts';
import { writeAuditCheckpoint } from './audit.tasks.ts';

/**
 * Issue #15, finding 3: the audit trail's tamper evidence must hold against the role the console
 * runs as. These tests play the attacker: first as the runtime role (which must be refused), then
 * as the table's owner (which can rewrite rows, and must be caught by the key and checkpoints).
 */

const analyst = {
  kind: 'user',
  id: '00000000-0000-4000-8000-0000000000a1',
  label: 'analyst@example.test',
  role: 'analyst',
} as const;

interface Runtime {
  role: string;
  url: string;
}

/** A login role for this file, given the runtime grants on its database; dropped afterwards. */
async function createRuntimeRole(database: TestDatabase): Promise<Runtime> {
  const role = `console_rt_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await adminQuery(database.adminUrl, `create role ${role} login password '${password}'`);
  afterFile(async () => {
    await adminQuery(database.url, `drop owned by ${role}`);
    await adminQuery(database.adminUrl, `drop role ${role}`);
  });
  await grantRuntimeAccess(database.url, role);
  const url = new URL(database.url);
  url.username = role;
  url.password = password;
  return { role, url: url.toString() };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Runs `text` as the runtime role and returns the Postgres error code it fails with. */
async function refusalCode(url: string, text: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await client.end();
  }
}

describe('audit trail against its own database roles', () => {
  let database: TestDatabase;
  let runtime: Runtime;
  let ctx: AppContext;
  let owner: AppContext;

  beforeAll(async () => {
    database = await createTestDatabase();
    runtime = await createRuntimeRole(database);
    ctx = await createContext(testConfig({ DATABASE_URL: runtime.url, DATABASE_OWNER_URL: database.url }));
    owner = await createContext(testConfig({ DATABASE_URL: database.url }));
    afterFile(() => ctx.close());
    afterFile(() => owner.close());
    for (let i = 0; i < 6; i++) {
      await appendAudit(ctx.db, { actor: analyst, action: 'session.media_viewed', targetType: 'session', targetId: `s-${i}` });
    }
  });

  it('lets the runtime role append and read, and run the worker', async () => {
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({ ok: true, rows: 6, unkeyedRows: 0 });
    const worker = await startWorker(ctx);
    await worker.stop();
  });

  it.each([
    ['update audit_log', "update audit_log set actor_label = 'someone-else@example.test'"],
    ['delete from audit_log', 'delete from audit_log where id = (select max(id) from audit_log)'],
    ['truncate audit_log', 'truncate audit_log'],
    ['disable its triggers', 'alter table audit_log disable trigger audit_log_append_only'],
    ['replica mode (skips triggers)', 'set session_replication_role = replica'],
    ['forge migration history', "delete from kysely_migration where name like '2026%'"],
  ])('refuses the runtime role: %s', async (_name, statement) => {
    expect(await refusalCode(runtime.url, statement)).toBe('42501'); // insufficient_privilege
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({ ok: true });
  });

  it('refuses to start in production as a role that could rewrite the trail, and starts as the runtime role', async () => {
    const warnings: string[] = [];
    await expect(requireAppendOnlyAudit(owner.pool, { production: true, warn: () => {} })).rejects.toThrow(/DATABASE_OWNER_URL/);
    await requireAppendOnlyAudit(owner.pool, { production: false, warn: (message) => warnings.push(message) });
    expect(warnings).toHaveLength(1);
    await expect(requireAppendOnlyAudit(ctx.pool, { production: true, warn: () => {} })).resolves.toBeUndefined();
  });
});

describe('the keyed chain and checkpoints against the table owner', () => {
  let ctx: AppContext;

  // Each test plays its own attack on the same eight keyed rows: a database of its own each time.
  beforeEach(async () => {
    const database = await createTestDatabase();
    ctx = await createContext(testConfig({ DATABASE_URL: database.url }));
    for (let i = 0; i < 8; i++) {
      await appendAudit(ctx.db, { actor: analyst, action: 'session.decided', targetType: 'session', targetId: `d-${i}` });
    }
    return () => ctx.close();
  });

  /** What the review found: replica mode, then the chain recomputed with the app's own hash. */
  async function rewriteAsOwner(rewrite: (trx: AppContext['db']) => Promise<void>): Promise<void> {
    await ctx.db.connection().execute(async (connection) => {
      await sql`set session_replication_role = replica`.execute(connection);
      try {
        await connection.transaction().execute(rewrite);
      } finally {
        await sql`set session_replication_role = origin`.execute(connection);
      }
    });
  }

  async function rechain(db: AppContext['db'], key: ReturnType<typeof auditKey> | null): Promise<void> {
    const rows = await db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    let prev: string | null = null;
    for (const row of rows) {
      const hash = auditHash(prev, row, key);
      await db
        .updateTable('audit_log')
        .set({ prev_hash: prev, hash, key_id: key?.id ?? null })
        .where('id', '=', row.id)
        .execute();
      prev = hash;
    }
  }

  it('keys every new row with AUDIT_KEY, which the database never sees', async () => {
    const rows = await ctx.db.selectFrom('audit_log').select(['key_id', 'hash']).execute();
    expect(new Set(rows.map((row) => row.key_id))).toEqual(new Set([ctx.auditKeys[0].id]));
    const stored = JSON.stringify(await sql`select * from audit_log`.execute(ctx.db));
    expect(stored).not.toContain(ctx.auditKeys[0].secret.toString('utf8'));
  });

  it('catches a truncated tail only with a checkpoint, which the worker logs and exposes', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const checkpoint = await writeAuditCheckpoint({ ...ctx, logger }, new Date('2026-11-30T10:00:00Z'));
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'audit checkpoint', auditCheckpoint: checkpoint, rows: 8 });
    expect(await ctx.metrics.registry.getSingleMetricAsString('audit_chain_rows')).toMatch(/audit_chain_rows 8$/m);

    await rewriteAsOwner(async (trx) => {
      await sql`delete from audit_log where id in (select id from audit_log order by id desc limit 3)`.execute(trx);
    });
    // The rest of the chain is consistent: without a checkpoint nothing shows.
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({ ok: true, rows: 5 });

    const expectHead = { rows: 8, hash: checkpoint.split(':')[1]! };
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys, expectHead })).toEqual({
      ok: false,
      rows: 5,
      brokenAt: null,
      problem: expect.stringContaining('tail was removed'),
    });
    // The metric alone (a row count) is enough to see it too.
    const out: string[] = [];
    await expect(auditCommand(ctx, ['verify', '--expect-head', '8'], (line) => out.push(line))).rejects.toThrow(
      /BROKEN: the checkpoint counted 8 rows but only 5 remain/,
    );
    // Later appends do not hide the cut: the checkpoint's row now has another hash.
    for (let i = 0; i < 4; i++) await appendAudit(ctx.db, { actor: analyst, action: 'session.noted' });
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys, expectHead })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('checkpoint says row 8 has another hash'),
    });
  });

  it('catches a row edited and the chain recomputed with the unkeyed hash', async () => {
    await rewriteAsOwner(async (trx) => {
      await sql`update audit_log set actor_label = 'someone-else@example.test' where id = (select min(id) from audit_log)`.execute(
        trx,
      );
      await rechain(trx, null);
    });
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('recomputed without AUDIT_KEY'),
    });
    // Recomputing all but the keyed tail breaks where the first keyed row links to the forgery.
    await rewriteAsOwner((trx) => rechain(trx, ctx.auditKeys[0]));
    const third = await ctx.db.selectFrom('audit_log').select('id').orderBy('id').offset(2).limit(1).executeTakeFirstOrThrow();
    await rewriteAsOwner(async (trx) => {
      const rows = await trx.selectFrom('audit_log').selectAll().where('id', '<', third.id).orderBy('id').execute();
      let prev: string | null = null;
      for (const row of rows) {
        const hash = auditHash(prev, { ...row, actor_label: 'someone-else@example.test' }, null);
        await trx
          .updateTable('audit_log')
          .set({ actor_label: 'someone-else@example.test', prev_hash: prev, hash, key_id: null })
          .where('id', '=', row.id)
          .execute();
        prev = hash;
      }
    });
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({
      ok: false,
      brokenAt: third.id,
      problem: expect.stringContaining('link to the previous row'),
    });
    // Appending unkeyed rows after keyed ones is refused too.
    await rewriteAsOwner((trx) => rechain(trx, ctx.auditKeys[0]));
    await rewriteAsOwner(async (trx) => {
      const last = await trx.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
      const row = { ...last, action: 'session.forged' };
      await trx
        .insertInto('audit_log')
        .values({
          ...row,
          id: undefined,
          details: JSON.stringify(row.details),
          prev_hash: last.hash,
          hash: auditHash(last.hash, row, null),
          key_id: null,
        })
        .execute();
    });
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('unkeyed but follows keyed rows'),
    });
    await rewriteAsOwner(async (trx) => {
      await sql`delete from audit_log where action = 'session.forged'`.execute(trx);
    });
  });

  it('catches a chain recomputed under a key the attacker made up, whatever key id they write', async () => {
    const forged = auditKey('an-attacker-key-0123456789abcdef0123456789');
    await rewriteAsOwner((trx) => rechain(trx, forged));
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('neither AUDIT_KEY nor AUDIT_KEY_PREVIOUS'),
    });
    await rewriteAsOwner((trx) => rechain(trx, { id: ctx.auditKeys[0].id, secret: forged.secret }));
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('the row was edited'),
    });
  });

  it('seals rows from before the key at the first checkpoint', async () => {
    await rewriteAsOwner((trx) => rechain(trx, null));
    const unkeyed = (await readAuditHead(ctx.db)).rows;
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({ ok: false, brokenAt: null });
    await writeAuditCheckpoint(ctx);
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({
      ok: true,
      rows: unkeyed + 1,
      unkeyedRows: unkeyed,
    });
    const seal = await ctx.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(seal).toMatchObject({ action: 'audit.chain_keyed', actor_type: 'system', details: { unkeyedRows: unkeyed } });
  });

  it('accepts rows from before the key, then keyed rows, and rows of a rotated-out key', async () => {
    const previous = auditKey('the-previous-audit-key-0123456789abcdef');
    // Key rotation: rows signed with the previous key, then with the current one.
    await rewriteAsOwner(async (trx) => {
      const rows = await trx.selectFrom('audit_log').selectAll().orderBy('id').execute();
      let prev: string | null = null;
      for (const [index, row] of rows.entries()) {
        const key = index < 3 ? null : index < 6 ? previous : ctx.auditKeys[0];
        const hash = auditHash(prev, row, key);
        await trx
          .updateTable('audit_log')
          .set({ prev_hash: prev, hash, key_id: key?.id ?? null })
          .where('id', '=', row.id)
          .execute();
        prev = hash;
      }
    });
    const total = (await readAuditHead(ctx.db)).rows;
    expect(await verifyAuditChain(ctx.db, { keys: [ctx.auditKeys[0], previous] })).toMatchObject({
      ok: true,
      rows: total,
      unkeyedRows: 3,
    });
    const out: string[] = [];
    const rotated = { ...ctx, auditKeys: [ctx.auditKeys[0], previous] as const };
    await auditCommand(rotated, ['verify', '--expect-head', formatAuditHead(await readAuditHead(ctx.db))], (line) =>
      out.push(line),
    );
    expect(out[0]).toMatch(new RegExp(`intact: ${total} rows.*first 3 predate AUDIT_KEY.*passes through checkpoint`));
  });
});
