import { z } from 'zod';
import { idCursorSchema } from './cursor.ts';
import { diditIdSchema } from './ids.ts';
import { lineSchema, textSchema } from './text.ts';

/**
 * Second review and four eyes (issue 20, ADR 0021). Some decisions are decided again by a second
 * analyst who sees the session as it was before the first decision, not the verdict, not who made
 * it and not why it was picked:
 *
 * - `four_eyes`: approving a risky session (a workflow's rules: face match below a floor, a score
 *   near the decline line, a user's third attempt within a day) is held from Didit until a second
 *   analyst reaches the same verdict;
 * - `quality`: a share of decisions, and every override of an automatic Declined, is checked
 *   after it went to Didit.
 *
 * A disagreement goes to the leads, who settle it with the verdict that stands.
 */

export const verdicts = ['Approved', 'Declined'] as const;
export const verdictSchema = z.enum(verdicts);
export type Verdict = z.infer<typeof verdictSchema>;

export const secondReviewPurposeSchema = z.enum(['four_eyes', 'quality']);
export type SecondReviewPurpose = z.infer<typeof secondReviewPurposeSchema>;

export const secondReviewStateSchema = z.enum(['open', 'agreed', 'disagreed', 'resolved', 'withdrawn', 'overtaken']);
export type SecondReviewState = z.infer<typeof secondReviewStateSchema>;

export const fourEyesRuleSchema = z.enum(['face_match_floor', 'near_decline_line', 'repeat_attempt']);
export type FourEyesRule = z.infer<typeof fourEyesRuleSchema>;

/** Why a decision went to second review: a four-eyes rule it met, or the quality sample. */
export const secondReviewTriggerSchema = z.object({
  rule: z.enum(['face_match_floor', 'near_decline_line', 'repeat_attempt', 'sample', 'override_declined']),
  /** In words, e.g. "Face match 58 is below this workflow's floor of 65." */
  detail: z.string(),
});
export type SecondReviewTrigger = z.infer<typeof secondReviewTriggerSchema>;

/** A workflow's second-review settings (a lead sets them: `PUT /api/workflows/:id/second-review`). */
export const secondReviewSettingsSchema = z.strictObject({
  /** Share of analysts' decisions sent to a blind quality review, 0–100 % (0: none; overrides of Declined always go). */
  sharePercent: z.number().int().min(0).max(100),
  /** Approving a face match below this needs a second analyst; null: rule off. */
  faceMatchFloor: z.number().min(0).max(100).nullable(),
  /** Approving a liveness or face-match score within this many points of its decline line needs a second analyst; null: off. */
  declineMargin: z.number().min(0).max(50).nullable(),
  /** Approving a user's third (or later) attempt within 24 hours needs a second analyst. */
  repeatAttempts: z.boolean(),
});
export type SecondReviewSettings = z.infer<typeof secondReviewSettingsSchema>;

export const secondReviewSettingsParamsSchema = z.object({ id: diditIdSchema });
export const secondReviewSettingsResponseSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  secondReview: secondReviewSettingsSchema,
});
export type SecondReviewSettingsResponse = z.infer<typeof secondReviewSettingsResponseSchema>;

/** The most one page of a list holds (and its default); `total` says how many there are in all. */
export const SECOND_REVIEW_LIST_MAX = 200;

/**
 * `GET /api/second-reviews`: the open reviews others may answer (`open`), or the disagreements for
 * leads (`disagreed`), oldest first (in the order they were asked for), a page at a time.
 */
export const secondReviewListQuerySchema = z.strictObject({
  state: z.enum(['open', 'disagreed']).default('open'),
  workflow: diditIdSchema.optional(),
  /** Keyset cursor: the `nextCursor` of the previous page. */
  cursor: idCursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(SECOND_REVIEW_LIST_MAX).default(SECOND_REVIEW_LIST_MAX),
});
export type SecondReviewListQuery = z.infer<typeof secondReviewListQuerySchema>;

