import { z } from 'zod';
import { cursorParamSchema } from './cursor.ts';
import { diditIdSchema } from './ids.ts';
import { faceBlockInfoSchema } from './face-block.ts';
import { escalatedFilterSchema, escalationSchema } from './escalation.ts';
import { accessPurposeSchema, PURPOSE_NOTE_MAX, revealPolicySchema, sessionPrivacySchema } from './privacy.ts';
import { secondReviewTriggerSchema, sessionSecondReviewSchema } from './second-review.ts';
import { lineSchema, textSchema } from './text.ts';

/**
 * The review loop's HTTP contract, shared by the server (validation) and the web app
 * (URL state and typed responses). Dates travel as ISO strings.
 */

export const sessionStatuses = [
  'Not Started',
  'In Progress',
  'In Review',
  'Approved',
  'Declined',
  'Resubmitted',
  'Abandoned',
  'Expired',
  'Kyc Expired',
  // Didit's KYB status (docs/didit-contract.md §12); not expected on a biometric session, accepted all the same.
  'Awaiting User',
] as const;
export const sessionStatusSchema = z.enum(sessionStatuses);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

/** `/api/sessions/:id…` */
export const sessionParamsSchema = z.object({ id: diditIdSchema.describe('The session id (a Didit id).') });

/** A workflow's SLA until a lead sets one (the column's default; `PUT /api/workflows/:id/sla`). */
export const DEFAULT_SLA_MINUTES = 240;

export const livenessMethods = ['PASSIVE', 'FLASHING', 'ACTIVE_3D'] as const;
export const livenessMethodSchema = z.enum(livenessMethods);

export const queueSorts = ['age', 'liveness', 'face_match'] as const;
export const queueSortSchema = z.enum(queueSorts);
export type QueueSort = z.infer<typeof queueSortSchema>;

export const assigneeFilters = ['anyone', 'me', 'unassigned'] as const;

const score = z.coerce.number().min(0).max(100);
/** Accepts `a` or `a,b` (and repeated params arriving as arrays), always yielding a list. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((value: unknown) => {
    const values: unknown = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : value;
    if (!Array.isArray(values)) return values;
    return (values as unknown[]).map((v) => (typeof v === 'string' ? v.trim() : v)).filter((v) => v !== '');
  }, z.array(item).max(20));

/**
 * `GET /api/queue` query. Every field has a default that is omitted from the URL, so a link
 * reproduces the view and the plain `/queue` is the default one.
 */
