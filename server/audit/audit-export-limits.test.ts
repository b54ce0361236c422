import { beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { eventually, holdTableLock, lockWaiters } from '../../test/helpers/table-lock.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';

/**
 * Issue 15, finding 11: six concurrent full audit exports took the queue's median from 5 ms to
 * 181 ms. Exports are capped at one per actor and two per process (the defaults); the ones held
 * open here wait on a lock of the audit log, never on a timer.
 */
describe('audit export limits', () => {
  let ctx: AppContext;
  let baseUrl: string;
  const leads: Record<'ann' | 'ben' | 'cat', string> = { ann: '', ben: '', cat: '' };

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    baseUrl = await startTestServer(ctx);
    for (const name of ['ann', 'ben', 'cat'] as const) leads[name] = await createApiToken(ctx, 'lead', `lead-${name}`);
  });

  const exportCsv = (who: keyof typeof leads) =>
    fetch(`${baseUrl}/api/audit?format=csv&action=token.*`, { headers: authHeaders(leads[who]) });
  /**
   * Statements waiting for a lock: an export records itself on the trail first, so it waits on the
   * locked log (or on the append lock the first one holds). Nothing else in this file waits.
   */
  const waiting = () => lockWaiters(ctx.db, '');
  const exportsRecorded = async () =>
    (await ctx.db.selectFrom('audit_log').select('actor_label').where('action', '=', 'audit.exported').execute())
      .map((row) => row.actor_label)
      .sort();

  it('refuses a second export from one lead, and any export past two in the process, with 429 and Retry-After', async () => {
    const lock = await holdTableLock(ctx.db, 'audit_log');
    const held: Array<Promise<Response>> = [];
    try {
      held.push(exportCsv('ann'));
      await eventually(waiting, 1, "ann's export held open");
      held.push(exportCsv('ben'));
      await eventually(waiting, 2, "ben's export held open");

      const again = await exportCsv('ann');
      expect(again.status).toBe(429);
      expect(again.headers.get('retry-after')).toBe('10');
      expect((await bodyOf(again)).error).toMatchObject({
        code: 'rate_limited',
        message: 'You already have 1 audit export running; wait for it to finish (retry in 10 s).',
        details: { scope: 'actor', limit: 1 },
      });
      const third = await exportCsv('cat');
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('10');
      expect((await bodyOf(third)).error).toMatchObject({
        message: 'The console is already running 2 audit exports, its limit; retry in 10 s.',
        details: { scope: 'process', limit: 2 },
      });
    } finally {
      await lock.release();
    }
    const answered = await Promise.all(held);
    expect(answered.map((res) => res.status)).toEqual([200, 200]);
    for (const res of answered) expect((await res.text()).split('\r\n')[0]).toMatch(/^id,occurred_at,/);
    // Only the exports that ran are on the trail.
    expect(await exportsRecorded()).toEqual(['lead-ann', 'lead-ben']);
    // The slots are back: the refused lead can export now.
    expect((await exportCsv('cat')).status).toBe(200);
  });
});
