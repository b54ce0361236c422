import { z } from 'zod';
import { diditIdSchema } from './ids.ts';
import type { SecondReviewSettings } from './second-review.ts';
import { textSchema } from './text.ts';

/**
 * Threshold tuning's HTTP contract (issue 7), shared by the server (validation) and the web app.
 * Scores are 0–100 and thresholds whole numbers 0–100; "at or below" a threshold triggers it
 * (docs/didit-contract.md §8).
 */

export const thresholdStates = ['proposed', 'approved', 'rejected', 'withdrawn', 'applied', 'failed'] as const;
export type ThresholdStateName = (typeof thresholdStates)[number];

/** Didit takes thresholds as whole numbers 0–100 (docs/didit-contract.md §4–§8). */
const threshold = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be between 0 and 100')
  .max(100, 'must be between 0 and 100');

export const thresholdSetSchema = z
  .object({
    livenessReview: threshold,
    livenessDecline: threshold,
    faceMatchReview: threshold.nullable().default(null),
    faceMatchDecline: threshold.nullable().default(null),
  })
  .strict()
  .refine((t) => t.livenessDecline <= t.livenessReview, {
    path: ['livenessDecline'],
    message: 'the decline threshold must be at or below the review threshold',
  })
  .refine((t) => t.faceMatchDecline === null || t.faceMatchReview === null || t.faceMatchDecline <= t.faceMatchReview, {
    path: ['faceMatchDecline'],
    message: 'the decline threshold must be at or below the review threshold',
  })
  .refine((t) => (t.faceMatchReview === null) === (t.faceMatchDecline === null), {
    path: ['faceMatchReview'],
    message: 'give both face-match thresholds or neither',
  });
export type ThresholdSet = z.output<typeof thresholdSetSchema>;
export type ThresholdSetInput = z.input<typeof thresholdSetSchema>;

/**
 * Didit's documented defaults (docs/didit-contract.md §8), review 70 and decline 50 for each
 * feature the workflow runs: what is in force when nothing better is known.
 */
export function defaultThresholds(hasFaceMatch: boolean): ThresholdSet {
  return {
    livenessReview: 70,
    livenessDecline: 50,
    faceMatchReview: hasFaceMatch ? 70 : null,
    faceMatchDecline: hasFaceMatch ? 50 : null,
  };
}

/**
 * The rule a valid set must also meet for its workflow: face-match thresholds exactly when the
 * workflow matches faces. Null when it does; else the issue, on the face-match review field.
 */
export function faceMatchIssue(
  t: Pick<ThresholdSet, 'faceMatchReview' | 'faceMatchDecline'>,
  hasFaceMatch: boolean,
): { path: 'faceMatchReview'; message: string } | null {
  if (!hasFaceMatch && (t.faceMatchReview !== null || t.faceMatchDecline !== null)) {
    return { path: 'faceMatchReview', message: 'the workflow is liveness only' };
  }
  if (hasFaceMatch && (t.faceMatchReview === null || t.faceMatchDecline === null)) {
    return { path: 'faceMatchReview', message: 'required for a face-match workflow' };
  }
  return null;
}

export const proposeThresholdsSchema = z.object({
  thresholds: thresholdSetSchema,
  reason: textSchema.min(3, 'say why (at least 3 characters)').max(2000),
});
export type ProposeThresholdsInput = z.input<typeof proposeThresholdsSchema>;

export const decideProposalSchema = z.object({ note: textSchema.max(2000).optional() });
export const rejectProposalSchema = z.object({
  note: textSchema.min(3, 'say why it is rejected (at least 3 characters)').max(2000),
});

export const workflowParamsSchema = z.object({ id: diditIdSchema });

/**
 * `PUT /api/workflows/:id/viewer-reveal`: whether viewers may reveal faces in this workflow.
 * Default no: viewers see scores and warnings only (ADR 0016).
 */
export const viewerRevealRequestSchema = z.strictObject({ viewersMayReveal: z.boolean() });
export type ViewerRevealRequest = z.infer<typeof viewerRevealRequestSchema>;
/** Versions are `integer` in Postgres: a larger number is no version of ours (and would not cast). */
export const versionParamsSchema = z.object({ id: diditIdSchema, version: z.coerce.number().int().min(1).max(2_147_483_647) });

const isoDate = z.iso.datetime({ offset: true });

/** Window of past sessions: default the last 30 days, at most one year. */
export const windowSchema = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    days: z.coerce.number().int().min(1).max(366).optional(),
  })
  .transform((w) => {
    const to = w.to ? new Date(w.to) : new Date();
    const from = w.from ? new Date(w.from) : new Date(to.getTime() - (w.days ?? 30) * 86_400_000);
    return { from, to };
  })
  .refine((w) => w.from < w.to, { message: 'from must be before to' });
export type WindowInput = z.input<typeof windowSchema>;