export const queueQuerySchema = z
  .object({
    status: sessionStatusSchema.default('In Review'),
    workflow: diditIdSchema.optional(),
    method: livenessMethodSchema.optional(),
    warning: list(z.string().regex(/^[A-Z0-9_]{2,64}$/)).default([]),
    livenessMin: score.optional(),
    livenessMax: score.optional(),
    faceMatchMin: score.optional(),
    faceMatchMax: score.optional(),
    assignee: z.enum(assigneeFilters).default('anyone'),
    /** In Review views: leave escalated sessions out (the analysts' queue), show only them, or both. */
    escalated: escalatedFilterSchema.default('exclude'),
    /** Only sessions waiting at least this many minutes. */
    minAgeMinutes: z.coerce.number().int().min(0).max(525_600).optional(),
    q: lineSchema.min(1).max(200).optional(),
    sort: queueSortSchema.default('age'),
    dir: z.enum(['asc', 'desc']).optional(),
    /** Keyset position: the page after it (a page's `nextCursor`). */
    cursor: cursorParamSchema.optional(),
    /** Keyset position: the page before it (a page's `prevCursor`); never with `cursor`. */
    before: cursorParamSchema.optional(),
    /** Page size; the console offers `queuePageSizes`, the API takes any size in range. */
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => q.cursor === undefined || q.before === undefined, {
    path: ['before'],
    message: 'cannot be combined with cursor',
  })
  .refine((q) => q.livenessMin === undefined || q.livenessMax === undefined || q.livenessMin <= q.livenessMax, {
    path: ['livenessMin'],
    message: 'must not exceed livenessMax',
  })
  .refine((q) => q.faceMatchMin === undefined || q.faceMatchMax === undefined || q.faceMatchMin <= q.faceMatchMax, {
    path: ['faceMatchMin'],
    message: 'must not exceed faceMatchMax',
  });
export type QueueQuery = z.infer<typeof queueQuerySchema>;
export type QueueQueryInput = z.input<typeof queueQuerySchema>;

/** The page sizes the queue offers (the default, 50, among them). */
export const queuePageSizes = [25, 50, 100] as const;

/** Default direction per sort: oldest first for age, weakest score first for scores. */
export function defaultDirection(_sort: QueueSort): 'asc' | 'desc' {
  return 'asc';
}

/** The direction a queue view is sorted in: its `dir`, or its sort's default when `dir` is omitted. */
export function effectiveDirection(query: { sort: QueueSort; dir?: 'asc' | 'desc' | undefined }): 'asc' | 'desc' {
  return query.dir ?? defaultDirection(query.sort);
}

export const claimSchema = z.object({
  userId: z.string(),
  label: z.string(),
  claimedAt: z.string(),
  /** When the claim lapses unless the analyst keeps working on the session. */
  expiresAt: z.string(),
});
export type Claim = z.infer<typeof claimSchema>;

/** `held`: waiting for a second analyst's confirmation (four eyes, ADR 0021); no push yet. */
export const pushStateSchema = z.enum(['pending', 'confirmed', 'failed', 'held']);
export type PushState = z.infer<typeof pushStateSchema>;

export const queueItemSchema = z.object({
  id: diditIdSchema,
  sessionNumber: z.number().nullable(),
  vendorData: z.string().nullable(),
  status: z.string(),
  workflowId: z.string().nullable(),
  workflowLabel: z.string().nullable(),
  slaMinutes: z.number(),
  inReviewSince: z.string().nullable(),
  livenessScore: z.number().nullable(),
  livenessMethod: z.string().nullable(),
  faceMatchScore: z.number().nullable(),
  hasFaceMatch: z.boolean(),
  warningCodes: z.array(z.string()),
  claim: claimSchema.nullable(),
  pushState: pushStateSchema.nullable(),
  version: z.number(),
  /** When the session was decided (Approved/Declined); the queue lists it, decided views show it. */
  decidedAt: z.string().nullable().optional(),
  /** Escalated to the leads: when, by whom, and the note (an excerpt in the queue, whole on the session page). */
  escalation: escalationSchema.nullable().optional(),
  /** Resubmitted from the console: when and by whom the user was asked to try again. */
  resubmission: z.object({ requestedAt: z.string(), requestedBy: z.string() }).nullable().optional(),
  /** Whose the session is to take first (ADR 0020; not a claim): assigned by the worker to an available analyst. */
  assignedTo: z.object({ userId: z.string(), label: z.string(), assignedAt: z.string() }).nullable().optional(),
  /** In Review sessions: when the SLA is due (business hours, SLA_BUSINESS_HOURS) and how it stands now. */
  slaDueAt: z.string().nullable().optional(),
  slaState: z.enum(['ok', 'at_risk', 'breached']).nullable().optional(),
});
export type QueueItem = z.infer<typeof queueItemSchema>;

export const queuePageSchema = z.object({
  items: z.array(queueItemSchema),
  nextCursor: z.string().nullable(),
  /** The page before this one (`before=`); null or absent on the first page. */
  prevCursor: z.string().nullable().optional(),
  /** Sessions matching the filters, capped: `totalCapped` says the true count is larger. */
  total: z.number(),
  totalCapped: z.boolean(),
});
export type QueuePage = z.infer<typeof queuePageSchema>;

export const warningSchema = z.object({
  feature: z.string().nullable(),
  risk: z.string(),
  logType: z.string().nullable(),
  shortDescription: z.string().nullable(),
  longDescription: z.string().nullable(),
  additionalData: z.unknown().optional(),
});
export type Warning = z.infer<typeof warningSchema>;

/**
 * The thresholds a session was scored against: the console's version in force when Didit scored
 * it (decided it, or sent it to review), with Didit's own word from the threshold warnings'
 * `additional_data` taking precedence where present.
 */
export const thresholdsSchema = z.object({
  versionId: z.number().nullable(),
  version: z.number().nullable(),
  livenessReview: z.number().nullable(),
  livenessDecline: z.number().nullable(),
  faceMatchReview: z.number().nullable(),
  faceMatchDecline: z.number().nullable(),
  /** Where the values come from: the console's version, Didit's warnings, Didit's settings, or nowhere. */
  source: z.enum(['version', 'didit_warnings', 'didit_settings', 'none']).default('none'),
  /** A later version in force today, when it is not the one the session was scored under. */
  nowInForce: z.object({ versionId: z.number(), version: z.number() }).nullable().default(null),
});
export type Thresholds = z.infer<typeof thresholdsSchema>;

export const mediaSchema = z.object({
  /** The live selfie captured by the liveness check. */
  selfie: z.string().nullable(),
  /** The reference portrait from sign-up (face-match source image). */
  portrait: z.string().nullable(),
  /** Video of the capture (FLASHING / ACTIVE_3D). */
  video: z.string().nullable(),
  expiresAt: z.string().nullable(),
  /** True when Didit refused a refresh (rate limit) and these are the previous links. */
  stale: z.boolean(),
  /**
   * Why a refresh left the previous links: Didit rate-limited us, or could not be reached, or
   * this person asked for new links more often than the console allows a minute.
   */
  staleReason: z.enum(['rate_limited', 'didit_unavailable', 'refresh_limit']).nullable().optional(),
  /** When Didit said to try again (rate limit), in seconds. */
  retryAfterSeconds: z.number().nullable().optional(),
});
export type Media = z.infer<typeof mediaSchema>;

/** `POST /api/sessions/:id/refresh-media`: new links are fetched only when these near expiry, or one is reported broken. */
export const refreshMediaRequestSchema = z.object({
  /** A link that failed to load in the page (one of the session's current links, else ignored). */
  brokenUrl: z.string().min(1).max(4_096).optional(),
});
export type RefreshMediaRequest = z.infer<typeof refreshMediaRequestSchema>;

export const refreshMediaResponseSchema = z.object({
  sessionId: z.string(),
  media: mediaSchema,
  /** New links were fetched for this answer. */
  refreshed: z.boolean(),
  reason: z.enum(['rate_limited', 'didit_unavailable', 'refresh_limit']).nullable(),
  retryAfterSeconds: z.number().nullable(),
});
export type RefreshMediaResponse = z.infer<typeof refreshMediaResponseSchema>;

/**
 * `POST /api/sessions/:id/reveal`: the person unblurs the faces, which is the look the audit
 * trail records (not the page open). A purpose is required when the session is not theirs
 * (`reveal.purposeRequired`); `other` needs a note saying what it is.
 */
export const revealRequestSchema = z
  .object({
    purpose: accessPurposeSchema.optional(),
    purposeNote: textSchema.min(1).max(PURPOSE_NOTE_MAX).optional(),
  })
  .strict()
  .refine((body) => body.purpose !== 'other' || body.purposeNote !== undefined, {
    path: ['purposeNote'],
    message: 'describe the purpose when it is "other"',
  })
  .refine((body) => body.purposeNote === undefined || body.purpose !== undefined, {
    path: ['purpose'],
    message: 'choose a purpose for the note',
  });
export type RevealRequest = z.infer<typeof revealRequestSchema>;

export const revealResponseSchema = z.object({
  sessionId: z.string(),
  purpose: accessPurposeSchema.nullable(),
  /** The session is claimed by the caller (no purpose was needed). */
  claimed: z.boolean(),
  /**
   * A new `session.media_viewed` entry was written; false when the same look (same person,
   * session and purpose) is already on record within the window, or there were no images to show.
   */
  recorded: z.boolean(),
});
export type RevealResponse = z.infer<typeof revealResponseSchema>;

export const timelineEntrySchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('didit'), at: z.string(), status: z.string(), webhookType: z.string() }),
  z.object({
    source: z.literal('console'),
    at: z.string(),
    kind: z.enum([
      'claim',
      'release',
      'approve',
      'decline',
      'note',
      'escalate',
      'de_escalate',
      'decision_undone',
      'resubmit',
      'second_review',
      'second_review_resolved',
    ]),
    actor: z.string(),
    reason: z.string().nullable(),
    reasonLabel: z.string().nullable(),
    note: z.string().nullable(),
    pushState: pushStateSchema.nullable(),
    pushError: z.string().nullable(),
  }),
]);
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

