import { recordEvidenceView } from '../audit/evidence-view.ts';
import { can, type Actor } from '../auth/rbac.ts';
import type { Media, SessionDetail } from '../contract/review.ts';
import type { AppContext } from '../context.ts';
import { isAllowedMediaUrl } from '../vendors/didit/media-origin.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import type { MediaRefreshResult } from '../sync/media-refresh.ts';

/**
 * The evidence rules: every answer that carries a session's signed selfie, portrait or video
 * links goes through here (opening a session, claiming, releasing, deciding, a note, a 409's
 * fresh state, a media refresh). People without 'media.view' get no links; a person's look at a
 * session's face is on the audit record (`audit/evidence-view.ts`) before the links leave.
 */

/** The session's stored media links as the session page shows them. */
export function mediaView(
  media: Record<string, string>,
  expiresAt: Date | null,
  stale = false,
  why: { reason: MediaRefreshResult['reason']; retryAfterSeconds: number | null } = {
    reason: null,
    retryAfterSeconds: null,
  },
): Media {
  return {
    selfie: media.selfie ?? null,
    portrait: media.portrait ?? null,
    video: media.video ?? null,
    expiresAt: expiresAt?.toISOString() ?? null,
    stale,
    ...(stale ? { staleReason: why.reason, retryAfterSeconds: why.retryAfterSeconds } : {}),
  };
}

function hasLinks(media: Media): boolean {
  return Boolean(media.selfie || media.portrait || media.video);
}

/**
 * Links outside DIDIT_MEDIA_ORIGINS never reach a browser: they are dropped on the way in, and
 * here again for rows stored before that check (or before the origins were narrowed).
 */
function withinMediaOrigins(media: Media, origins: readonly string[]): Media {
  const keep = (url: string | null): string | null => (url !== null && isAllowedMediaUrl(url, origins) ? url : null);
  return { ...media, selfie: keep(media.selfie), portrait: keep(media.portrait), video: keep(media.video) };
}

/** The same media without links, for people who may not see faces. */
function withoutLinks(media: Media): Media {
  return { ...media, selfie: null, portrait: null, video: null };
}

/**
 * Applies the evidence rules to a session answer: strips the links for people without
 * 'media.view', otherwise records the look (once per person and session within the window).
 */
export async function withEvidenceRules(
  ctx: Pick<AppContext, 'db' | 'config'>,
  actor: Actor,
  detail: SessionDetail,
  origin: RequestOrigin,
): Promise<SessionDetail> {
  if (!can(actor.role, 'media.view')) return { ...detail, media: withoutLinks(detail.media) };
  const media = withinMediaOrigins(detail.media, ctx.config.didit.mediaOrigins);
  if (hasLinks(media)) {
    await recordEvidenceView(ctx.db, actor, detail.id, origin, { details: { vendorData: detail.vendorData } });
  }
  return { ...detail, media };
}

/**
 * The evidence rules for an answer that carries only media (a refresh): no links without
 * 'media.view'; new links minted for this person are always a new entry (`newLinks`), the same
 * links again are one look within the window.
 */
export async function mediaWithEvidenceRules(
  ctx: Pick<AppContext, 'db' | 'config'>,
  actor: Actor,
  sessionId: string,
  stored: Media,
  origin: RequestOrigin,
  record: { newLinks: boolean; details: Record<string, unknown> },
): Promise<Media> {
  if (!can(actor.role, 'media.view')) return withoutLinks(stored);
  const media = withinMediaOrigins(stored, ctx.config.didit.mediaOrigins);
  if (hasLinks(media)) {
    await recordEvidenceView(ctx.db, actor, sessionId, origin, { always: record.newLinks, details: record.details });
  }
  return media;
}
