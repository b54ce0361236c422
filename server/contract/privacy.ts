import { z } from 'zod';

/**
 * What the console holds about the person behind a session and who may see their face
 * (ADR 0016, docs/privacy.md), as the session page shows it.
 */

/** What of the session is still held by the console itself (everything else is only at Didit). */
export const heldLocallySchema = z.object({
  /** Didit's decision JSON as sent (it carries metadata, IP analysis, the person's details). */
  decision: z.boolean(),
  /** Signed links to the selfie, portrait and video (the images themselves are never stored). */
  mediaLinks: z.boolean(),
  /** The application's id of the person (`vendor_data`). */
  vendorData: z.boolean(),
  /** The text of analysts' notes (RETENTION_NOTES=remove takes it with the rest). */
  notes: z.boolean(),
});
export type HeldLocally = z.infer<typeof heldLocallySchema>;

export const sessionPrivacySchema = z.object({
  heldLocally: heldLocallySchema,
  /** When retention or an erasure removed the personal data; null while it is held. */
  removedAt: z.string().nullable(),
  removal: z.enum(['retention', 'erasure']).nullable(),
  /** The erasure request's reference (a ticket number; never the person), when erased on request. */
  erasureReference: z.string().nullable(),
  /** RETENTION_DAYS. */
  retentionDays: z.number().int(),
  /**
   * When retention will remove the personal data: RETENTION_DAYS after the final decision; null
   * while the session is not final (or the data is already gone).
   */
  removableAfter: z.string().nullable(),
});
export type SessionPrivacy = z.infer<typeof sessionPrivacySchema>;

/** Whether this person may reveal the session's faces, and whether they must say why first. */
export const revealPolicySchema = z.object({
  /** Viewers only where the workflow allows it (`viewers_may_reveal`); analysts and up always. */
  allowed: z.boolean(),
  /** The session is not theirs (not claimed by them): a purpose of access is asked before revealing. */
  purposeRequired: z.boolean(),
});
export type RevealPolicy = z.infer<typeof revealPolicySchema>;

/** Statuses after which Didit changes nothing more by itself: retention counts from them. */
export const FINAL_STATUSES = ['Approved', 'Declined', 'Abandoned', 'Expired', 'Kyc Expired'] as const;

/**
 * Why someone reveals the faces of a session that is not theirs (not claimed by them, e.g. opened
 * from a search or a link): recorded with the reveal in the audit trail, which filters by it.
 */
export const accessPurposes = [
  { code: 'fraud_investigation', label: 'Fraud or security investigation' },
  { code: 'decision_review', label: 'Quality review of a decision' },
  { code: 'subject_request', label: 'Request from the person' },
  { code: 'legal_request', label: 'Legal or regulatory request' },
  { code: 'other', label: 'Other (describe)' },
] as const;
export type AccessPurpose = (typeof accessPurposes)[number]['code'];
export const accessPurposeSchema = z.enum(accessPurposes.map((purpose) => purpose.code) as [AccessPurpose, ...AccessPurpose[]]);

/** A purpose's words, for the dialog and the audit page; the code itself when it is not one of ours. */
export function accessPurposeLabel(code: string): string {
  return accessPurposes.find((purpose) => purpose.code === code)?.label ?? code;
}

/** The longest free-text purpose note (it lands in the audit trail verbatim). */
export const PURPOSE_NOTE_MAX = 500;

// --- Erasure on request (ADR 0016, server/privacy/erasure.ts) ---

/**
 * What an erasure request is known by: a ticket or DSAR number. It lands in the audit trail, so
 * it must not name the person (no `@`, so no email address).
 */
export const erasureReferenceSchema = z
  .string()
  .trim()
  .min(1, 'give the request a reference (a ticket or DSAR number)')
  .max(120)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 #._:/-]*$/, 'letters, digits, spaces and # . _ : / - only (a ticket number, not the person)');

/** `person`: every session of the person behind the session (linked by `vendor_data`); `session`: that one only. */
export const erasureScopeSchema = z.enum(['person', 'session']);
export type ErasureScope = z.infer<typeof erasureScopeSchema>;

/** `POST /api/sessions/:id/erasure` */
export const erasureRequestSchema = z.strictObject({
  reference: erasureReferenceSchema.describe('A ticket or DSAR number; never the person (it is audited).'),
  scope: erasureScopeSchema.describe(
    "`person`: every session of this session's person, here and at Didit (including sessions only Didit has); `session`: this session only.",
  ),
});
export type ErasureRequestInput = z.infer<typeof erasureRequestSchema>;

/** `/api/erasures/:id` */
export const erasureParamsSchema = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('The erasure request id.'),
});

/**
 * Where the deletion of one session at Didit stands: `pending` (retried until Didit confirms),
 * `deleted` (Didit deleted it), `gone` (Didit answered 404: deleted before, or never there),
 * `failed` (Didit refused, e.g. 409 `in_filed_report`; `lastError` has its answer; running the
 * erasure again retries it).
 */
export const erasureDiditStateSchema = z.enum(['pending', 'deleted', 'gone', 'failed']);
export type ErasureDiditStateName = z.infer<typeof erasureDiditStateSchema>;

export const erasureSessionSchema = z.object({
  sessionId: z.string(),
  diditState: erasureDiditStateSchema,
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  confirmedAt: z.string().nullable(),
});
export type ErasureSessionView = z.infer<typeof erasureSessionSchema>;

/** An erasure request as the console shows it; it names the request, never the person. */
export const erasureStatusSchema = z.object({
  id: z.number().int(),
  reference: z.string(),
  scope: erasureScopeSchema,
  requestedAt: z.string(),
  requestedBy: z.string(),
  /**
   * `in_progress`: sessions still to delete at Didit (or its list still to search); `failed`:
   * nothing left to try but Didit refused some (running the erasure again retries them);
   * `completed`: Didit confirmed every session gone.
   */
  state: z.enum(['in_progress', 'failed', 'completed']),
  /**
   * Didit's session list searched for the person's sessions the console never stored: `pending`,
   * `done`, `not_needed` (one session erased), `not_possible` (the person's `vendor_data` is no
   * longer known here, e.g. retention removed it: the sessions linked by its hash are erased).
   */
  diditSearch: z.enum(['pending', 'done', 'not_needed', 'not_possible']),
  diditSearchedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  counts: z.object({
    total: z.number().int(),
    pending: z.number().int(),
    deleted: z.number().int(),
    gone: z.number().int(),
    failed: z.number().int(),
  }),
  sessions: z.array(erasureSessionSchema),
});
export type ErasureStatus = z.infer<typeof erasureStatusSchema>;

/** The answer to an erasure request: where it stands, and whether it resumed an open one. */
export const erasureResponseSchema = z.object({ erasure: erasureStatusSchema, resumed: z.boolean() });
export type ErasureResponse = z.infer<typeof erasureResponseSchema>;