export const relatedSessionSchema = z.object({
  id: diditIdSchema,
  status: z.string(),
  workflowLabel: z.string().nullable(),
  createdAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionSource: z.enum(['didit', 'console', 'outside']).nullable(),
  livenessScore: z.number().nullable(),
  faceMatchScore: z.number().nullable(),
});

/** Who decided in Didit's own console, and their comment, as Didit reports them (`decision.reviews`). */
export const diditReviewSchema = z.object({
  by: z.string().nullable(),
  comment: z.string().nullable(),
  at: z.string().nullable(),
});

/** An attempt the user was asked to redo: its scores and warnings when the analyst asked. */
export const sessionAttemptSchema = z.object({
  requestedAt: z.string(),
  requestedBy: z.string(),
  reason: z.string().nullable(),
  reasonLabel: z.string().nullable(),
  livenessStatus: z.string().nullable(),
  faceMatchStatus: z.string().nullable(),
  livenessScore: z.number().nullable(),
  faceMatchScore: z.number().nullable(),
  livenessMethod: z.string().nullable(),
  warnings: z.array(z.object({ feature: z.string().nullable(), risk: z.string() })),
});
export type SessionAttempt = z.infer<typeof sessionAttemptSchema>;

export const sessionDetailSchema = queueItemSchema.extend({
  /** For a decision made outside the console: Didit's record of it. */
  diditReview: diditReviewSchema.nullable().default(null),
  livenessStatus: z.string().nullable(),
  faceMatchStatus: z.string().nullable(),
  warnings: z.array(warningSchema),
  thresholds: thresholdsSchema,
  media: mediaSchema,
  decidedAt: z.string().nullable(),
  decisionSource: z.enum(['didit', 'console', 'outside']).nullable(),
  pushError: z.string().nullable(),
  createdAt: z.string().nullable(),
  timeline: z.array(timelineEntrySchema),
  otherSessions: z.array(relatedSessionSchema),
  /** What the console still holds about the person, and until when (ADR 0016). */
  privacy: sessionPrivacySchema,
  /** Whether the current user may reveal the faces, and whether a purpose is asked first. */
  reveal: revealPolicySchema,
  /** Its face on Didit's blocklist: this session's own block, or the block a FACE_IN_BLOCKLIST decline matched (face-block.ts). */
  faceBlock: faceBlockInfoSchema.nullable().optional(),
  /** Until when the caller may undo their decision on this session (ISO); null when there is none to undo. */
  undoUntil: z.string().nullable().optional(),
  /** The attempt the user was last asked to redo (a resubmission), as it stood then; null when never asked. */
  previousAttempt: sessionAttemptSchema.nullable().optional(),
  /** The four-eyes rules approving this session meets (ADR 0021): approving it needs a second analyst's confirmation. */
  fourEyes: z.array(secondReviewTriggerSchema).optional(),
  /** Its second review, as the caller may see it (blind while open, to all but its first analyst). */
  secondReview: sessionSecondReviewSchema.nullable().optional(),
  /** What the current user may do with this session right now. */
  allowed: z.object({
    claim: z.boolean(),
    release: z.boolean(),
    decide: z.array(z.enum(['Approved', 'Declined', 'Resubmitted'])),
    note: z.boolean(),
    /** Escalate to a lead (an In Review session the caller may decide, not escalated yet). */
    escalate: z.boolean().optional(),
    /** Return an escalated session to the analysts' queue (leads, admins). */
    deEscalate: z.boolean().optional(),
    /** Undo the caller's own latest decision, while its undo window is open (`undoUntil`). */
    undo: z.boolean().optional(),
  }),
});
export type SessionDetail = z.infer<typeof sessionDetailSchema>;

