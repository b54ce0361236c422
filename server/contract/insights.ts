import { z } from 'zod';
import { diditIdSchema } from './ids.ts';

/**
 * The insights page's HTTP contract (issue 18): how long sessions wait for a person, whether the
 * team keeps up, and how each analyst decides. Days are UTC calendar days; minutes are decimal.
 */

/** A longer range would make hourly queue depth a chart nobody reads (and a slow query). */
export const INSIGHTS_MAX_DAYS = 92;
export const INSIGHTS_DEFAULT_DAYS = 30;

/**
 * Risks that mark a session declined for an attack (docs/didit-contract.md §8): an approval of a
 * user whose later session is declined for one of these counts as contradicted.
 */
export const ATTACK_RISKS = ['LIVENESS_FACE_ATTACK', 'FACE_IN_BLOCKLIST'] as const;

const day = z.iso.date({ message: 'must be a date as YYYY-MM-DD' });

export const insightsQuerySchema = z
  .object({
    from: day.optional(),
    to: day.optional(),
    workflow: diditIdSchema.optional(),
  })
  .strict();
export type InsightsQuery = z.infer<typeof insightsQuerySchema>;

/** The page's tables, each downloadable as CSV (`?format=csv&section=…`). */
export const insightsCsvSections = [
  'time-to-decision',
  'queue-depth',
  'flow',
  'analysts',
  'versions',
  'second-review-analysts',
  'second-review-warning-codes',
] as const;
export type InsightsCsvSection = (typeof insightsCsvSections)[number];

/** `GET /api/insights`: the range and workflow, and for a CSV download the format and table. */
export const insightsRequestSchema = insightsQuerySchema
  .extend({ format: z.literal('csv').optional(), section: z.enum(insightsCsvSections).optional() })
  .strict()
  .refine((q) => (q.format === undefined) === (q.section === undefined), {
    path: ['section'],
    message: 'a CSV download needs both format=csv and a section',
  });

/** Percentiles of minutes from entering In Review to an analyst's decision. */
const percentilesSchema = z.object({
  decisions: z.number().int(),
  p50Minutes: z.number().nullable(),
  p90Minutes: z.number().nullable(),
  p99Minutes: z.number().nullable(),
  /** Decisions that took longer than their workflow's SLA. */
  breaches: z.number().int(),
});
export type Percentiles = z.infer<typeof percentilesSchema>;

export const insightsWorkflowSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  slaMinutes: z.number().int(),
});

export const analystFiguresSchema = z.object({
  /** `app_user.id`; null for decisions an API token recorded. */
  actorId: z.string().nullable(),
  label: z.string(),
  decisions: z.number().int(),
  approved: z.number().int(),
  declined: z.number().int(),
  /** Decisions per day over the range's days. */
  perDay: z.number(),
  /** From the analyst taking the session (claim) to their decision. */
  medianHandlingMinutes: z.number().nullable(),
  /** Decisions that overturned Didit's automatic Approved or Declined. */
  overrides: z.number().int(),
  /** The session's status now differs from this decision: decided again (in Didit's console, or here later). */
  decidedAgain: z.number().int(),
  /** Approvals of a user whose later session Didit declined for an attack (`ATTACK_RISKS`). */
  laterAttack: z.number().int(),
});
export type AnalystFigures = z.infer<typeof analystFiguresSchema>;

/**
 * Second reviews answered in the range (by `answered_at`): how many, how many reached the first
 * analyst's verdict, and the share. A review answered and then withdrawn (its decision undone)
 * counts nowhere, like the undone decision (ADR 0018).
 */
const agreementSchema = z.object({
  /** Answered by a second analyst (agreed, disagreed, or a disagreement a lead resolved since). */
  answered: z.number().int(),
  /** The second analyst reached the first analyst's verdict. */
  agreed: z.number().int(),
  /** `agreed / answered`; null when nothing was answered. */
  agreementRate: z.number().nullable(),
});
export type AgreementFigures = z.infer<typeof agreementSchema>;

const secondReviewTotalsSchema = agreementSchema.extend({
  /**
   * Now, whatever the range: reviews waiting for a second analyst (a four-eyes review only while
   * its decision is still held, as on the work list).
   */
  open: z.number().int(),
  /** Now: disagreements waiting for a lead. */
  disagreementsWaiting: z.number().int(),
});

