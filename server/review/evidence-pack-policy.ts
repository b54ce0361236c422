import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import type { EvidencePackImagesResponse } from '../contract/evidence-pack.ts';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { lockEvidencePackPolicy, updateEvidencePackPolicy } from './evidence-pack.repository.ts';

/**
 * Whether a workflow's evidence packs embed the selfie and portrait (issue 20). Default no: a
 * pack carries the images' SHA-256 hashes, which prove what was seen without copying a face into
 * a document that leaves the console. A lead turns it on per workflow; every change is audited.
 */

/**
 * Sets `workflow.evidence_pack_images`; audited as `workflow.evidence_pack_images_changed`
 * {from, to} when it changes. 404 for an unknown workflow.
 */
export async function setEvidencePackImages(
  trx: Transaction<DB>,
  input: { workflowId: string; evidencePackImages: boolean; actor: Actor; origin: RequestOrigin },
): Promise<EvidencePackImagesResponse> {
  const before = await lockEvidencePackPolicy(trx, input.workflowId);
  if (!before) throw new AppError(404, 'not_found', `No workflow ${input.workflowId} is known to the console.`);
  const row = await updateEvidencePackPolicy(trx, input.workflowId, input.evidencePackImages);
  if (before.evidence_pack_images !== input.evidencePackImages) {
    await appendAudit(trx, {
      actor: input.actor,
      action: 'workflow.evidence_pack_images_changed',
      targetType: 'workflow',
      targetId: input.workflowId,
      ...input.origin,
      details: { from: before.evidence_pack_images, to: input.evidencePackImages },
    });
  }
  return { id: row.id, label: row.label, evidencePackImages: row.evidence_pack_images };
}
