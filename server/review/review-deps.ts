import type { ReviewReason } from '../config.ts';

/** The review loop's settings (`config.review`). */
export interface ReviewSettings {
  claimIdleMinutes: number;
  reasons: { Approved: ReviewReason[]; Declined: ReviewReason[] };
}

/** What the review services are built with, besides the database or transaction they are bound to. */
export interface ReviewDeps {
  settings: ReviewSettings;
}
