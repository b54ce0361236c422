import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Assignment and SLAs (issue 20, ADR 0020).
 *
 * - `analyst_availability`: one row per person who said whether they take assigned work
 *   (`available`), when they last changed it, and their cap of open assigned sessions
 *   (`max_assigned`; null: ASSIGNMENT_CAP). No row means not available.
 * - `verification_session.assigned_to` / `assigned_at`: whose the session is to take first (not a
 *   claim: nobody holds it until they claim it). `assignment_due_at`: the session's SLA due time
 *   when it was assigned, so "claim next" can let others take an assigned session once it is
 *   past due without recomputing business hours in SQL.
 * - `workflow.auto_assign`: whether new In Review sessions of the workflow are assigned by the
 *   worker (default no).
 *
 * Business hours and the SLA at-risk share are configuration (SLA_BUSINESS_HOURS,
 * SLA_AT_RISK_PERCENT), the SLA target is the existing `workflow.sla_minutes`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('analyst_availability')
    .addColumn('user_id', 'uuid', (col) => col.primaryKey().references('app_user.id').onDelete('cascade'))
    .addColumn('available', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('max_assigned', 'integer', (col) => col.check(sql`max_assigned between 0 and 1000`))
    .addColumn('changed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .alterTable('verification_session')
    .addColumn('assigned_to', 'uuid', (col) => col.references('app_user.id').onDelete('set null'))
    .addColumn('assigned_at', 'timestamptz')
    .addColumn('assignment_due_at', 'timestamptz')
    .execute();
  // Each analyst's open assignments are counted on every run of the assigner.
  await sql`create index verification_session_assigned_to_idx
              on verification_session (assigned_to)
           where assigned_to is not null and status = 'In Review'`.execute(db);

  await db.schema
    .alterTable('workflow')
    .addColumn('auto_assign', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workflow').dropColumn('auto_assign').execute();
  await sql`drop index if exists verification_session_assigned_to_idx`.execute(db);
  await db.schema
    .alterTable('verification_session')
    .dropColumn('assignment_due_at')
    .dropColumn('assigned_at')
    .dropColumn('assigned_to')
    .execute();
  await db.schema.dropTable('analyst_availability').execute();
}
