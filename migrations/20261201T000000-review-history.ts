import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Queue history for the insights page (issue 18). `verification_session` holds only the present:
 * when a session leaves review its `in_review_since` is gone. From now on:
 * - `review_interval`: one row per stay In Review (entered, left, and the status it left for),
 *   written in the transaction that applies the status change (`applySessionState`);
 * - `review_event.in_review_since` and `review_event.from_status`: on an analyst's decision, when
 *   the session had entered review and what status it was deciding from (an override of Didit's
 *   automatic verdict decides from Approved or Declined).
 * Existing history is rebuilt from the status changes in the webhook inbox and the sessions in
 * review now; decisions already recorded get the stay they fell in.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table review_interval (
    id bigint generated always as identity primary key,
    session_id uuid not null references verification_session (id) on delete cascade,
    workflow_id uuid references workflow (id),
    entered_at timestamptz not null,
    left_at timestamptz,
    left_status text,
    check (left_at is null or left_at >= entered_at)
  )`.execute(db);
  await sql`create unique index review_interval_open_idx on review_interval (session_id) where left_at is null`.execute(db);
  await sql`create index review_interval_session_idx on review_interval (session_id, entered_at)`.execute(db);
  await sql`create index review_interval_entered_idx on review_interval (entered_at) include (workflow_id, left_at)`.execute(db);
  await sql`create index review_interval_left_idx on review_interval (left_at) include (workflow_id, entered_at) where left_at is not null`.execute(
    db,
  );

  // Rates per threshold version (the workflow page and insights) count sessions by workflow and
  // decision time: an index-only scan instead of the whole table.
  await sql`create index verification_session_version_stats_idx
              on verification_session (workflow_id, (coalesce(decided_at, in_review_since)))
              include (status, decision_source, decided_at, in_review_since)
              where status in ('Approved', 'Declined', 'In Review')`.execute(db);
  // Users Didit declined for an attack (insights' contradicted approvals); keep in step with
  // ATTACK_RISKS (server/contract/insights.ts).
  await sql`create index verification_session_attacked_idx on verification_session (vendor_data)
              include (didit_created_at, first_seen_at)
              where status = 'Declined' and vendor_data is not null
                and warning_codes && array['LIVENESS_FACE_ATTACK', 'FACE_IN_BLOCKLIST']::text[]`.execute(db);

  await sql`alter table review_event add column in_review_since timestamptz, add column from_status text`.execute(db);
  await sql`create index review_event_decision_idx on review_event (created_at) include (session_id, actor_id, kind)
             where kind in ('approve', 'decline')`.execute(db);

  // Stays In Review from the statuses Didit sent (changes only, in event order).
  await sql`
    with statuses as (
      select session_id, event_timestamp as at, status, id,
             lag(status) over (partition by session_id order by event_timestamp, id) as previous
        from webhook_event
       where session_id is not null and status is not null and processed_at is not null
    ), changes as (
      select session_id, at, status,
             lead(at) over (partition by session_id order by at, id) as next_at,
             lead(status) over (partition by session_id order by at, id) as next_status
        from statuses
       where previous is distinct from status
    )
    insert into review_interval (session_id, workflow_id, entered_at, left_at, left_status)
    select c.session_id, vs.workflow_id, c.at, c.next_at, c.next_status
      from changes c
      join verification_session vs on vs.id = c.session_id
     where c.status = 'In Review'`.execute(db);
  // A stay the inbox saw begin but not end, on a session that has left review since.
  await sql`
    update review_interval ri
       set left_at = greatest(ri.entered_at, coalesce(vs.decided_at, vs.event_at, vs.updated_at)), left_status = vs.status
      from verification_session vs
     where vs.id = ri.session_id and ri.left_at is null and vs.status <> 'In Review'`.execute(db);
  // Sessions in review now that the inbox never showed entering it (synced by reconciliation).
  await sql`
    insert into review_interval (session_id, workflow_id, entered_at)
    select vs.id, vs.workflow_id, coalesce(vs.in_review_since, vs.first_seen_at)
      from verification_session vs
     where vs.status = 'In Review'
       and not exists (select 1 from review_interval ri where ri.session_id = vs.id and ri.left_at is null)`.execute(db);

  // Decisions already recorded: the stay they fell in, if one is known.
  await sql`
    update review_event e
       set in_review_since = ri.entered_at, from_status = 'In Review'
      from review_interval ri
     where e.kind in ('approve', 'decline')
       and ri.session_id = e.session_id
       and ri.entered_at <= e.created_at
       and (ri.left_at is null or ri.left_at >= e.created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index verification_session_attacked_idx`.execute(db);
  await sql`drop index verification_session_version_stats_idx`.execute(db);
  await sql`drop index review_event_decision_idx`.execute(db);
  await sql`alter table review_event drop column in_review_since, drop column from_status`.execute(db);
  await sql`drop table review_interval`.execute(db);
}
