import { evidencePackImagesResponseSchema, evidencePackPath } from '../../../server/contract/evidence-pack.ts';
import { apiRequest } from './client.ts';

/** Evidence packs (issue 20): the PDF's address, and the per-workflow image policy (a lead's setting; audited). */

/** Where the browser downloads a decided session's evidence pack (the server audits each one). */
export const evidencePackUrl = (sessionId: string) => evidencePackPath(sessionId);

/** Whether this workflow's evidence packs embed the selfie and portrait (default no: hashes only). */
export const setEvidencePackImages = (workflowId: string, evidencePackImages: boolean) =>
  apiRequest('PUT', `/api/workflows/${encodeURIComponent(workflowId)}/evidence-pack-images`, evidencePackImagesResponseSchema, {
    body: { evidencePackImages },
  });
