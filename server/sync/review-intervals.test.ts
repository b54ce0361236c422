import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedWorkflow } from '../../test/helpers/seed.ts';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { applySessionState, type IncomingSessionState } from './apply-session-state.ts';

/** Each stay In Review is one `review_interval` row, opened and closed with the status change. */
describe('review stays', () => {
  let ctx: AppContext;
  let workflowId: string;
  const at = (hhmm: string) => new Date(`2026-11-02T${hhmm}:00.000Z`);

  beforeAll(async () => {
    ({ ctx } = await createTestContext());
    workflowId = await seedWorkflow(ctx.db);
  });

  const apply = (sessionId: string, status: string, hhmm: string, extra: Partial<IncomingSessionState> = {}) =>
    ctx.db
      .transaction()
      .execute((trx) =>
        applySessionState(trx, { sessionId, status, eventAt: at(hhmm), source: 'webhook', snapshot: null, ...extra }),
      );
  const stays = (sessionId: string) =>
    ctx.db
      .selectFrom('review_interval')
      .select(['workflow_id', 'entered_at', 'left_at', 'left_status'])
      .where('session_id', '=', sessionId)
      .orderBy('entered_at')
      .execute();

  it('opens a stay on entering review, keeps it through repeats, closes it on leaving, and opens another on return', async () => {
    const id = randomUUID();
    await apply(id, 'In Progress', '08:00', { workflowId });
    await apply(id, 'In Review', '09:00');
    await apply(id, 'In Review', '09:05'); // a fetch or a repeat: the same stay
    await apply(id, 'Approved', '09:30');
    await apply(id, 'Resubmitted', '10:00');
    await apply(id, 'In Review', '10:15');
    expect(await stays(id)).toEqual([
      { workflow_id: workflowId, entered_at: at('09:00'), left_at: at('09:30'), left_status: 'Approved' },
      { workflow_id: workflowId, entered_at: at('10:15'), left_at: null, left_status: null },
    ]);
  });

  it('ignores a stale event, and learns the workflow of a stay that began without one', async () => {
    const id = randomUUID();
    await apply(id, 'In Review', '09:00');
    await apply(id, 'In Progress', '08:00'); // older than what the row holds: stale
    expect(await stays(id)).toEqual([{ workflow_id: null, entered_at: at('09:00'), left_at: null, left_status: null }]);
    await apply(id, 'In Review', '09:10', { workflowId });
    await apply(id, 'Expired', '12:00');
    expect(await stays(id)).toEqual([
      { workflow_id: workflowId, entered_at: at('09:00'), left_at: at('12:00'), left_status: 'Expired' },
    ]);
  });
});
