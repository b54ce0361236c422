import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import type { DB } from '../db/schema.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { isClaimActive, lockOrThrow } from './claims.ts';
import { insertReviewEvent, touchClaim } from './review.repository.ts';
import type { ReviewDeps } from './review-deps.ts';

/** Notes on a session, bound to the transaction they are written in. */
export function notes(trx: Transaction<DB>, { settings }: ReviewDeps) {
  async function addNote(id: string, actor: Actor, note: string, origin: RequestOrigin): Promise<void> {
    const session = await lockOrThrow(trx, id);
    await insertReviewEvent(trx, {
      sessionId: id,
      kind: 'note',
      actorId: actor.kind === 'user' ? actor.id : null,
      actorLabel: actor.label,
      note,
      sessionVersion: session.version,
    });
    // Writing a note is activity: it keeps the writer's claim alive.
    if (actor.kind === 'user' && session.claimed_by === actor.id && isClaimActive(session, settings.claimIdleMinutes)) {
      await touchClaim(trx, id);
    }
    await appendAudit(trx, { actor, action: 'session.noted', targetType: 'session', targetId: id, ...origin });
  }

  return { addNote };
}