/** Approved and Declined are verdicts; Resubmitted asks the user to redo the liveness step (issue 20). */
export const decisionValues = ['Approved', 'Declined', 'Resubmitted'] as const;

/** The languages Didit may write its resubmission email in (`email_language`, ISO 639-1). */
export const emailLanguages = ['en', 'es', 'fr', 'de', 'it', 'pt', 'nl', 'pl', 'ja', 'ko', 'zh', 'ar'] as const;

/** The evidence an analyst looks at before a verdict: the live selfie and the reference portrait. */
export const evidenceKinds = ['selfie', 'portrait'] as const;
export type EvidenceKind = (typeof evidenceKinds)[number];

/** What the decision's note says when the analyst decided without the images. */
export function withoutEvidenceNote(missing: readonly EvidenceKind[]): string {
  const names = missing.map((kind) => (kind === 'selfie' ? 'selfie' : 'reference portrait'));
  return `[Decided without the evidence images: the ${names.join(' and ')} had not loaded.]`;
}

/** Resubmitted only: Didit emails the user to try again, at this address, in this language. */
const resubmissionEmailFields = {
  sendEmail: z.boolean().optional(),
  emailAddress: z.email().max(254).optional(),
  emailLanguage: z.enum(emailLanguages).optional(),
};
const emailHasAddress = (body: { sendEmail?: boolean | undefined; emailAddress?: string | undefined }) =>
  !body.sendEmail || body.emailAddress !== undefined;
