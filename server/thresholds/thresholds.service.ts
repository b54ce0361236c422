import type { Transaction } from 'kysely';
import type { Actor } from '../auth/rbac.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import {
  defaultThresholds,
  faceMatchIssue,
  type ThresholdSet,
  type ThresholdVersionDto,
  type WorkflowDetailDto,
  type WorkflowDto,
} from '../contract/thresholds.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { enqueue, jobs, thresholdPushQueue } from '../worker/jobs.ts';
import {
  findWorkflow,
  latestAppliedByWorkflow,
  latestAppliedVersion,
  listVersionRows,
  listWorkflowRows,
  lockVersion,
  lockWorkflow,
  nextVersionNumber,
  openProposals,
  versionStats,
  type ThresholdVersionRow,
  type WorkflowRow,
} from './thresholds.repository.ts';
import { diditThresholds } from './didit-thresholds.ts';
import { toSettings } from '../review/second-review.repository.ts';

/** The rules of threshold tuning: validation against the workflow, four eyes, states, audit. */

export function versionThresholds(row: ThresholdVersionRow): ThresholdSet {
  return {
    livenessReview: row.liveness_review,
    livenessDecline: row.liveness_decline,
    faceMatchReview: row.face_match_review,
    faceMatchDecline: row.face_match_decline,
  };
}

/** The thresholds in force now: the latest applied version, else Didit's settings, else the defaults. */
export function currentThresholds(workflow: WorkflowRow, applied: ThresholdVersionRow | undefined): ThresholdSet {
  if (applied) return versionThresholds(applied);
  return diditThresholds(workflow) ?? defaultThresholds(workflow.has_face_match);
}

export function sameThresholds(a: ThresholdSet, b: ThresholdSet): boolean {
  const eq = (x: number | null, y: number | null) => (x === null || y === null ? x === y : Math.abs(x - y) < 1e-9);
  return (
    eq(a.livenessReview, b.livenessReview) &&
    eq(a.livenessDecline, b.livenessDecline) &&
    eq(a.faceMatchReview, b.faceMatchReview) &&
    eq(a.faceMatchDecline, b.faceMatchDecline)
  );
}

/** Face-match values exactly when the workflow has face match (the rules are the contract's). */
export function checkAgainstWorkflow(t: ThresholdSet, workflow: WorkflowRow): void {
  const issue = faceMatchIssue(t, workflow.has_face_match);
  if (!issue) return;
  const message = workflow.has_face_match
    ? 'This workflow has face match: give its review and decline thresholds.'
    : 'This workflow has no face match: leave the face-match thresholds empty.';
  throw new AppError(400, 'validation_failed', message, {
    issues: [{ path: `thresholds.${issue.path}`, message: issue.message }],
  });
}

/** Threshold changes are signed by a person: four eyes need two identifiable people. */
function personOf(actor: Actor): Actor {
  if (actor.kind !== 'user') {
    throw new AppError(403, 'forbidden', 'Threshold changes must be made by a signed-in person, not an API token.');
  }
  return actor;
}

export async function requireWorkflow(db: Database | Transaction<DB>, id: string): Promise<WorkflowRow> {
  const workflow = await findWorkflow(db, id);
  if (!workflow) throw new AppError(404, 'not_found', 'No such workflow.');
  return workflow;
}

