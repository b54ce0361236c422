import type { Actor } from '../auth/rbac.ts';
import type { AccessPurpose } from '../contract/privacy.ts';
import type { Database } from '../db/database.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { appendAudit } from './audit.repository.ts';
import { hasRecentEvidenceView, lockEvidenceViewsOf } from './evidence-view.repository.ts';

/**
 * A person's look at a session's face is on the audit record (who, which session, when, from
 * where, and why): `session.media_viewed`, written when they reveal the blurred faces
 * (`POST /api/sessions/:id/reveal`), not when the page opens. The entry never names the person
 * whose face it is (no `vendor_data`): the session id is the link, and it outlives retention.
 * Once per person, session and purpose within a window, so re-revealing does not flood the log
 * while every new look (or a look for another reason) is still there.
 */

/** Repeated reveals by the same person, of the same session, for the same purpose within this window are one entry. */
export const EVIDENCE_VIEW_WINDOW_MINUTES = 10;

/** What the reveal says about itself: why (when the session was not theirs) and whether they held it. */
export interface EvidenceLook {
  purpose: AccessPurpose | null;
  purposeNote: string | null;
  /** The session is claimed by this person (claimed, or handed to them by claim-next). */
  claimed: boolean;
}

/**
 * Appends `session.media_viewed` with the look's purpose unless this person has one for the
 * session with the same purpose within the window. Returns whether an entry was written.
 */
export async function recordEvidenceView(
  db: Database,
  actor: Actor,
  sessionId: string,
  origin: RequestOrigin,
  look: EvidenceLook,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Two tabs revealing the same session at once are still one look.
    await lockEvidenceViewsOf(trx, actor, sessionId);
    if (await hasRecentEvidenceView(trx, actor, sessionId, look, EVIDENCE_VIEW_WINDOW_MINUTES)) return false;
    await appendAudit(trx, {
      actor,
      action: 'session.media_viewed',
      targetType: 'session',
      targetId: sessionId,
      details: { purpose: look.purpose, purposeNote: look.purposeNote, claimed: look.claimed },
      ...origin,
    });
    return true;
  });
}
