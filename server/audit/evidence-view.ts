import type { Actor } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { appendAudit } from './audit.repository.ts';
import { hasRecentEvidenceView, lockEvidenceViewsOf } from './evidence-view.repository.ts';

/**
 * A person's look at a session's face is on the audit record (who, whose, when, from where):
 * `session.media_viewed`, once per person and session within a window, so reloading a page
 * does not flood the log while every new look is still there.
 */

/** Repeated views by the same person within this window are one "opening" in the audit log. */
export const EVIDENCE_VIEW_WINDOW_MINUTES = 10;

/**
 * Appends `session.media_viewed` unless this person has one for the session within the window;
 * `always`: a new entry regardless (new links minted for this person are a new look).
 */
export async function recordEvidenceView(
  db: Database,
  actor: Actor,
  sessionId: string,
  origin: RequestOrigin,
  { always = false, details }: { always?: boolean; details: Record<string, unknown> },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Two tabs opening the same session at once are still one look.
    await lockEvidenceViewsOf(trx, actor, sessionId);
    if (!always && (await hasRecentEvidenceView(trx, actor, sessionId, EVIDENCE_VIEW_WINDOW_MINUTES))) return;
    await appendAudit(trx, {
      actor,
      action: 'session.media_viewed',
      targetType: 'session',
      targetId: sessionId,
      details,
      ...origin,
    });
  });
}