export async function proposeThresholds(
  db: Database,
  input: { workflowId: string; thresholds: ThresholdSet; reason: string; actor: Actor; origin: RequestOrigin },
): Promise<ThresholdVersionRow> {
  const actor = personOf(input.actor);
  return db.transaction().execute(async (trx) => {
    // Serialises version numbering per workflow.
    const workflow = await lockWorkflow(trx, input.workflowId);
    if (!workflow) throw new AppError(404, 'not_found', 'No such workflow.');
    checkAgainstWorkflow(input.thresholds, workflow);
    const open = await trx
      .selectFrom('threshold_version')
      .select('version')
      .where('workflow_id', '=', workflow.id)
      .where('state', '=', 'proposed')
      .executeTakeFirst();
    if (open) {
      throw new AppError(409, 'conflict', `Version ${open.version} is still open: approve, reject or withdraw it first.`, {
        openVersion: open.version,
      });
    }
    const version = await nextVersionNumber(trx, workflow.id);
    const row = await trx
      .insertInto('threshold_version')
      .values({
        workflow_id: workflow.id,
        version,
        liveness_review: input.thresholds.livenessReview,
        liveness_decline: input.thresholds.livenessDecline,
        face_match_review: input.thresholds.faceMatchReview,
        face_match_decline: input.thresholds.faceMatchDecline,
        reason: input.reason,
        state: 'proposed',
        proposed_by: actor.id,
        proposed_by_label: actor.label,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const previous = currentThresholds(workflow, await latestAppliedVersion(trx, workflow.id));
    await appendAudit(trx, {
      actor,
      action: 'threshold.proposed',
      targetType: 'workflow',
      targetId: workflow.id,
      ...input.origin,
      details: { version, thresholds: input.thresholds, previous, reason: input.reason },
    });
    return row;
  });
}

async function lockOrThrow(trx: Transaction<DB>, workflowId: string, version: number): Promise<ThresholdVersionRow> {
  const row = await lockVersion(trx, workflowId, version);
  if (!row) throw new AppError(404, 'not_found', 'No such threshold version.');
  return row;
}

function requireState(row: ThresholdVersionRow, state: ThresholdVersionRow['state'], verb: string): void {
  if (row.state !== state) {
    throw new AppError(409, 'conflict', `Version ${row.version} is ${row.state}; only a ${state} version can be ${verb}.`, {
      state: row.state,
    });
  }
}

export async function enqueuePush(trx: Transaction<DB>, row: ThresholdVersionRow): Promise<void> {
  // Transactional outbox; one queue per workflow so its versions reach Didit in approval order.
  await enqueue(trx, jobs.pushThresholdVersion, { versionId: row.id }, { queueName: thresholdPushQueue(row.workflow_id) });
}

export async function approveThresholds(
  db: Database,
  input: { workflowId: string; version: number; note?: string; actor: Actor; origin: RequestOrigin },
): Promise<ThresholdVersionRow> {
  const actor = personOf(input.actor);
  return db.transaction().execute(async (trx) => {
    const row = await lockOrThrow(trx, input.workflowId, input.version);
    requireState(row, 'proposed', 'approved');
    if (row.proposed_by === actor.id) {
      throw new AppError(403, 'forbidden', 'Four eyes: a proposal must be approved by a lead other than its proposer.');
    }
    const updated = await trx
      .updateTable('threshold_version')
      .set({
        state: 'approved',
        decided_by: actor.id,
        decided_by_label: actor.label,
        decided_at: new Date(),
        decision_note: input.note ?? null,
      })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueuePush(trx, updated);
    await appendAudit(trx, {
      actor,
      action: 'threshold.approved',
      targetType: 'workflow',
      targetId: row.workflow_id,
      ...input.origin,
      details: { version: row.version, thresholds: versionThresholds(row), proposedBy: row.proposed_by_label },
    });
    return updated;
  });
}

export async function closeProposal(
  db: Database,
  input: {
    workflowId: string;
    version: number;
    note?: string;
    actor: Actor;
    origin: RequestOrigin;
    as: 'rejected' | 'withdrawn';
  },
): Promise<ThresholdVersionRow> {
  const actor = personOf(input.actor);
  return db.transaction().execute(async (trx) => {
    const row = await lockOrThrow(trx, input.workflowId, input.version);
    requireState(row, 'proposed', input.as);
    const own = row.proposed_by === actor.id;
    if (input.as === 'withdrawn' && !own && actor.role !== 'admin') {
      throw new AppError(403, 'forbidden', 'Only the proposer (or an admin) can withdraw a proposal; other leads reject it.');
    }
    if (input.as === 'rejected' && own) {
      throw new AppError(403, 'forbidden', 'Withdraw your own proposal instead of rejecting it.');
    }
    const updated = await trx
      .updateTable('threshold_version')
      .set({
        state: input.as,
        decided_by: actor.id,
        decided_by_label: actor.label,
        decided_at: new Date(),
        decision_note: input.note ?? null,
      })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor,
      action: input.as === 'rejected' ? 'threshold.rejected' : 'threshold.withdrawn',
      targetType: 'workflow',
      targetId: row.workflow_id,
      ...input.origin,
      details: { version: row.version, note: input.note ?? null },
    });
    return updated;
  });
}

