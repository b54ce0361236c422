import type { AppContext } from '../context.ts';
import type { ThresholdSet } from '../contract/thresholds.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { isDiditApiError } from '../vendors/didit/didit-error.ts';
import {
  UnsafeThresholdPatchError,
  type DiditWorkflowSettings,
  type PublishedWorkflow,
  type WorkflowThresholds,
} from '../vendors/didit/workflows.ts';
import { stampSessionsWithVersion, type ThresholdVersionRow } from './thresholds.repository.ts';
import { sameThresholds, versionThresholds } from './thresholds.service.ts';

/**
 * Applies an approved version at Didit, always to the workflow's latest *published* version:
 * find it (`GET /v3/workflows/`), read its settings, `PATCH` them in place with the documented
 * `features` list (every other config key kept, thresholds as whole numbers), read it back, and
 * list the versions again. If a newer version was published meanwhile, the same values are pushed
 * to that one: never to an old version only. The version is `applied` only when Didit reports
 * exactly our values on the version in force; otherwise `failed` with Didit's answer, and a lead
 * may retry.
 */
export type PushOutcome = 'applied' | 'failed' | 'skipped';

/** Pushes to a version that turned out to be superseded are repeated at most this many times. */
const MAX_ROUNDS = 3;

function thresholdsOf(settings: DiditWorkflowSettings): ThresholdSet {
  return {
    livenessReview: settings.thresholds.livenessReview ?? Number.NaN,
    livenessDecline: settings.thresholds.livenessDecline ?? Number.NaN,
    faceMatchReview: settings.hasFaceMatch ? settings.thresholds.faceMatchReview : null,
    faceMatchDecline: settings.hasFaceMatch ? settings.thresholds.faceMatchDecline : null,
  };
}

/** What the workflow row learns from a published version's settings. */
export function workflowFieldsFrom(settings: DiditWorkflowSettings, group: PublishedWorkflow) {
  return {
    label: settings.label ?? group.latest.label,
    workflow_type: settings.type ?? group.latest.type,
    has_face_match: settings.hasFaceMatch,
    liveness_method: settings.livenessMethod,
    didit_settings: JSON.stringify(settings.raw),
    didit_settings_id: group.latest.settingsId,
    didit_version: group.latest.version,
    didit_draft_version: group.draft?.version ?? null,
    settings_form: settings.form,
    synced_at: new Date(),
    updated_at: new Date(),
  };
}

class PushRefused extends Error {
  constructor(
    message: string,
    readonly answer: Record<string, unknown>,
  ) {
    super(message);
  }
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
  const wanted = versionThresholds(claimed);
  const log = ctx.logger.child({ workflowId: claimed.workflow_id, version: claimed.version });

  let pushed: {
    group: PublishedWorkflow;
    readBack: DiditWorkflowSettings;
    replaced: WorkflowThresholds;
    appliedAt: Date;
  } | null = null;
  try {
    for (let round = 0; ; round++) {
      const group = (await ctx.didit.listPublishedWorkflows()).get(claimed.workflow_id);
      if (!group) throw new PushRefused('Didit lists no published version of this workflow.', {});
      // Stable: the version we updated is still the one in force.
      if (pushed && pushed.group.latest.settingsId === group.latest.settingsId) {
        pushed.group = group;
        break;
      }
      if (round === MAX_ROUNDS) {
        throw new PushRefused('Didit published new versions of this workflow during every push; try again.', {});
      }
      if (pushed)
        log.info({ from: pushed.group.latest.version, to: group.latest.version }, 'a newer version was published: pushing to it');
      const settings = await ctx.didit.getWorkflowSettings(group.latest.settingsId);
      await ctx.didit.updateWorkflowThresholds(settings, wanted, group.latest.features);
      const appliedAt = new Date();
      const readBack = await ctx.didit.getWorkflowSettings(group.latest.settingsId);
      const reported = thresholdsOf(readBack);
      const expected: ThresholdSet = readBack.hasFaceMatch
        ? wanted
        : { ...wanted, faceMatchReview: null, faceMatchDecline: null };
      if (!sameThresholds(reported, expected) || (wanted.faceMatchReview !== null && !readBack.hasFaceMatch)) {
        throw new PushRefused(
          `Didit reports different thresholds on version ${readBack.version ?? '?'} after the update: ${JSON.stringify(reported)} (wanted ${JSON.stringify(wanted)})`,
          readBack.raw,
        );
      }
      pushed = { group, readBack, replaced: settings.thresholds, appliedAt };
    }
  } catch (error) {
    const answer =
      error instanceof PushRefused
        ? error.answer
        : isDiditApiError(error)
          ? { code: error.code, status: error.status ?? null, body: error.cause ?? null }
          : { code: error instanceof UnsafeThresholdPatchError ? 'unsafe_patch' : 'internal_error', status: null, body: null };
    log.warn({ err: error }, 'threshold push failed');
    await markFailed(ctx, claimed, error instanceof Error ? error.message : String(error), answer);
    return 'failed';
  }

  const { group, readBack, replaced, appliedAt } = pushed;
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('threshold_version')
      .set({
        state: 'applied',
        applied_at: appliedAt,
        push_error: null,
        didit_response: JSON.stringify(readBack.raw),
        didit_settings_id: group.latest.settingsId,
        didit_version: group.latest.version,
        replaced_thresholds: JSON.stringify(replaced),
      })
      .where('id', '=', claimed.id)
      .execute();
    await trx
      .updateTable('workflow')
      .set({ ...workflowFieldsFrom(readBack, group), drift: null, drift_detected_at: null })
      .where('id', '=', claimed.workflow_id)
      .execute();
    const stamped = await stampSessionsWithVersion(trx, claimed.workflow_id, claimed.id, appliedAt);
    await appendAudit(trx, {
      actor: null,
      action: 'threshold.applied',
      targetType: 'workflow',
      targetId: claimed.workflow_id,
      details: {
        version: claimed.version,
        thresholds: wanted,
        diditVersion: group.latest.version,
        diditSettingsId: group.latest.settingsId,
        sessionsStamped: stamped,
      },
    });
  });
  log.info({ diditVersion: group.latest.version }, 'threshold version applied and confirmed by Didit');
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
