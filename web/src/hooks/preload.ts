import type { SessionDetail } from '../../../server/contract/review.ts';

const inFlight = new Set<HTMLImageElement>();

/** Start downloading a session's images before its page renders, so they show at once. */
export function preloadSessionMedia(session: Pick<SessionDetail, 'media'>): void {
  if (typeof Image === 'undefined') return;
  for (const url of [session.media.selfie, session.media.portrait]) {
    if (!url) continue;
    const image = new Image();
    // Keep a reference until the download settles; the browser cache does the rest.
    inFlight.add(image);
    image.onload = image.onerror = () => inFlight.delete(image);
    image.src = url;
  }
}