/** A failed push goes back to approved and is queued again. */
export async function retryPush(
  db: Database,
  input: { workflowId: string; version: number; actor: Actor; origin: RequestOrigin },
): Promise<ThresholdVersionRow> {
  const actor = personOf(input.actor);
  return db.transaction().execute(async (trx) => {
    const row = await lockOrThrow(trx, input.workflowId, input.version);
    requireState(row, 'failed', 'pushed again');
    const updated = await trx
      .updateTable('threshold_version')
      .set({ state: 'approved' })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueuePush(trx, updated);
    await appendAudit(trx, {
      actor,
      action: 'threshold.push_retried',
      targetType: 'workflow',
      targetId: row.workflow_id,
      ...input.origin,
      details: { version: row.version, lastError: row.push_error },
    });
    return updated;
  });
}

export function toVersionDto(
  row: ThresholdVersionRow,
  stats?: { sessions: number; reviewed: number; declined: number },
): ThresholdVersionDto {
  return {
    id: row.id,
    version: row.version,
    state: row.state,
    thresholds: versionThresholds(row),
    reason: row.reason,
    proposedBy: row.proposed_by_label,
    proposedById: row.proposed_by,
    proposedAt: row.proposed_at.toISOString(),
    decidedBy: row.decided_by_label,
    decidedAt: row.decided_at?.toISOString() ?? null,
    decisionNote: row.decision_note,
    pushAttempts: row.push_attempts,
    pushedAt: row.pushed_at?.toISOString() ?? null,
    pushError: row.push_error,
    appliedAt: row.applied_at?.toISOString() ?? null,
    diditVersion: row.didit_version,
    stats:
      row.applied_at && stats
        ? {
            sessions: stats.sessions,
            reviewRate: stats.sessions ? stats.reviewed / stats.sessions : null,
            declineRate: stats.sessions ? stats.declined / stats.sessions : null,
          }
        : row.applied_at
          ? { sessions: 0, reviewRate: null, declineRate: null }
          : null,
  };
}

function toWorkflowDto(workflow: WorkflowRow, applied: ThresholdVersionRow | undefined, openVersion: number | null): WorkflowDto {
  const didit = diditThresholds(workflow);
  const { drift } = workflow;
  return {
    id: workflow.id,
    label: workflow.label,
    type: workflow.workflow_type,
    hasFaceMatch: workflow.has_face_match,
    livenessMethod: workflow.liveness_method,
    slaMinutes: workflow.sla_minutes,
    viewersMayReveal: workflow.viewers_may_reveal,
    evidencePackImages: workflow.evidence_pack_images,
    autoAssign: workflow.auto_assign,
    secondReview: toSettings(workflow),
    current: applied ? versionThresholds(applied) : didit,
    currentVersion: applied?.version ?? null,
    didit,
    settingsForm: workflow.settings_form,
    diditVersion: workflow.didit_version,
    diditSettingsId: workflow.didit_settings_id,
    diditDraftVersion: workflow.didit_draft_version,
    drift:
      drift && workflow.drift_detected_at
        ? { detectedAt: workflow.drift_detected_at.toISOString(), didit: drift.didit, ours: drift.ours }
        : null,
    openProposal: openVersion,
    syncedAt: workflow.synced_at?.toISOString() ?? null,
  };
}

export async function listWorkflows(db: Database): Promise<WorkflowDto[]> {
  const [workflows, applied, open] = await Promise.all([listWorkflowRows(db), latestAppliedByWorkflow(db), openProposals(db)]);
  const appliedBy = new Map(applied.map((row) => [row.workflow_id, row]));
  const openBy = new Map(open.map((row) => [row.workflow_id, row.version]));
  return workflows.map((w) => toWorkflowDto(w, appliedBy.get(w.id), openBy.get(w.id) ?? null));
}

export async function workflowDetail(db: Database, id: string): Promise<WorkflowDetailDto> {
  const workflow = await requireWorkflow(db, id);
  const [versions, stats] = await Promise.all([listVersionRows(db, id), versionStats(db, id)]);
  const statsBy = new Map(stats.map((s) => [s.version_id, s]));
  const applied = [...versions]
    .filter((v) => v.applied_at)
    .sort((a, b) => (b.applied_at?.getTime() ?? 0) - (a.applied_at?.getTime() ?? 0) || b.version - a.version)[0];
  const open = versions.find((v) => v.state === 'proposed');
  return {
    ...toWorkflowDto(workflow, applied, open?.version ?? null),
    versions: versions.map((v) => toVersionDto(v, statsBy.get(v.id))),
  };
}
