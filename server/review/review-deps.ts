import type { ReviewReason } from '../config.ts';
import type { SlaSettings } from './sla.ts';

/** The review loop's settings (`config.review`). */
export interface ReviewSettings {
  claimIdleMinutes: number;
  /** RETENTION_DAYS (also `config.privacy`): the session page says when personal data goes. */
  retentionDays: number;
  reasons: { Approved: ReviewReason[]; Declined: ReviewReason[]; Resubmitted: ReviewReason[] };
  /** REVIEW_UNDO_SECONDS: how long a person may undo their decision before it is pushed (0: no undo). */
  undoSeconds: number;
  /** How SLA clocks run (review/sla.ts); 24/7 with 20 % at risk when absent. */
  sla?: SlaSettings;
  /** ASSIGNMENT_CAP: the default cap of open assigned sessions per analyst (5 when absent). */
  assignmentCap?: number;
}

/** What the review services are built with, besides the database or transaction they are bound to. */
export interface ReviewDeps {
  settings: ReviewSettings;
  /** The clock of the rules that depend on time (the undo window); tests move it. Default: the time of the call. */
  now?: () => Date;
  /** Picks decisions for quality review (a share of them, ADR 0021); tests choose. Default: Math.random. */
  random?: () => number;
}
