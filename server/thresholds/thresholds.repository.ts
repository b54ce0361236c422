import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, ThresholdVersionTable, WorkflowTable } from '../db/schema.ts';

/** Kysely queries of threshold tuning. Functions that lock rows take a `Transaction<DB>`. */

export type WorkflowRow = Selectable<WorkflowTable>;
export type ThresholdVersionRow = Selectable<ThresholdVersionTable>;

export function findWorkflow(db: Database | Transaction<DB>, id: string): Promise<WorkflowRow | undefined> {
  return db.selectFrom('workflow').selectAll().where('id', '=', id).executeTakeFirst();
}

export function lockWorkflow(trx: Transaction<DB>, id: string): Promise<WorkflowRow | undefined> {
  return trx.selectFrom('workflow').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function listWorkflowRows(db: Database): Promise<WorkflowRow[]> {
  return db
    .selectFrom('workflow')
    .selectAll()
    .orderBy(sql`coalesce(label, '')`)
    .orderBy('id')
    .execute();
}

export function listVersionRows(db: Database | Transaction<DB>, workflowId: string): Promise<ThresholdVersionRow[]> {
  return db
    .selectFrom('threshold_version')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('version', 'desc')
    .execute();
}

/** The version in force now: the latest applied one. */
export function latestAppliedVersion(
  db: Database | Transaction<DB>,
  workflowId: string,
): Promise<ThresholdVersionRow | undefined> {
  return db
    .selectFrom('threshold_version')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('applied_at', 'is not', null)
    .orderBy('applied_at', 'desc')
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function latestAppliedByWorkflow(db: Database): Promise<ThresholdVersionRow[]> {
  return db
    .selectFrom('threshold_version')
    .selectAll()
    .distinctOn('workflow_id')
    .where('applied_at', 'is not', null)
    .orderBy('workflow_id')
    .orderBy('applied_at', 'desc')
    .orderBy('version', 'desc')
    .execute();
}

export function openProposals(db: Database): Promise<{ workflow_id: string; version: number }[]> {
  return db.selectFrom('threshold_version').select(['workflow_id', 'version']).where('state', '=', 'proposed').execute();
}

export function lockVersion(trx: Transaction<DB>, workflowId: string, version: number): Promise<ThresholdVersionRow | undefined> {
  return trx
    .selectFrom('threshold_version')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('version', '=', version)
    .forUpdate()
    .executeTakeFirst();
}

export async function nextVersionNumber(trx: Transaction<DB>, workflowId: string): Promise<number> {
  const row = await trx
    .selectFrom('threshold_version')
    .select((eb) => eb.fn.max('version').as('max'))
    .where('workflow_id', '=', workflowId)
    .executeTakeFirst();
  return (row?.max ?? 0) + 1;
}

export interface VersionStats {
  version_id: number;
  sessions: number;
  reviewed: number;
  declined: number;
}

/**
 * Per applied version: sessions decided (or sent to review) from its applied_at until the next
 * applied version's, with how many went to review and how many ended Declined.
 */
export async function versionStats(db: Database, workflowId: string): Promise<VersionStats[]> {
  // One count per version over `verification_session_version_stats_idx` (an index-only scan of
  // the workflow's sessions in the version's time span), not a join over the whole table.
  const result = await sql<VersionStats>`
    with v as (
      select id, applied_at,
             lead(applied_at) over (order by applied_at, version) as until
        from threshold_version
       where workflow_id = ${workflowId} and applied_at is not null
    )
    select v.id as version_id, c.sessions, c.reviewed, c.declined
      from v
     cross join lateral (
       select count(*)::int as sessions,
              (count(*) filter (where vs.status = 'In Review' or vs.decision_source in ('console', 'outside')))::int as reviewed,
              (count(*) filter (where vs.status = 'Declined'))::int as declined
         from verification_session vs
        where vs.workflow_id = ${workflowId}
          and vs.status in ('Approved', 'Declined', 'In Review')
          and coalesce(vs.decided_at, vs.in_review_since) >= v.applied_at
          and coalesce(vs.decided_at, vs.in_review_since) < coalesce(v.until, 'infinity')
     ) c`.execute(db);
  return result.rows;
}

/**
 * Sessions decided at or after `appliedAt` that were recorded under an older version (or none):
 * Didit decided them under this one. Closes the gap between Didit applying a PATCH and our
 * read-back marking it applied.
 */
export async function stampSessionsWithVersion(
  db: Database | Transaction<DB>,
  workflowId: string,
  versionId: number,
  appliedAt: Date,
): Promise<number> {
  const result = await db
    .updateTable('verification_session')
    .set({ threshold_version_id: versionId })
    .where('workflow_id', '=', workflowId)
    .where('decided_at', '>=', appliedAt)
    .where((eb) => eb.or([eb('threshold_version_id', 'is', null), eb('threshold_version_id', '<', versionId)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
