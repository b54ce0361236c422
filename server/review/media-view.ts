import type { Media } from '../contract/review.ts';

/** The session's stored media links as the session page shows them. */
export function mediaView(
  media: Record<string, string>,
  expiresAt: Date | null,
  stale = false,
  why: { reason: 'rate_limited' | 'didit_unavailable' | null; retryAfterSeconds: number | null } = {
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