export const simulateSchema = z.object({
  thresholds: thresholdSetSchema,
  window: windowSchema.prefault({}),
});
export type SimulateInput = z.input<typeof simulateSchema>;

export const outcomes = ['Approved', 'In Review', 'Declined'] as const;
export type Outcome = (typeof outcomes)[number];

export interface ThresholdVersionDto {
  id: number;
  version: number;
  state: ThresholdStateName;
  thresholds: ThresholdSet;
  reason: string;
  proposedBy: string | null;
  proposedById: string | null;
  proposedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  pushAttempts: number;
  pushedAt: string | null;
  pushError: string | null;
  appliedAt: string | null;
  /** The Didit workflow version (its number) the push reached and read back; null until applied. */
  diditVersion: number | null;
  /** Since it was applied, until the next applied version (null if never applied). */
  stats: { sessions: number; reviewRate: number | null; declineRate: number | null } | null;
}

export interface WorkflowDto {
  id: string;
  label: string | null;
  type: string | null;
  hasFaceMatch: boolean;
  livenessMethod: string | null;
  /** How long a session may wait In Review before it breaches (a lead sets it: `PUT /api/workflows/:id/sla`). */
  slaMinutes: number;
  /** Whether viewers may reveal faces in this workflow's sessions (a lead sets it: `PUT /api/workflows/:id/viewer-reveal`). */
  viewersMayReveal: boolean;
  /** Whether evidence packs embed the selfie and portrait (default no: hashes only; a lead sets it: `PUT /api/workflows/:id/evidence-pack-images`). */
  evidencePackImages: boolean;
  /** Whether new In Review sessions are assigned to available analysts (a lead sets it: `PUT /api/workflows/:id/auto-assign`). */
  autoAssign: boolean;
  /** Second review and four eyes (a lead sets them: `PUT /api/workflows/:id/second-review`, ADR 0021). */
  secondReview: SecondReviewSettings;
  /** The applied version's thresholds, or Didit's settings when none was applied through the console. */
  current: ThresholdSet | null;
  currentVersion: number | null;
  /** Thresholds as Didit last reported them. */
  didit: ThresholdSet | null;
  /** Whether Didit's settings expose `features[].config` (`features`) or only the flat fields (`legacy`). */
  settingsForm: 'features' | 'legacy' | null;
  /** The latest published version at Didit, which new sessions use and pushes update. */
  diditVersion: number | null;
  diditSettingsId: string | null;
  /** A newer unpublished draft at Didit (someone is editing the workflow there), if any. */
  diditDraftVersion: number | null;
  drift: { detectedAt: string; didit: ThresholdSet; ours: ThresholdSet } | null;
  openProposal: number | null;
  syncedAt: string | null;
}

export interface WorkflowDetailDto extends WorkflowDto {
  versions: ThresholdVersionDto[];
}

/** Row = outcome under the current thresholds, column = under the proposed ones. */
export type TransitionMatrix = Record<Outcome, Record<Outcome, number>>;

export interface Contradiction {
  sessionId: string;
  vendorData: string | null;
  livenessScore: number | null;
  faceMatchScore: number | null;
  analystVerdict: 'Approved' | 'Declined';
  proposedOutcome: Outcome;
  decidedAt: string | null;
}

export interface SimulationDto {
  window: { from: string; to: string; days: number };
  current: ThresholdSet;
  proposed: ThresholdSet;
  sessions: number;
  /** In the window but without scores to replay (e.g. abandoned before capture). */
  skipped: number;
  matrix: TransitionMatrix;
  reviewsPerDay: { current: number; proposed: number; change: number };
  declinesPerDay: { current: number; proposed: number; change: number };
  /**
   * The part of each matrix cell that an analyst approved (final status Approved, decided in this
   * console or in Didit's console), so reviews the proposal would automate can be told from
   * approvals Didit made on its own. Every other session in the cell is in `matrix` only.
   */
  analystApprovals: TransitionMatrix;
  contradictions: { total: number; items: Contradiction[] };
  tookMs: number;
}

/**
 * What finally happened to a session. `approved` is Didit's automatic approval; `approved_analyst`
 * an approval made by an analyst (in this console or in Didit's), split off in issue 14 (the key
 * `approved` kept its name, so it now counts automatic approvals only).
 */
export const finalOutcomes = ['approved', 'approved_analyst', 'declined_analyst', 'declined_auto', 'in_review'] as const;
export type FinalOutcome = (typeof finalOutcomes)[number];

export interface HistogramDto {
  window: { from: string; to: string };
  binWidth: number;
  /** counts[outcome][bin]; bin i covers [i*binWidth, (i+1)*binWidth), the last bin includes 100. */
  liveness: Record<FinalOutcome, number[]>;
  faceMatch: Record<FinalOutcome, number[]>;
}
