import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import type { AutoAssignResponse, MyAvailability, TeamAvailability, TeamMember } from '../contract/assignment.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import {
  assignSession,
  findTeamMember,
  listTeam,
  lockAssignmentCandidates,
  lockAvailableAnalysts,
  setAvailable,
  setCap,
  unassignUnclaimed,
  type TeamRow,
} from './assignment.repository.ts';
import type { ReviewSettings } from './review-deps.ts';
import { addBusinessMinutes, DEFAULT_SLA_SETTINGS } from './sla.ts';

/**
 * Assignment (issue 20, ADR 0020). An assignment is not a claim: it says whose a session is to
 * take first. The worker assigns the oldest unassigned In Review sessions of auto-assign
 * workflows to the available analyst with the fewest open assigned sessions, under their cap.
 * Becoming unavailable hands back one's unclaimed assignments. Everything is audited.
 */

export const DEFAULT_ASSIGNMENT_CAP = 5;
/** Sessions assigned per run at most; the next minute's run takes the rest. */
const ASSIGN_BATCH = 200;

type Settings = Pick<ReviewSettings, 'claimIdleMinutes' | 'sla' | 'assignmentCap'>;

function capOf(row: Pick<TeamRow, 'max_assigned'>, settings: Settings): number {
  return row.max_assigned ?? settings.assignmentCap ?? DEFAULT_ASSIGNMENT_CAP;
}

export interface AssignmentRun {
  assigned: { sessionId: string; userId: string }[];
}

/**
 * One run of the assigner, in the caller's transaction. Analysts' rows are locked first (so
 * concurrent runs count load one after the other), then the candidate sessions with SKIP LOCKED.
 */
export async function assignOpenSessions(
  trx: Transaction<DB>,
  settings: Settings,
  now: Date,
  trigger: 'schedule' | 'availability' | 'workflow' = 'schedule',
): Promise<AssignmentRun> {
  const analysts = await lockAvailableAnalysts(trx);
  const load = analysts.map((row) => ({ row, cap: capOf(row, settings), assigned: row.assigned }));
  if (!load.some((entry) => entry.assigned < entry.cap)) return { assigned: [] };
  const candidates = await lockAssignmentCandidates(trx, settings.claimIdleMinutes, ASSIGN_BATCH);
  const assigned: AssignmentRun['assigned'] = [];
  for (const session of candidates) {
    // Least loaded first; among equals, the one who has been available longest, then by id.
    const pick = load
      .filter((entry) => entry.assigned < entry.cap)
      .sort(
        (a, b) =>
          a.assigned - b.assigned ||
          (a.row.changed_at?.getTime() ?? 0) - (b.row.changed_at?.getTime() ?? 0) ||
          a.row.user_id.localeCompare(b.row.user_id),
      )[0];
    if (!pick) break;
    const dueAt = addBusinessMinutes(
      session.in_review_since,
      session.sla_minutes,
      (settings.sla ?? DEFAULT_SLA_SETTINGS).businessHours,
    );
    await assignSession(trx, { sessionId: session.id, userId: pick.row.user_id, at: now, dueAt });
    await appendAudit(trx, {
      actor: null,
      action: 'session.assigned',
      targetType: 'session',
      targetId: session.id,
      details: { assignedTo: pick.row.user_id, assignee: pick.row.label, slaDueAt: dueAt.toISOString(), trigger },
    });
    pick.assigned += 1;
    assigned.push({ sessionId: session.id, userId: pick.row.user_id });
  }
  return { assigned };
}

function requirePerson(actor: Actor): string {
  if (actor.kind !== 'user') throw new AppError(403, 'forbidden', 'Availability belongs to people; API tokens have none.');
  return actor.id;
}

function toMember(row: TeamRow, settings: Settings): TeamMember {
  const role = row.roles.includes('admin') ? 'admin' : row.roles.includes('lead') ? 'lead' : 'analyst';
  return {
    userId: row.user_id,
    label: row.label,
    role,
    available: row.available,
    changedAt: row.changed_at?.toISOString() ?? null,
    assigned: row.assigned,
    cap: capOf(row, settings),
    customCap: row.max_assigned !== null,
  };
}

