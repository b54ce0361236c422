import { z } from 'zod';
import { secondReviewSettingsSchema } from './second-review.ts';
import {
  finalOutcomes,
  outcomes,
  thresholdSetSchema,
  thresholdStates,
  type HistogramDto,
  type SimulationDto,
  type ThresholdVersionDto,
  type WorkflowDetailDto,
  type WorkflowDto,
} from './thresholds.ts';

/**
 * zod schemas of the answers of `/api/workflows/*`, which `thresholds.ts` declares as TypeScript
 * interfaces (the server builds them from its own rows and never parses them). They exist for the
 * API reference (`server/openapi/`); the checks at the end fail the typecheck when an interface
 * and its schema stop describing the same JSON, so the reference cannot drift from the answers.
 */

const instant = z.string();
const outcomeSchema = z.enum(outcomes);

export const thresholdVersionSchema = z.object({
  id: z.number(),
  version: z.number(),
  state: z.enum(thresholdStates),
  thresholds: thresholdSetSchema,
  reason: z.string(),
  proposedBy: z.string().nullable(),
  proposedById: z.string().nullable(),
  proposedAt: instant,
  decidedBy: z.string().nullable(),
  decidedAt: instant.nullable(),
  decisionNote: z.string().nullable(),
  pushAttempts: z.number(),
  pushedAt: instant.nullable(),
  pushError: z.string().nullable(),
  appliedAt: instant.nullable(),
  diditVersion: z.number().nullable(),
  stats: z.object({ sessions: z.number(), reviewRate: z.number().nullable(), declineRate: z.number().nullable() }).nullable(),
});

export const workflowSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  type: z.string().nullable(),
  hasFaceMatch: z.boolean(),
  livenessMethod: z.string().nullable(),
  slaMinutes: z.number().int(),
  viewersMayReveal: z.boolean(),
  evidencePackImages: z.boolean(),
  autoAssign: z.boolean(),
  secondReview: secondReviewSettingsSchema,
  current: thresholdSetSchema.nullable(),
  currentVersion: z.number().nullable(),
  didit: thresholdSetSchema.nullable(),
  settingsForm: z.enum(['features', 'legacy']).nullable(),
  diditVersion: z.number().nullable(),
  diditSettingsId: z.string().nullable(),
  diditDraftVersion: z.number().nullable(),
  drift: z.object({ detectedAt: instant, didit: thresholdSetSchema, ours: thresholdSetSchema }).nullable(),
  openProposal: z.number().nullable(),
  syncedAt: instant.nullable(),
});

export const workflowDetailSchema = workflowSchema.extend({ versions: z.array(thresholdVersionSchema) });

export const workflowListSchema = z.object({ items: z.array(workflowSchema) });

/** `PUT /api/workflows/:id/viewer-reveal`: the workflow with its new setting. */
export const viewerRevealResponseSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  viewersMayReveal: z.boolean(),
});
export type ViewerRevealResponse = z.infer<typeof viewerRevealResponseSchema>;
export const thresholdVersionListSchema = z.object({ items: z.array(thresholdVersionSchema) });

/** `POST /api/workflows/sync`: workflows read from Didit, and how many differ from our applied version. */
export const workflowSyncResultSchema = z.object({ seen: z.number(), drifted: z.number() });

const transitionMatrixSchema = z.record(outcomeSchema, z.record(outcomeSchema, z.number()));
const perDaySchema = z.object({ current: z.number(), proposed: z.number(), change: z.number() });

export const simulationSchema = z.object({
  window: z.object({ from: instant, to: instant, days: z.number() }),
  current: thresholdSetSchema,
  proposed: thresholdSetSchema,
  sessions: z.number(),
  skipped: z.number(),
  matrix: transitionMatrixSchema,
  reviewsPerDay: perDaySchema,
  declinesPerDay: perDaySchema,
  analystApprovals: transitionMatrixSchema,
  contradictions: z.object({
    total: z.number(),
    items: z.array(
      z.object({
        sessionId: z.string(),
        vendorData: z.string().nullable(),
        livenessScore: z.number().nullable(),
        faceMatchScore: z.number().nullable(),
        analystVerdict: z.enum(['Approved', 'Declined']),
        proposedOutcome: outcomeSchema,
        decidedAt: instant.nullable(),
      }),
    ),
  }),
  tookMs: z.number(),
});

const binsByOutcome = z.record(z.enum(finalOutcomes), z.array(z.number()));

export const histogramSchema = z.object({
  window: z.object({ from: instant, to: instant }),
  binWidth: z.number(),
  liveness: binsByOutcome,
  faceMatch: binsByOutcome,
});

/** True when A and B describe the same values (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
// A failure here names the schema that no longer matches its interface in thresholds.ts.
type _SchemasMatchInterfaces = [
  Assert<Same<z.output<typeof thresholdVersionSchema>, ThresholdVersionDto>>,
  Assert<Same<z.output<typeof workflowSchema>, WorkflowDto>>,
  Assert<Same<z.output<typeof workflowDetailSchema>, WorkflowDetailDto>>,
  Assert<Same<z.output<typeof simulationSchema>, SimulationDto>>,
  Assert<Same<z.output<typeof histogramSchema>, HistogramDto>>,
];