const emailWithoutAddress = { path: ['emailAddress'], message: 'is required when sendEmail is true' };

export const decisionRequestSchema = z
  .object({
    decision: z.enum(decisionValues),
    reason: lineSchema.min(1).max(64),
    note: textSchema.max(5_000).optional(),
    /** The session version the analyst saw; a mismatch answers 409 with the fresh state. */
    expectedVersion: z.number().int().min(1),
    /**
     * Evidence images that had not loaded when the analyst decided, having confirmed "decide
     * without images": recorded in the decision's note and its audit entry.
     */
    evidenceMissing: z.array(z.enum(evidenceKinds)).max(evidenceKinds.length).optional(),
    ...resubmissionEmailFields,
  })
  .refine(emailHasAddress, emailWithoutAddress)
  .refine((body) => body.decision === 'Resubmitted' || (body.sendEmail === undefined && body.emailAddress === undefined), {
    path: ['sendEmail'],
    message: 'only a Resubmitted decision emails the user',
  });
export type DecisionRequest = z.infer<typeof decisionRequestSchema>;

/**
 * `POST /api/sessions/:id/decision/retry`: an empty body, or for a request to try again, the email
 * to send with it this time (the address given first lived only in the failed push's job, and is
 * gone with it).
 */
export const retryPushRequestSchema = z.strictObject(resubmissionEmailFields).refine(emailHasAddress, emailWithoutAddress);
export type RetryPushRequest = z.infer<typeof retryPushRequestSchema>;

/**
 * `POST /api/sessions/:id/undo-decision`: takes back the caller's latest decision on the session
 * while its undo window is open and its push has not started (issue 20).
 */
export const undoDecisionRequestSchema = z
  .object({
    /** The session version the analyst saw after deciding; a mismatch answers 409. */
    expectedVersion: z.number().int().min(1),
    /** The decision (`review_event.id`) the analyst means; 409 when it is no longer the session's latest. */
    reviewEventId: z.number().int().positive().optional(),
  })
  .strict();
export type UndoDecisionRequest = z.infer<typeof undoDecisionRequestSchema>;

export const noteRequestSchema = z.object({ note: textSchema.min(1).max(5_000) });

export const claimNextRequestSchema = z.object({ filters: z.record(z.string(), z.unknown()).default({}) });

export const reasonSchema = z.object({ code: z.string(), label: z.string(), faceMatchOnly: z.boolean().default(false) });

/** The reasons that fit a session: face-match reasons only where the workflow matches faces. */
export function reasonsFor<R extends { faceMatchOnly?: boolean }>(reasons: readonly R[], hasFaceMatch: boolean): R[] {
  return reasons.filter((reason) => hasFaceMatch || !reason.faceMatchOnly);
}
export const reasonCatalogSchema = z.object({
  Approved: z.array(reasonSchema),
  Declined: z.array(reasonSchema),
  Resubmitted: z.array(reasonSchema).default([]),
});
export type ReasonCatalog = z.infer<typeof reasonCatalogSchema>;
