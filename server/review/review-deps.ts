import type { ReviewReason } from '../config.ts';

/** The review loop's settings (`config.review`). */
export interface ReviewSettings {
  claimIdleMinutes: number;
  /** RETENTION_DAYS (also `config.privacy`): the session page says when personal data goes. */
  retentionDays: number;
  reasons: { Approved: ReviewReason[]; Declined: ReviewReason[] };
  /** REVIEW_UNDO_SECONDS: how long a person may undo their decision before it is pushed (0: no undo). */
  undoSeconds: number;
}

/** What the review services are built with, besides the database or transaction they are bound to. */
export interface ReviewDeps {
  settings: ReviewSettings;
  /** The clock of the rules that depend on time (the undo window); tests move it. Default: the time of the call. */
  now?: () => Date;
}
