import { z } from 'zod';
import { diditIdSchema, isDiditId } from '../../contract/ids.ts';

/**
 * zod schemas of what Didit sends (docs/didit-contract.md §4–§13). Loose objects: Didit adds fields
 * freely, and the raw decision is stored whole. Where the contract is uncertain both documented
 * forms are accepted (method casing, legacy singular blocks, list envelope vs bare array).
 * These types never leave `vendors/didit/`; `adapt.ts` turns them into ours.
 */

/** Didit's ids in either case; lowercased as Postgres prints them, other strings kept as sent. */
const diditIdLike = z.string().transform((id) => (isDiditId(id) ? id.toLowerCase() : id));

const nullableNumber = z.number().nullable().optional();
/**
 * A feature score as sent. Not narrowed here: a score out of contract (1e308, which JSON.parse
 * may even turn into Infinity, -5, a string) must not reject the whole decision; `adapt.ts`
 * leaves it out and flags the session instead.
 */
const sentScore = z.unknown().optional();
const nullableString = z.string().nullable().optional();

export const diditWarningSchema = z.looseObject({
  feature: nullableString,
  risk: z.string(),
  additional_data: z.unknown().optional(),
  log_type: nullableString,
  short_description: nullableString,
  long_description: nullableString,
  node_id: nullableString,
});

export const diditLivenessSchema = z.looseObject({
  node_id: nullableString,
  status: nullableString,
  method: nullableString,
  score: sentScore,
  reference_image: nullableString,
  video_url: nullableString,
  age_estimation: nullableNumber,
  face_quality: nullableNumber,
  face_luminance: nullableNumber,
  warnings: z.array(diditWarningSchema).nullable().optional(),
});

export const diditFaceMatchSchema = z.looseObject({
  node_id: nullableString,
  status: nullableString,
  score: sentScore,
  source_image_session_id: nullableString,
  source_image: nullableString,
  target_image: nullableString,
  warnings: z.array(diditWarningSchema).nullable().optional(),
});

export const diditReviewSchema = z.looseObject({
  user: nullableString,
  new_status: nullableString,
  comment: nullableString,
  created_at: nullableString,
});

export const diditDecisionSchema = z.looseObject({
  session_id: diditIdLike,
  session_number: z.number().int().nullable().optional(),
  status: z.string(),
  workflow_id: diditIdLike.nullable().optional(),
  vendor_data: nullableString,
  liveness_checks: z.array(diditLivenessSchema).nullable().optional(),
  face_matches: z.array(diditFaceMatchSchema).nullable().optional(),
  // Legacy (v2) singular blocks.
  liveness: diditLivenessSchema.nullable().optional(),
  face_match: diditFaceMatchSchema.nullable().optional(),
  reviews: z.array(diditReviewSchema).nullable().optional(),
  created_at: z.union([z.string(), z.number()]).nullable().optional(),
});
export type DiditDecision = z.infer<typeof diditDecisionSchema>;

/** A list row's step: `{feature, status}`, e.g. `{"feature": "LIVENESS", "status": "Approved"}`. */
const diditListedFeatureSchema = z.looseObject({ feature: z.string(), status: nullableString });

/** The newest generation's summary of a row's checks; older rows have none (docs/didit-contract.md §9). */
const diditListedDetailsSchema = z.looseObject({
  liveness: z.looseObject({ method: nullableString, score: sentScore }).nullable().optional(),
  face_match: z.looseObject({ score: sentScore }).nullable().optional(),
});

/**
 * A row of `GET /v3/sessions/` (docs/didit-contract.md §9). Reconciliation compares `features` and
 * `additional_details` with our copy; a row whose extras do not parse is still listed, as a row
 * that does not show them (the status alone must not be lost to a malformed extra).
 */
export const diditSessionSummarySchema = z.looseObject({
  session_id: diditIdLike,
  session_number: z.number().int().nullable().optional(),
  status: z.string(),
  vendor_data: nullableString,
  created_at: z.union([z.string(), z.number()]).nullable().optional(),
  features: z.array(diditListedFeatureSchema).nullable().optional().catch(null),
  additional_details: diditListedDetailsSchema.nullable().optional().catch(null),
});
export type DiditSessionSummary = z.infer<typeof diditSessionSummarySchema>;

/** DRF's limit/offset envelope; one documented generation answers a bare array instead. */
export const diditSessionListSchema = z.union([
  z.looseObject({
    count: z.number().int().nonnegative(),
    next: z.string().nullable().optional(),
    previous: z.string().nullable().optional(),
    results: z.array(diditSessionSummarySchema),
  }),
  z.array(diditSessionSummarySchema).transform((results) => ({ count: results.length, next: null, previous: null, results })),
]);

export const diditUpdateStatusResponseSchema = z.looseObject({ session_id: z.string() });

/** The part of every webhook body the receiver relies on (docs/didit-contract.md §13). */
export const webhookEnvelopeSchema = z.looseObject({
  webhook_type: z.string().min(1).max(200),
  timestamp: z.number().int().positive(),
  event_id: z.string().max(200).nullable().optional(),
});

/** Session events: `status.updated`, `data.updated`. */
export const sessionEventSchema = webhookEnvelopeSchema.extend({
  webhook_type: z.enum(['status.updated', 'data.updated']),
  session_id: diditIdSchema,
  status: z.string().min(1).max(100),
  created_at: z.number().int().nullable().optional(),
  workflow_id: diditIdSchema.nullable().optional(),
  vendor_data: z.string().nullable().optional(),
  decision: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type SessionEvent = z.infer<typeof sessionEventSchema>;

export const sessionEventTypes: readonly string[] = ['status.updated', 'data.updated'];

/**
 * A workflow version, as a list row or as the detail (docs/didit-contract.md §4–§8). `features`
 * comes in three documented shapes: `{feature, config}` items, a string list, or one `" + "`-joined
 * string (list rows). List rows carry no thresholds; the detail has them as flat fields (and in
 * `features[].config` when it lists configs).
 */
const diditFeatureItemSchema = z.union([
  z.string(),
  z.looseObject({ feature: z.string(), config: z.record(z.string(), z.unknown()).nullable().optional() }),
]);
export const diditWorkflowSchema = z.looseObject({
  uuid: diditIdLike.nullable().optional(),
  workflow_id: diditIdLike.nullable().optional(),
  workflow_label: nullableString,
  workflow_type: nullableString,
  version: z.number().int().nullable().optional(),
  status: nullableString,
  is_archived: z.boolean().nullable().optional(),
  created_at: z.union([z.string(), z.number()]).nullable().optional(),
  features: z
    .union([z.array(diditFeatureItemSchema), z.string()])
    .nullable()
    .optional(),
  is_liveness_enabled: z.boolean().nullable().optional(),
  is_face_match_enabled: z.boolean().nullable().optional(),
  face_liveness_method: nullableString,
  face_liveness_score_review_threshold: nullableNumber,
  face_liveness_score_decline_threshold: nullableNumber,
  face_match_score_review_threshold: nullableNumber,
  face_match_score_decline_threshold: nullableNumber,
});
export type DiditWorkflowDto = z.infer<typeof diditWorkflowSchema>;

/** The list: DRF envelope, or (one documented generation) a bare array. */
export const diditWorkflowListSchema = z.union([
  z.looseObject({
    count: z.number().int().nonnegative(),
    next: z.string().nullable().optional(),
    results: z.array(diditWorkflowSchema),
  }),
  z.array(diditWorkflowSchema).transform((results) => ({ count: results.length, next: null, results })),
]);
