import { can, type Actor, type Role } from '../auth/rbac.ts';
import type { Media, SessionDetail } from '../contract/review.ts';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { isAllowedMediaUrl } from '../vendors/didit/media-origin.ts';
import type { MediaRefreshResult } from '../sync/media-refresh.ts';
import { notFound } from './claims.ts';

/**
 * The evidence rules: every answer that carries a session's signed selfie, portrait or video
 * links goes through here (opening a session, claiming, releasing, deciding, a note, a 409's
 * fresh state, a media refresh). People who may not reveal the faces (no 'media.view', or a
 * viewer in a workflow that keeps faces from viewers) get no links at all. Links leaving the
 * server are not a look: the page shows them blurred, and the reveal (`reveal.ts`) is what the
 * audit trail records.
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

/** Whether the media carry any link to a face. */
export function hasLinks(media: Media): boolean {
  return Boolean(media.selfie || media.portrait || media.video);
}

/**
 * Who may reveal a session's faces: 'media.view' (every role today), and for viewers only where
 * the workflow allows it (`workflow.viewers_may_reveal`, default no: scores and warnings only).
 * `SessionDetail.reveal.allowed` says the same for one session.
 */
export function revealAllowed(role: Role, viewersMayReveal: boolean | null | undefined): boolean {
  return can(role, 'media.view') && (role !== 'viewer' || viewersMayReveal === true);
}

/** Whether this actor may reveal the session's faces (its workflow's setting); null when there is no such session. */
export async function mayRevealFaces(db: Database, actor: Actor, sessionId: string): Promise<boolean | null> {
  const row = await db
    .selectFrom('verification_session')
    .leftJoin('workflow', 'workflow.id', 'verification_session.workflow_id')
    .select('workflow.viewers_may_reveal')
    .where('verification_session.id', '=', sessionId)
    .executeTakeFirst();
  if (!row) return null;
  return revealAllowed(actor.role, row.viewers_may_reveal);
}

/** 404 for an unknown session, 403 when this actor may not see its faces (before Didit is asked for links). */
export async function requireRevealAllowed(db: Database, actor: Actor, sessionId: string): Promise<void> {
  const allowed = await mayRevealFaces(db, actor, sessionId);
  if (allowed === null) throw notFound(sessionId);
  if (!allowed) throw facesHidden();
}

/** The refusal a viewer meets where the workflow keeps faces from viewers. */
export function facesHidden(): AppError {
  return new AppError(403, 'forbidden', 'Faces are hidden: viewers see scores and warnings only in this workflow.');
}

/**
 * Links outside DIDIT_MEDIA_ORIGINS never reach a browser: they are dropped on the way in, and
 * here again for rows stored before that check (or before the origins were narrowed).
 */
export function withinMediaOrigins(media: Media, origins: readonly string[]): Media {
  const keep = (url: string | null): string | null => (url !== null && isAllowedMediaUrl(url, origins) ? url : null);
  return { ...media, selfie: keep(media.selfie), portrait: keep(media.portrait), video: keep(media.video) };
}

/**
 * The same media without links, for people who may not see faces: no expiry either, so their
 * page never asks for fresh links it would not be given.
 */
function withoutLinks(): Media {
  return { selfie: null, portrait: null, video: null, expiresAt: null, stale: false };
}

/** Applies the evidence rules to a session answer: no links unless this person may reveal the faces. */
export function withEvidenceRules(ctx: Pick<AppContext, 'config'>, detail: SessionDetail): SessionDetail {
  if (!detail.reveal.allowed) return { ...detail, media: withoutLinks() };
  return { ...detail, media: withinMediaOrigins(detail.media, ctx.config.didit.mediaOrigins) };
}

/** The evidence rules for an answer that carries only media (a refresh): no links unless this person may reveal the faces. */
export async function mediaWithEvidenceRules(
  ctx: Pick<AppContext, 'db' | 'config'>,
  actor: Actor,
  sessionId: string,
  stored: Media,
): Promise<Media> {
  if (!(await mayRevealFaces(ctx.db, actor, sessionId))) return withoutLinks();
  return withinMediaOrigins(stored, ctx.config.didit.mediaOrigins);
}
