import { z } from 'zod';

/**
 * Evidence packs (issue 20): the PDF of a decided session for auditors, and the per-workflow
 * policy that says whether it embeds the images or carries their hashes only.
 */

/**
 * `PUT /api/workflows/:id/evidence-pack-images`: whether evidence packs of this workflow's
 * sessions embed the selfie and portrait. Default no: their SHA-256 hashes only.
 */
export const evidencePackImagesRequestSchema = z.strictObject({ evidencePackImages: z.boolean() });
export type EvidencePackImagesRequest = z.infer<typeof evidencePackImagesRequestSchema>;

/** The workflow with its new setting. */
export const evidencePackImagesResponseSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  evidencePackImages: z.boolean(),
});
export type EvidencePackImagesResponse = z.infer<typeof evidencePackImagesResponseSchema>;

/** `GET /api/sessions/:id/evidence-pack.pdf`: where the web app links to download a session's pack. */
export function evidencePackPath(sessionId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/evidence-pack.pdf`;
}
