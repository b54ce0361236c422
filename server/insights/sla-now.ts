import { sql, type Kysely, type SqlBool } from 'kysely';
import { DEFAULT_SLA_MINUTES } from '../contract/review.ts';
import type { DB } from '../db/schema.ts';
import { slaClock, type SlaSettings } from '../review/sla.ts';

export interface SlaNowRow {
  workflowId: string | null;
  /** Waiting for an analyst now. */
  open: number;
  atRisk: number;
  breached: number;
}

/**
 * Sessions waiting for an analyst now, per workflow, with how many are at risk of breaching their
 * SLA and how many breached it (business hours, review/sla.ts; ADR 0020). Business minutes are
 * counted here rather than in SQL: the open queue is small (what the team has not decided yet).
 */
export async function slaNowByWorkflow(
  db: Kysely<DB>,
  workflowId: string | null,
  now: Date,
  settings: SlaSettings,
): Promise<SlaNowRow[]> {
  const rows = await db
    .selectFrom('verification_session')
    .leftJoin('workflow', 'workflow.id', 'verification_session.workflow_id')
    .select(['verification_session.workflow_id', 'verification_session.in_review_since', 'workflow.sla_minutes'])
    .where('verification_session.status', '=', 'In Review')
    .where('verification_session.in_review_since', 'is not', null)
    .where(
      sql<SqlBool>`(verification_session.review_push_state is null or verification_session.review_push_state = 'failed')
        and verification_session.personal_data_removal is distinct from 'erasure'`,
    )
    .$if(workflowId !== null, (qb) => qb.where('verification_session.workflow_id', '=', workflowId!))
    .execute();
  const byWorkflow = new Map<string | null, SlaNowRow>();
  for (const row of rows) {
    const entry = byWorkflow.get(row.workflow_id) ?? { workflowId: row.workflow_id, open: 0, atRisk: 0, breached: 0 };
    byWorkflow.set(row.workflow_id, entry);
    entry.open += 1;
    const { state } = slaClock(row.in_review_since!, row.sla_minutes ?? DEFAULT_SLA_MINUTES, now, settings);
    if (state === 'at_risk') entry.atRisk += 1;
    if (state === 'breached') entry.breached += 1;
  }
  return [...byWorkflow.values()].sort((a, b) => (a.workflowId ?? '').localeCompare(b.workflowId ?? ''));
}