export const secondReviewAnalystSchema = agreementSchema.extend({
  /** The FIRST analyst, whose decision was reviewed (`app_user.id`). */
  actorId: z.string(),
  /** Their email, else display name. */
  label: z.string(),
});
export type SecondReviewAnalystFigures = z.infer<typeof secondReviewAnalystSchema>;

export const secondReviewWarningCodeSchema = agreementSchema.extend({
  /**
   * A warning code the session carried when the first analyst decided; null for reviews of
   * sessions with none. A review with several codes counts under each, so the rows add up to
   * more than the total.
   */
  code: z.string().nullable(),
});
export type SecondReviewWarningCodeFigures = z.infer<typeof secondReviewWarningCodeSchema>;

/** Agreement between first and second analysts (issue 20, ADR 0021). */
export const secondReviewInsightsSchema = z.object({
  totals: secondReviewTotalsSchema.extend({
    byPurpose: z.object({ fourEyes: secondReviewTotalsSchema, quality: secondReviewTotalsSchema }),
  }),
  /** Most answered first, then by label. */
  analysts: z.array(secondReviewAnalystSchema),
  /** Most answered first, then by code (no warnings after the codes with as many). */
  warningCodes: z.array(secondReviewWarningCodeSchema),
});
export type SecondReviewInsights = z.infer<typeof secondReviewInsightsSchema>;

export const insightsResponseSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), days: z.number().int(), workflowId: z.string().nullable() }),
  generatedAt: z.string(),
  workflows: z.array(insightsWorkflowSchema),
  timeToDecision: z.object({
    overall: percentilesSchema,
    byWorkflow: z.array(percentilesSchema.extend({ workflowId: z.string().nullable() })),
    /** One entry per day of the range (all workflows of the view together). */
    byDay: z.array(percentilesSchema.extend({ day: z.string() })),
    byDayAndWorkflow: z.array(percentilesSchema.extend({ day: z.string(), workflowId: z.string().nullable() })),
  }),
  queueDepth: z.object({
    /** The first hour mark; each series has one value per hour from there. */
    start: z.string(),
    hours: z.number().int(),
    /** When `current` was read: now, or the end of a range in the past. */
    end: z.string(),
    series: z.array(
      z.object({
        workflowId: z.string().nullable(),
        values: z.array(z.number().int()),
        /** In review at `end` (after the last hour mark). */
        current: z.number().int(),
      }),
    ),
  }),
  /** Per day: sessions that entered review, and that left it (decided by anyone, or expired). */
  flow: z.array(
    z.object({ day: z.string(), workflowId: z.string().nullable(), entered: z.number().int(), left: z.number().int() }),
  ),
  analysts: z.array(analystFiguresSchema),
  /**
   * Each threshold version in force during the range, with its rates over the sessions decided
   * (or sent to review) inside the range while it was in force; the workflow page has the rates
   * since it was applied.
   */
  versions: z.array(
    z.object({
      workflowId: z.string(),
      version: z.number().int(),
      appliedAt: z.string(),
      sessions: z.number().int(),
      reviewRate: z.number().nullable(),
      declineRate: z.number().nullable(),
    }),
  ),
  /** Sessions waiting now, per workflow: at risk of breaching their SLA, and breached (ADR 0020). */
  slaNow: z
    .array(
      z.object({
        workflowId: z.string().nullable(),
        open: z.number().int(),
        atRisk: z.number().int(),
        breached: z.number().int(),
      }),
    )
    .optional(),
  secondReview: secondReviewInsightsSchema,
});
export type InsightsResponse = z.infer<typeof insightsResponseSchema>;

/** `PUT /api/workflows/:id/sla`: how long a session of this workflow may wait In Review. */
export const slaRequestSchema = z
  .object({
    slaMinutes: z
      .number()
      .int('must be whole minutes')
      .min(5, 'must be at least 5 minutes')
      .max(10_080, 'must be at most 7 days'),
  })
  .strict();
export const slaResponseSchema = insightsWorkflowSchema;
export const workflowSlaParamsSchema = z.object({ id: diditIdSchema });
