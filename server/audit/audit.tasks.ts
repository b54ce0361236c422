import type { CronItem } from 'graphile-worker';
import type { AppContext } from '../context.ts';
import { cronItem, jobs, type JobHandlers, type PayloadlessJob } from '../worker/jobs.ts';
import { appendAudit, formatAuditHead, readAuditHead } from './audit.repository.ts';

/**
 * Checkpoints of the audit chain's head, written where the database cannot reach: the log (ship
 * it to your log store) and the `audit_chain_rows` metric (Prometheus keeps its history). A
 * truncated or rewritten tail then fails `audit verify --expect-head <the last checkpoint>`.
 */
export async function writeAuditCheckpoint(ctx: AppContext, now: Date = new Date()): Promise<string> {
  await sealUnkeyedRows(ctx);
  const head = await readAuditHead(ctx.db);
  const checkpoint = formatAuditHead(head);
  ctx.metrics.auditChainRows.set(head.rows);
  ctx.metrics.auditCheckpointTime.set(now.getTime() / 1000);
  ctx.logger.info({ auditCheckpoint: checkpoint, rows: head.rows, at: now.toISOString() }, 'audit checkpoint');
  return checkpoint;
}

export function auditHandlers(ctx: AppContext): Pick<JobHandlers, 'auditCheckpoint'> {
  return {
    auditCheckpoint: async () => {
      await writeAuditCheckpoint(ctx);
    },
  };
}

export function auditCronItems(ctx: AppContext): CronItem[] {
  return [cronItem(jobs.auditCheckpoint, `*/${ctx.config.audit.checkpointMinutes} * * * *`)];
}

/** One at start too, so a fresh deployment has a checkpoint before the first tick. */
export const startupAuditJobs: readonly PayloadlessJob[] = [jobs.auditCheckpoint];

/**
 * Rows from before the chain was keyed end with a keyed row, whose HMAC covers their last hash:
 * from then on, rewriting them (or making the whole chain unkeyed) fails `audit verify`.
 */
async function sealUnkeyedRows(ctx: AppContext): Promise<void> {
  const last = await ctx.db.selectFrom('audit_log').select('key_id').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!last || last.key_id !== null) return;
  const { count } = await ctx.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  await appendAudit(ctx.db, { actor: null, action: 'audit.chain_keyed', details: { unkeyedRows: Number(count) } });
}
