import type { ReviewReason } from '../config.ts';

/** The review loop's settings (`config.review`). */
export interface ReviewSettings {
  claimIdleMinutes: number;
  /** RETENTION_DAYS (also `config.privacy`): the session page says when personal data goes. */
  retentionDays: number;
  reasons: { Approved: ReviewReason[]; Declined: ReviewReason[] };
}

/** What the review services are built with, besides the database or transaction they are bound to. */
export interface ReviewDeps {
  settings: ReviewSettings;
}
