import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Leases instead of locks held across a call to Didit (issue 16). Work that asks Didit first
 * claims a lease and commits, calls Didit with no transaction open, then applies the answer in
 * a short transaction and gives the lease back. A lease names its holder and expires, so other
 * replicas skip (or wait for) live work, and take over the work of one that crashed.
 *
 * - `sync_cursor`: a reconciliation walk's page step leases its cursor row.
 * - `media_refresh_lease`: one refresh of a session's media links at a time, across replicas.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_cursor add column lease_owner text, add column leased_until timestamptz`.execute(db);
  await sql`create table media_refresh_lease (
      session_id uuid primary key,
      lease_owner text not null,
      leased_until timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table media_refresh_lease`.execute(db);
  await sql`alter table sync_cursor drop column leased_until, drop column lease_owner`.execute(db);
}
