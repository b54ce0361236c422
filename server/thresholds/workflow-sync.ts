import type { AppContext } from '../context.ts';
import type { ThresholdSet } from '../contract/thresholds.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { latestAppliedVersion } from './thresholds.repository.ts';
import { diditThresholds, sameThresholds, versionThresholds } from './thresholds.service.ts';
import { workflowFieldsFrom } from './push-thresholds.ts';

export const SYNC_WORKFLOWS_TASK = 'sync_workflows';

/**
 * Reads every workflow from Didit (`GET /v3/workflows/`), upserts it by the id sessions carry,
 * and compares Didit's thresholds with our latest applied version. A difference (someone
 * changed them in Didit's own console) is recorded on the workflow and in the audit log once.
 */
export async function syncWorkflows(ctx: AppContext): Promise<{ seen: number; drifted: number }> {
  const workflows = await ctx.didit.listWorkflows();
  let drifted = 0;
  for (const remote of workflows) {
    await ctx.db.transaction().execute(async (trx) => {
      const fields = workflowFieldsFrom(remote);
      await trx
        .insertInto('workflow')
        .values({ id: remote.workflowId, ...fields })
        .onConflict((oc) => oc.column('id').doUpdateSet(fields))
        .execute();
      const row = await trx
        .selectFrom('workflow')
        .selectAll()
        .where('id', '=', remote.workflowId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      // A push in flight makes Didit and us differ for a moment: not drift.
      const inFlight = await trx
        .selectFrom('threshold_version')
        .select('id')
        .where('workflow_id', '=', row.id)
        .where('state', '=', 'approved')
        .executeTakeFirst();
      const applied = await latestAppliedVersion(trx, row.id);
      const didit = diditThresholds(row);
      if (!applied || !didit || inFlight) return;
      const ours = versionThresholds(applied);
      const previous = row.drift as { didit?: ThresholdSet } | null;
      if (!sameThresholds(didit, ours)) {
        drifted++;
        if (previous?.didit && sameThresholds(previous.didit, didit)) return; // already reported
        await trx
          .updateTable('workflow')
          .set({ drift: JSON.stringify({ didit, ours, version: applied.version }), drift_detected_at: new Date() })
          .where('id', '=', row.id)
          .execute();
        await appendAudit(trx, {
          actor: null,
          action: 'threshold.drift_detected',
          targetType: 'workflow',
          targetId: row.id,
          details: { version: applied.version, ours, didit },
        });
      } else if (previous) {
        await trx.updateTable('workflow').set({ drift: null, drift_detected_at: null }).where('id', '=', row.id).execute();
        await appendAudit(trx, {
          actor: null,
          action: 'threshold.drift_resolved',
          targetType: 'workflow',
          targetId: row.id,
          details: { version: applied.version, thresholds: ours },
        });
      }
    });
  }
  return { seen: workflows.length, drifted };
}