/** The caller's availability, cap and open assigned sessions. */
export async function myAvailability(db: Database | Transaction<DB>, actor: Actor, settings: Settings): Promise<MyAvailability> {
  const userId = requirePerson(actor);
  const row = await findTeamMember(db, userId);
  if (!row) throw new AppError(404, 'not_found', 'No such person.');
  return {
    available: row.available,
    changedAt: row.changed_at?.toISOString() ?? null,
    cap: capOf(row, settings),
    assigned: row.assigned,
  };
}

/**
 * Marks the caller available or not (audited `analyst.availability_changed` when it changes).
 * Becoming unavailable hands back the assignments they hold no claim on, each audited
 * `session.unassigned`; the caller's route queues an assigner run either way.
 */
export async function changeAvailability(
  trx: Transaction<DB>,
  actor: Actor,
  available: boolean,
  settings: Settings,
  origin: RequestOrigin,
  now: Date,
): Promise<MyAvailability> {
  const userId = requirePerson(actor);
  const before = await setAvailable(trx, userId, available, now);
  let released: string[] = [];
  if (!available) {
    released = await unassignUnclaimed(trx, userId, settings.claimIdleMinutes);
    for (const sessionId of released) {
      await appendAudit(trx, {
        actor,
        action: 'session.unassigned',
        targetType: 'session',
        targetId: sessionId,
        ...origin,
        details: { from: userId, reason: 'unavailable' },
      });
    }
  }
  if (before !== available) {
    await appendAudit(trx, {
      actor,
      action: 'analyst.availability_changed',
      targetType: 'user',
      targetId: userId,
      ...origin,
      details: { from: before, to: available, released: released.length },
    });
  }
  return { ...(await myAvailability(trx, actor, settings)), released: released.length };
}

/** Who may take assigned work, available or not, with their load and cap (for leads). */
export async function teamAvailability(db: Database, settings: Settings): Promise<TeamAvailability> {
  const rows = await listTeam(db);
  return { items: rows.map((row) => toMember(row, settings)), defaultCap: settings.assignmentCap ?? DEFAULT_ASSIGNMENT_CAP };
}

/** A lead sets a person's cap (null: ASSIGNMENT_CAP); audited `analyst.cap_changed` when it changes. 404 for someone who takes no assigned work. */
export async function changeCap(
  trx: Transaction<DB>,
  actor: Actor,
  userId: string,
  maxAssigned: number | null,
  settings: Settings,
  origin: RequestOrigin,
): Promise<TeamMember> {
  const member = await findTeamMember(trx, userId);
  if (!member || !member.roles.some((role) => role === 'analyst' || role === 'lead' || role === 'admin')) {
    throw new AppError(404, 'not_found', `No analyst or lead ${userId}.`);
  }
  const before = await setCap(trx, userId, maxAssigned);
  if (before !== maxAssigned) {
    await appendAudit(trx, {
      actor,
      action: 'analyst.cap_changed',
      targetType: 'user',
      targetId: userId,
      ...origin,
      details: { from: before, to: maxAssigned },
    });
  }
  return toMember((await findTeamMember(trx, userId))!, settings);
}

/** Turns auto-assignment of a workflow's new In Review sessions on or off; audited `workflow.auto_assign_changed`. */
export async function changeAutoAssign(
  trx: Transaction<DB>,
  actor: Actor,
  workflowId: string,
  autoAssign: boolean,
  origin: RequestOrigin,
): Promise<AutoAssignResponse> {
  const before = await trx
    .selectFrom('workflow')
    .select('auto_assign')
    .where('id', '=', workflowId)
    .forUpdate()
    .executeTakeFirst();
  if (!before) throw new AppError(404, 'not_found', `No workflow ${workflowId} is known to the console.`);
  const row = await trx
    .updateTable('workflow')
    .set({ auto_assign: autoAssign, updated_at: new Date() })
    .where('id', '=', workflowId)
    .returning(['id', 'label', 'auto_assign'])
    .executeTakeFirstOrThrow();
  if (before.auto_assign !== autoAssign) {
    await appendAudit(trx, {
      actor,
      action: 'workflow.auto_assign_changed',
      targetType: 'workflow',
      targetId: workflowId,
      ...origin,
      details: { from: before.auto_assign, to: autoAssign },
    });
  }
  return { id: row.id, label: row.label, autoAssign: row.auto_assign };
}
