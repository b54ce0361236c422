import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { appendAudit, verifyAuditChain } from './audit.repository.ts';

const analyst = {
  kind: 'user',
  id: '00000000-0000-4000-8000-000000000001',
  label: 'analyst@example.test',
  role: 'analyst',
} as const;

describe('audit log', () => {
  let ctx: AppContext;
  // A trail of its own for each test: one of them breaks it on purpose.
  beforeEach(async () => {
    ({ ctx } = await createTestContext());
  });

  it('chains concurrent appends without forks', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAudit(ctx.db, {
          actor: analyst,
          action: 'session.media_viewed',
          targetType: 'session',
          targetId: `s-${i}`,
          details: { i, nested: { b: 1, a: [1, 'ë'] } },
        }),
      ),
    );
    await appendAudit(ctx.db, { actor: null, action: 'webhook.replayed', details: {} });
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({ ok: true, rows: 21, unkeyedRows: 0 });
    const system = await ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'webhook.replayed')
      .executeTakeFirstOrThrow();
    expect(system).toMatchObject({ actor_type: 'system', actor_label: 'console' });
  });

  it('rolls back with the transaction that records it', async () => {
    await appendAudit(ctx.db, { actor: analyst, action: 'session.media_viewed', targetType: 'session', targetId: 's-0' });
    const before = await verifyAuditChain(ctx.db, { keys: ctx.auditKeys });
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await appendAudit(trx, { actor: analyst, action: 'session.decided' });
        throw new Error('decision failed');
      }),
    ).rejects.toThrow('decision failed');
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toEqual(before);
  });

  it('names the first edited row when someone bypasses the append-only trigger', async () => {
    for (let i = 0; i < 8; i++) {
      await appendAudit(ctx.db, { actor: analyst, action: 'session.media_viewed', targetType: 'session', targetId: `s-${i}` });
    }
    const target = await ctx.db.selectFrom('audit_log').select('id').orderBy('id').offset(5).limit(1).executeTakeFirstOrThrow();
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(ctx.db);
    await sql`update audit_log set actor_label = 'someone-else@example.test' where id = ${target.id}`.execute(ctx.db);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(ctx.db);
    expect(await verifyAuditChain(ctx.db, { keys: ctx.auditKeys })).toMatchObject({
      ok: false,
      brokenAt: target.id,
      problem: expect.stringContaining('edited'),
    });
  });
});
