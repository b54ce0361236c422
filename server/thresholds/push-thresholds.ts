import type { AppContext } from '../context.ts';
import type { ThresholdSet } from '../contract/thresholds.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { isDiditApiError } from '../vendors/didit/didit-error.ts';
import type { DiditWorkflow } from '../vendors/didit/workflows.ts';
import { stampSessionsWithVersion, type ThresholdVersionRow } from './thresholds.repository.ts';
import { sameThresholds, versionThresholds } from './thresholds.service.ts';

/**
 * Applies an approved version at Didit: `PATCH /v3/workflows/{id}/` in the workflow's own form,
 * then `GET` it back. The version is `applied` only when Didit reports exactly our values;
 * otherwise `failed` with Didit's answer, and a lead may retry.
 */
export type PushOutcome = 'applied' | 'failed' | 'skipped';

function thresholdsOf(workflow: DiditWorkflow): ThresholdSet {
  return {
    livenessReview: workflow.thresholds.livenessReview ?? Number.NaN,
    livenessDecline: workflow.thresholds.livenessDecline ?? Number.NaN,
    faceMatchReview: workflow.hasFaceMatch ? workflow.thresholds.faceMatchReview : null,
    faceMatchDecline: workflow.hasFaceMatch ? workflow.thresholds.faceMatchDecline : null,
  };
}

/** What the workflow row learns from Didit's answer. */
export function workflowFieldsFrom(workflow: DiditWorkflow) {
  return {
    label: workflow.label,
    workflow_type: workflow.type,
    has_face_match: workflow.hasFaceMatch,
    liveness_method: workflow.livenessMethod,
    didit_settings: JSON.stringify(workflow.raw),
    didit_settings_id: workflow.settingsId,
    settings_form: workflow.form,
    synced_at: new Date(),
    updated_at: new Date(),
  };
}

export async function pushThresholdVersion(ctx: AppContext, versionId: number): Promise<PushOutcome> {
  const claimed = await ctx.db
    .updateTable('threshold_version')
    .set((eb) => ({ push_attempts: eb('push_attempts', '+', 1), pushed_at: new Date() }))
    .where('id', '=', versionId)
    .where('state', '=', 'approved')
    .returningAll()
    .executeTakeFirst();
  if (!claimed) return 'skipped';
  const workflow = await ctx.db
    .selectFrom('workflow')
    .selectAll()
    .where('id', '=', claimed.workflow_id)
    .executeTakeFirstOrThrow();
  const wanted = versionThresholds(claimed);
  const log = ctx.logger.child({ workflowId: workflow.id, version: claimed.version });

  let readBack: DiditWorkflow;
  let appliedAt: Date;
  try {
    const current = await ctx.didit.getWorkflow(workflow.didit_settings_id ?? workflow.id);
    const answered = await ctx.didit.updateWorkflow(current, wanted);
    appliedAt = new Date();
    readBack = await ctx.didit.getWorkflow(answered.settingsId);
  } catch (error) {
    const body = isDiditApiError(error)
      ? { code: error.code, status: error.status ?? null, body: error.cause ?? null }
      : { code: 'internal_error', status: null, body: null };
    log.warn({ err: error }, 'threshold push failed');
    await markFailed(ctx, claimed, error instanceof Error ? error.message : String(error), body);
    return 'failed';
  }

  const reported = thresholdsOf(readBack);
  const expected: ThresholdSet = readBack.hasFaceMatch ? wanted : { ...wanted, faceMatchReview: null, faceMatchDecline: null };
  if (!sameThresholds(reported, expected) || (wanted.faceMatchReview !== null && !readBack.hasFaceMatch)) {
    await markFailed(
      ctx,
      claimed,
      `Didit reports different thresholds after the update: ${JSON.stringify(reported)} (wanted ${JSON.stringify(wanted)})`,
      readBack.raw,
    );
    return 'failed';
  }

  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('threshold_version')
      .set({ state: 'applied', applied_at: appliedAt, push_error: null, didit_response: JSON.stringify(readBack.raw) })
      .where('id', '=', claimed.id)
      .execute();
    await trx
      .updateTable('workflow')
      .set({ ...workflowFieldsFrom(readBack), drift: null, drift_detected_at: null })
      .where('id', '=', workflow.id)
      .execute();
    const stamped = await stampSessionsWithVersion(trx, workflow.id, claimed.id, appliedAt);
    await appendAudit(trx, {
      actor: null,
      action: 'threshold.applied',
      targetType: 'workflow',
      targetId: workflow.id,
      details: { version: claimed.version, thresholds: wanted, diditVersion: readBack.version, sessionsStamped: stamped },
    });
  });
  log.info('threshold version applied and confirmed by Didit');
  return 'applied';
}

async function markFailed(
  ctx: AppContext,
  row: ThresholdVersionRow,
  message: string,
  answer: Record<string, unknown>,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('threshold_version')
      .set({ state: 'failed', push_error: message.slice(0, 2000), didit_response: JSON.stringify(answer) })
      .where('id', '=', row.id)
      .execute();
    await appendAudit(trx, {
      actor: null,
      action: 'threshold.push_failed',
      targetType: 'workflow',
      targetId: row.workflow_id,
      details: { version: row.version, error: message.slice(0, 2000), didit: answer },
    });
  });
}
