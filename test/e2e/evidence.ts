import type { Page } from 'playwright-core';

/** Evidence images the browser has actually decoded (not just placed in the page). */
export function loadedEvidenceImages(page: Page): Promise<number> {
  return page
    .locator('[aria-label="Evidence images"] img')
    .evaluateAll(
      (images) =>
        (images as unknown as Array<{ complete: boolean; naturalWidth: number }>).filter(
          (image) => image.complete && image.naturalWidth > 0,
        ).length,
    );
}

/** How many evidence images a session has links for (the selfie, and the portrait where it matched faces). */
export function evidenceImages(session: { media: { selfie: string | null; portrait: string | null } }): number {
  return [session.media.selfie, session.media.portrait].filter((link) => link !== null).length;
}
