import { can, type Actor } from '../auth/rbac.ts';
import type { Escalation } from '../contract/escalation.ts';
import { AppError } from '../errors.ts';

/**
 * Who may touch an escalated session, and how the escalation reads on the session page. Pure
 * rules with no queries, so claims, decisions and the session page use them without importing the
 * escalation service (escalation.ts), which builds on claims.
 */

interface EscalationState {
  status: string;
  escalated_at: Date | null;
  escalation_event_id: number | null;
}

/**
 * Whether an escalation is in force: recorded, and the session still In Review. One Didit decided
 * meanwhile (outside the console) has nothing left for a lead to settle here.
 */
export function isEscalated(session: EscalationState): boolean {
  return session.escalated_at !== null && session.status === 'In Review';
}

/** Whether this actor may claim and decide the session as it is: anyone who may, unless it is escalated and they are no lead. */
export function mayHandle(session: EscalationState, actor: Actor): boolean {
  return !isEscalated(session) || can(actor.role, 'escalation.handle');
}

/**
 * Refuses an analyst's claim or decision on an escalated session: 403 `forbidden` with
 * `details.reason = "escalated"`. Only leads and admins (`escalation.handle`) work it now.
 */
export function requireMayHandle(session: EscalationState, actor: Actor, action: 'claim' | 'decide'): void {
  if (mayHandle(session, actor)) return;
  throw new AppError(
    403,
    'forbidden',
    `This session is escalated to a lead: only leads and admins can ${action} it until a lead returns it to the queue.`,
    { reason: 'escalated' },
  );
}

/** The escalation in force as the session page shows it, from the session and its review events. */
export function escalationOf(
  session: EscalationState,
  events: readonly { id: number; actor_label: string; note: string | null }[],
): Escalation | null {
  if (!isEscalated(session) || session.escalated_at === null) return null;
  const event = events.find((candidate) => candidate.id === session.escalation_event_id);
  return { at: session.escalated_at.toISOString(), by: event?.actor_label ?? 'unknown', note: event?.note ?? null };
}

/**
 * What the session page offers: escalate (a person who may decide an In Review session nobody
 * else holds, not escalated, not decided), and return to the queue (leads, on an escalated one).
 */
export function escalationAllowed(
  session: EscalationState & { review_push_state: string | null },
  actor: Actor,
  { erased, claimedByOther }: { erased: boolean; claimedByOther: boolean },
): { escalate: boolean; deEscalate: boolean } {
  const decided = session.review_push_state !== null && session.review_push_state !== 'failed';
  return {
    escalate:
      !erased &&
      actor.kind === 'user' &&
      can(actor.role, 'session.escalate') &&
      session.status === 'In Review' &&
      !isEscalated(session) &&
      !decided &&
      !claimedByOther,
    deEscalate: !erased && isEscalated(session) && can(actor.role, 'escalation.handle'),
  };
}
