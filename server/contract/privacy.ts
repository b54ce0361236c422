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
