import { sql, type SqlBool, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

/** Assignment's SQL (ADR 0020): candidates, the team's load, and the writes. */

/** Roles that take assigned work. */
const ASSIGNABLE_ROLES = ['analyst', 'lead'];

/**
 * Still waiting for an analyst, as the queue counts it: In Review, not decided here, not erased,
 * not escalated to the leads. Written over `verification_session` without an alias.
 */
const openForReview = sql<SqlBool>`verification_session.status = 'In Review'
  and (verification_session.review_push_state is null or verification_session.review_push_state = 'failed')
  and verification_session.personal_data_removal is distinct from 'erasure'
  and verification_session.escalated_at is null`;

export interface AssignmentCandidate {
  id: string;
  in_review_since: Date;
  sla_minutes: number;
}

/**
 * The oldest unassigned, unclaimed sessions of auto-assign workflows, locked; rows another
 * transaction holds (a claim in progress, another assigner) are skipped, not waited for.
 */
export async function lockAssignmentCandidates(
  trx: Transaction<DB>,
  claimIdleMinutes: number,
  limit: number,
): Promise<AssignmentCandidate[]> {
  const { rows } = await sql<AssignmentCandidate>`
    select verification_session.id,
           coalesce(verification_session.in_review_since, verification_session.first_seen_at) as in_review_since,
           workflow.sla_minutes
      from verification_session
      join workflow on workflow.id = verification_session.workflow_id
     where workflow.auto_assign
       and verification_session.assigned_to is null
       and ${openForReview}
       and not (verification_session.claimed_by is not null
                and verification_session.claim_touched_at > now() - make_interval(mins => ${claimIdleMinutes}))
     order by coalesce(verification_session.in_review_since, verification_session.first_seen_at), verification_session.id
     limit ${limit}
       for update of verification_session skip locked`.execute(trx);
  return rows;
}

export interface TeamRow {
  user_id: string;
  label: string;
  roles: string[];
  available: boolean;
  max_assigned: number | null;
  changed_at: Date | null;
  assigned: number;
}

function teamQuery(db: Database | Transaction<DB>) {
  return db
    .selectFrom('app_user')
    .leftJoin('analyst_availability', 'analyst_availability.user_id', 'app_user.id')
    .select((eb) => [
      'app_user.id as user_id',
      sql<string>`coalesce(app_user.email, app_user.display_name, app_user.subject)`.as('label'),
      sql<string[]>`to_json(app_user.roles)`.as('roles'),
      sql<boolean>`coalesce(analyst_availability.available, false)`.as('available'),
      'analyst_availability.max_assigned',
      'analyst_availability.changed_at',
      eb
        .selectFrom('verification_session')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('verification_session.assigned_to', '=', 'app_user.id')
        .where(openForReview)
        .as('assigned'),
    ]);
}

/**
 * Available analysts and leads with their open assigned sessions, their availability rows locked
 * so two assigners count each person's load one after the other (no one goes over their cap).
 */
export async function lockAvailableAnalysts(trx: Transaction<DB>): Promise<TeamRow[]> {
  // Lock first, count after, in a statement of its own: a statement that waited for a lock still
  // reads the rest of the data as it was when it began (READ COMMITTED), so counting in the
  // locking statement would miss what the run it waited for assigned.
  await trx
    .selectFrom('analyst_availability')
    .select('user_id')
    .where('available', '=', true)
    .orderBy('user_id')
    .forUpdate()
    .execute();
  const rows = await teamQuery(trx)
    .where('analyst_availability.available', '=', true)
    .where(sql<SqlBool>`app_user.roles && ${ASSIGNABLE_ROLES}::text[]`)
    .orderBy('app_user.id')
    .execute();
  return rows.map((row) => ({ ...row, assigned: row.assigned ?? 0 }));
}

/** Everyone who may take assigned work (analysts, leads, admins), available or not, by label. */
export async function listTeam(db: Database | Transaction<DB>): Promise<TeamRow[]> {
  const rows = await teamQuery(db)
    .where(sql<SqlBool>`app_user.roles && ${[...ASSIGNABLE_ROLES, 'admin']}::text[]`)
    .orderBy('label')
    .execute();
  return rows.map((row) => ({ ...row, assigned: row.assigned ?? 0 }));
}

export async function findTeamMember(db: Database | Transaction<DB>, userId: string): Promise<TeamRow | undefined> {
  const row = await teamQuery(db).where('app_user.id', '=', userId).executeTakeFirst();
  return row ? { ...row, assigned: row.assigned ?? 0 } : undefined;
}

export async function assignSession(
  trx: Transaction<DB>,
  input: { sessionId: string; userId: string; at: Date; dueAt: Date },
): Promise<void> {
  await trx
    .updateTable('verification_session')
    .set({ assigned_to: input.userId, assigned_at: input.at, assignment_due_at: input.dueAt })
    .where('id', '=', input.sessionId)
    .execute();
}

/**
 * Hands back a person's open assignments that they do not hold a claim on (the ones they are
 * working on stay theirs); returns the sessions handed back.
 */
export async function unassignUnclaimed(trx: Transaction<DB>, userId: string, claimIdleMinutes: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    update verification_session
       set assigned_to = null, assigned_at = null, assignment_due_at = null
     where assigned_to = ${userId}
       and ${openForReview}
       and not (verification_session.claimed_by is not distinct from ${userId}::uuid
                and verification_session.claim_touched_at > now() - make_interval(mins => ${claimIdleMinutes}))
    returning id`.execute(trx);
  return rows.map((row) => row.id).sort();
}

/** Upserts a person's availability row (locking it); returns the previous availability (false when there was no row). */
export async function setAvailable(trx: Transaction<DB>, userId: string, available: boolean, at: Date): Promise<boolean> {
  const before = await trx
    .selectFrom('analyst_availability')
    .select('available')
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  await trx
    .insertInto('analyst_availability')
    .values({ user_id: userId, available, changed_at: at })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ available, changed_at: before?.available === available ? sql`analyst_availability.changed_at` : at }),
    )
    .execute();
  return before?.available ?? false;
}

/** Sets a person's cap (null: ASSIGNMENT_CAP); returns the previous one. */
export async function setCap(trx: Transaction<DB>, userId: string, maxAssigned: number | null): Promise<number | null> {
  const before = await trx
    .selectFrom('analyst_availability')
    .select('max_assigned')
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  await trx
    .insertInto('analyst_availability')
    .values({ user_id: userId, max_assigned: maxAssigned })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ max_assigned: maxAssigned }))
    .execute();
  return before?.max_assigned ?? null;
}

/**
 * Someone other than the assignee claimed the session (past its SLA, or the assignee away, or
 * opened directly): the assignment ends, so it no longer counts against the assignee's cap.
 * Returns the former assignee, if there was one. The session row is already locked by the claim.
 */
export async function endAssignmentOnClaim(
  trx: Transaction<DB>,
  sessionId: string,
  claimerId: string,
): Promise<string | undefined> {
  const row = await trx.selectFrom('verification_session').select('assigned_to').where('id', '=', sessionId).executeTakeFirst();
  if (!row?.assigned_to || row.assigned_to === claimerId) return undefined;
  await trx
    .updateTable('verification_session')
    .set({ assigned_to: null, assigned_at: null, assignment_due_at: null })
    .where('id', '=', sessionId)
    .execute();
  return row.assigned_to;
}
