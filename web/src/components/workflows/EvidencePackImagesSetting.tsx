import { setEvidencePackImages } from '../../api/evidence-pack.ts';
import { WorkflowSwitch } from './WorkflowSwitch.tsx';

/** What the policy means for a session's evidence pack, in words (the read-only form and the switch's description). */
export function evidencePackImagesText(evidencePackImages: boolean): string {
  return evidencePackImages
    ? 'Evidence packs of this workflow embed the selfie and portrait, with their SHA-256 hashes.'
    : 'Evidence packs of this workflow carry the SHA-256 hashes of the selfie and portrait, not the images.';
}

/**
 * Whether a workflow's evidence packs (the PDF for auditors) embed the images (issue 20; default
 * no). Leads switch it here, saved at once and audited; everyone else reads what it is.
 */
export function EvidencePackImagesSetting({
  workflowId,
  evidencePackImages,
  canChange,
  onChanged,
}: {
  workflowId: string;
  evidencePackImages: boolean;
  canChange: boolean;
  onChanged: () => void;
}) {
  return (
    <WorkflowSwitch
      label="Embed images in evidence packs"
      value={evidencePackImages}
      describe={evidencePackImagesText}
      save={(embed) => setEvidencePackImages(workflowId, embed)}
      canChange={canChange}
      onChanged={onChanged}
    />
  );
}
