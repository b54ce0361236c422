import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Saved queue views (issue 20): a person's named filter sets for the queue, which a lead may share
 * with the team.
 *
 * - `owner_id`: the person (`app_user.id`; API tokens own no views). Their views go with them.
 * - `filters`: the queue's query without a page position, as the contract's
 *   `savedViewFiltersSchema` stores it (only the values that differ from the queue's defaults).
 * - `shared_by_id` / `shared_at`: who shared the view with the team and when, while `shared`.
 * - A name is unique per owner regardless of case ("Morning" and "morning" would be one view to
 *   the eye); names of different owners may repeat (a shared view is shown with its owner).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('saved_queue_view')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('owner_id', 'uuid', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('name', 'text', (col) => col.notNull().check(sql`length(name) between 1 and 80 and name = btrim(name)`))
    .addColumn('filters', 'jsonb', (col) => col.notNull().check(sql`jsonb_typeof(filters) = 'object'`))
    .addColumn('shared', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('shared_by_id', 'uuid', (col) => col.references('app_user.id').onDelete('set null'))
    .addColumn('shared_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('saved_queue_view_shared_at_check', sql`shared = (shared_at is not null)`)
    .execute();
  await sql`create unique index saved_queue_view_owner_name_key on saved_queue_view (owner_id, lower(name))`.execute(db);
  // The team's list: every shared view, whoever owns it.
  await sql`create index saved_queue_view_shared_idx on saved_queue_view (shared_at) where shared`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('saved_queue_view').execute();
}
