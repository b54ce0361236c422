import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import type { DB, WorkflowDrift } from '../db/schema.ts';
import type { DiditWorkflowSettings, PublishedWorkflow } from '../vendors/didit/workflows.ts';
import { latestAppliedVersion } from './thresholds.repository.ts';
import { diditThresholds } from './didit-thresholds.ts';
import { sameThresholds, versionThresholds } from './thresholds.service.ts';
import { workflowFieldsFrom } from './push-thresholds.ts';

/**
 * Follows every Didit workflow through its latest published version: lists the versions
 * (`GET /v3/workflows/`, one row per version, no thresholds), reads the settings of each
 * workflow's latest published version (`GET /v3/workflows/{uuid}/`) and upserts the workflow by
 * the id sessions carry, recording which version was read. A new version published in Didit's
 * console is picked up here (and audited); a draft is noted but never in force. Then compares
 * Didit's thresholds with our latest applied version: a difference (someone changed them in
 * Didit's own console) is recorded on the workflow and in the audit log once.
 */
export async function syncWorkflows(ctx: AppContext): Promise<{ seen: number; drifted: number }> {
  const published = await ctx.didit.listPublishedWorkflows();
  let drifted = 0;
  for (const group of published.values()) {
    const settings = await ctx.didit.getWorkflowSettings(group.latest.settingsId);
    const drift = await ctx.db.transaction().execute((trx) => recordWorkflow(trx, group, settings));
    if (drift) drifted++;
  }
  return { seen: published.size, drifted };
}

/** Upserts the workflow from its latest published version; answers whether Didit drifted from us. */
async function recordWorkflow(trx: Transaction<DB>, group: PublishedWorkflow, settings: DiditWorkflowSettings): Promise<boolean> {
  const id = group.latest.workflowId;
  const before = await trx
    .selectFrom('workflow')
    .select(['didit_settings_id', 'didit_version'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  const fields = workflowFieldsFrom(settings, group);
  await trx
    .insertInto('workflow')
    .values({ id, ...fields })
    .onConflict((oc) => oc.column('id').doUpdateSet(fields))
    .execute();
  if (before?.didit_settings_id && before.didit_settings_id !== group.latest.settingsId) {
    await appendAudit(trx, {
      actor: null,
      action: 'workflow.didit_version_changed',
      targetType: 'workflow',
      targetId: id,
      details: {
        from: { settingsId: before.didit_settings_id, version: before.didit_version },
        to: { settingsId: group.latest.settingsId, version: group.latest.version },
      },
    });
  }
  const row = await trx.selectFrom('workflow').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  // A push in flight makes Didit and us differ for a moment: not drift.
  const inFlight = await trx
    .selectFrom('threshold_version')
    .select('id')
    .where('workflow_id', '=', id)
    .where('state', '=', 'approved')
    .executeTakeFirst();
  const applied = await latestAppliedVersion(trx, id);
  const didit = diditThresholds(row);
  if (!applied || !didit || inFlight) return false;
  const ours = versionThresholds(applied);
  const previous = row.drift;
  if (!sameThresholds(didit, ours)) {
    if (previous && sameThresholds(previous.didit, didit)) return true; // already reported
    await trx
      .updateTable('workflow')
      .set({
        drift: JSON.stringify({ didit, ours, version: applied.version } satisfies WorkflowDrift),
        drift_detected_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, {
      actor: null,
      action: 'threshold.drift_detected',
      targetType: 'workflow',
      targetId: id,
      details: { version: applied.version, ours, didit, diditVersion: group.latest.version },
    });
    return true;
  }
  if (previous) {
    await trx.updateTable('workflow').set({ drift: null, drift_detected_at: null }).where('id', '=', id).execute();
    await appendAudit(trx, {
      actor: null,
      action: 'threshold.drift_resolved',
      targetType: 'workflow',
      targetId: id,
      details: { version: applied.version, thresholds: ours },
    });
  }
  return false;
}
