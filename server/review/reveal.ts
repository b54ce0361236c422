import { recordEvidenceView } from '../audit/evidence-view.ts';
import type { Actor } from '../auth/rbac.ts';
import type { RevealRequest, RevealResponse, SessionDetail } from '../contract/review.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { facesHidden, hasLinks, withinMediaOrigins } from './media-view.ts';

/**
 * Revealing a session's faces (issue 19, ADR 0016). The page shows the images blurred; the
 * person unblurs them with `v` or a button, and that reveal, not the page open, is the look the
 * audit trail records (`session.media_viewed`). Someone looking at a session that is not theirs
 * (not claimed by them: opened from a search or a link) says why first: a purpose of access from
 * a fixed list, with a note for "other", kept in the entry. The entry does not name the person
 * whose face it is.
 */

/**
 * Checks the reveal against `detail.reveal` (as this person sees the session) and records it:
 * 403 when this person may not see the faces, 400 `purpose_required` when the session is not
 * theirs and no purpose was given. Nothing is recorded when there are no images to show.
 */
export async function revealFaces(
  ctx: Pick<AppContext, 'db' | 'config'>,
  actor: Actor,
  detail: SessionDetail,
  request: RevealRequest,
  origin: RequestOrigin,
): Promise<RevealResponse> {
  if (!detail.reveal.allowed) throw facesHidden();
  if (detail.reveal.purposeRequired && request.purpose === undefined) {
    throw new AppError(
      400,
      'purpose_required',
      'This session is not claimed by you: say why you are looking at the faces (a purpose of access) before revealing them.',
    );
  }
  const purpose = request.purpose ?? null;
  const claimed = !detail.reveal.purposeRequired;
  const media = withinMediaOrigins(detail.media, ctx.config.didit.mediaOrigins);
  const recorded = hasLinks(media)
    ? await recordEvidenceView(ctx.db, actor, detail.id, origin, {
        purpose,
        purposeNote: request.purposeNote ?? null,
        claimed,
      })
    : false;
  return { sessionId: detail.id, purpose, claimed, recorded };
}
