import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../../test/helpers/test-context.ts';
import type { AppContext } from '../context.ts';
import { INBOX_SHARDS } from '../worker/jobs.ts';
import { wakeStalledInboxShards } from './inbox-sweep.ts';

let ctx: AppContext;
beforeAll(async () => {
  ({ ctx } = await createTestContext());
});

async function shardOf(sessionId: string): Promise<number> {
  const { rows } = await sql<{ shard: number }>`select abs(hashtext(${sessionId}::text)) % ${INBOX_SHARDS} as shard`.execute(
    ctx.db,
  );
  return rows[0]!.shard;
}

/** An inbox row received `secondsAgo`, as the receiver stores it, with no drain job queued. */
async function inboxRow(
  sessionId: string,
  secondsAgo: number,
  state: { processed?: boolean; parked?: boolean } = {},
): Promise<void> {
  await sql`insert into webhook_event (dedupe_key, signature_variant, session_id, webhook_type, status, event_timestamp, payload,
                                       received_at, processed_at, parked_at)
            values (${randomUUID()}, 'v2', ${sessionId}, 'status.updated', 'In Review', now(), '{}'::jsonb,
                    now() - make_interval(secs => ${secondsAgo}),
                    ${state.processed ? sql`now()` : null}, ${state.parked ? sql`now()` : null})`.execute(ctx.db);
}

async function queuedDrainShards(): Promise<number[]> {
  const { rows } = await sql<{
    key: string;
  }>`select key from graphile_worker._private_jobs where key like 'inbox-drain:%'`.execute(ctx.db);
  return rows.map((row) => Number(row.key.split(':')[1])).sort((a, b) => a - b);
}

describe('waking inbox shards whose rows wait with nobody draining them', () => {
  it('queues the drain job of each shard with a row due for a while, and of no other', async () => {
    const stalled = randomUUID();
    const fresh = randomUUID();
    const done = randomUUID();
    await inboxRow(stalled, 60);
    await inboxRow(fresh, 0);
    await inboxRow(done, 60, { processed: true });
    await inboxRow(done, 60, { parked: true });
    await sql`delete from graphile_worker._private_jobs where key like 'inbox-drain:%'`.execute(ctx.db);

    const woken = await wakeStalledInboxShards(ctx.db, 5);

    const stalledShard = await shardOf(stalled);
    expect(woken).toEqual([stalledShard]);
    expect(await queuedDrainShards()).toEqual([stalledShard]);
  });
});