export const secondReviewListItemSchema = z.object({
  id: z.number(),
  sessionId: z.string(),
  sessionNumber: z.number().nullable(),
  workflowId: z.string().nullable(),
  workflowLabel: z.string().nullable(),
  /** The session's status before the first decision (what a blind reviewer sees). */
  statusBefore: z.string(),
  livenessScore: z.number().nullable(),
  faceMatchScore: z.number().nullable(),
  warningCodes: z.array(z.string()),
  /** When the review was asked for. */
  createdAt: z.string(),
  /** Disagreements only (leads): both verdicts, who gave them, and why it was picked. */
  disagreement: z
    .object({
      purpose: secondReviewPurposeSchema,
      triggers: z.array(secondReviewTriggerSchema),
      first: z.object({ verdict: verdictSchema, by: z.string() }),
      second: z.object({ verdict: verdictSchema, by: z.string() }),
    })
    .nullable(),
});
export type SecondReviewListItem = z.infer<typeof secondReviewListItemSchema>;

export const secondReviewListSchema = z.object({
  items: z.array(secondReviewListItemSchema),
  /** How many the list holds in all (every page). */
  total: z.number(),
  /** The next page's `cursor`; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type SecondReviewList = z.infer<typeof secondReviewListSchema>;

/** One side of a review, once it may be shown. */
const verdictRecordSchema = z.object({
  verdict: verdictSchema,
  by: z.string(),
  at: z.string(),
  reason: z.string().nullable(),
  reasonLabel: z.string().nullable(),
  note: z.string().nullable(),
});

/**
 * The second review on the session page, as this person may see it. To a second reviewer, while
 * it is open, only that it is asked for (`blind`); to its first analyst, that it waits; once
 * answered, to everyone, both sides.
 */
export const sessionSecondReviewSchema = z.object({
  id: z.number(),
  state: secondReviewStateSchema,
  /** The caller is to decide it blind: the session is shown as it was before the first decision. */
  blind: z.boolean(),
  /** The caller may answer it now (blind, a different analyst, not answered yet). */
  mayAnswer: z.boolean(),
  /** The caller may settle the disagreement (leads). */
  mayResolve: z.boolean(),
  /** Shown to the first analyst and once answered; null to a blind reviewer. */
  purpose: secondReviewPurposeSchema.nullable(),
  triggers: z.array(secondReviewTriggerSchema).nullable(),
  first: verdictRecordSchema.nullable(),
  second: verdictRecordSchema.nullable(),
  resolution: verdictRecordSchema.nullable(),
});
export type SessionSecondReview = z.infer<typeof sessionSecondReviewSchema>;

/** `POST /api/sessions/:id/second-review`: the second analyst's blind verdict. */
export const secondReviewAnswerSchema = z.strictObject({
  secondReviewId: z.number().int().positive(),
  verdict: verdictSchema,
  reason: lineSchema.min(1).max(64),
  note: textSchema.max(5_000).optional(),
});
export type SecondReviewAnswer = z.infer<typeof secondReviewAnswerSchema>;

export const secondReviewAnswerResponseSchema = z.object({
  secondReviewId: z.number(),
  outcome: z.enum(['agreed', 'disagreed']),
  /** Revealed now that the second analyst has decided. */
  firstVerdict: verdictSchema,
  /** Four eyes, agreed: the held decision is on its way to Didit. */
  released: z.boolean(),
});
export type SecondReviewAnswerResponse = z.infer<typeof secondReviewAnswerResponseSchema>;

/** `POST /api/sessions/:id/second-review/resolve`: a lead settles a disagreement. */
export const secondReviewResolveSchema = z.strictObject({
  secondReviewId: z.number().int().positive(),
  /** The verdict that stands. */
  verdict: verdictSchema,
  /** The reason, when the verdict that stands is not the first analyst's (it becomes a decision). */
  reason: lineSchema.min(1).max(64).optional(),
  note: textSchema.min(1).max(5_000),
  /** The session version the lead saw. */
  expectedVersion: z.number().int().min(1),
});
export type SecondReviewResolve = z.infer<typeof secondReviewResolveSchema>;

export const secondReviewResolveResponseSchema = z.object({
  secondReviewId: z.number(),
  /** `first`: the first verdict stands; `second`: the lead's verdict replaced it (a new decision, pushed). */
  upheld: z.enum(['first', 'second']),
  reviewEventId: z.number().nullable(),
});
export type SecondReviewResolveResponse = z.infer<typeof secondReviewResolveResponseSchema>;

/** The four-eyes rules an approval of this session meets now: shown before the analyst decides. */
export const fourEyesNoticeSchema = z.array(secondReviewTriggerSchema);
