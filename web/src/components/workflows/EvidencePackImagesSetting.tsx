import { useMutation } from '@tanstack/react-query';
import { setEvidencePackImages } from '../../api/evidence-pack.ts';
import { errorMessage } from '../../api/review.ts';
import styles from '../thresholds/Thresholds.module.css';

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
  const save = useMutation({
    mutationFn: (embed: boolean) => setEvidencePackImages(workflowId, embed),
    onSuccess: onChanged,
  });
  if (!canChange) return <p className={styles.muted}>{evidencePackImagesText(evidencePackImages)}</p>;
  // Shows the choice being saved until the workflow is read again.
  const checked = save.isPending && save.variables !== undefined ? save.variables : evidencePackImages;
  return (
    <div className={styles.inlineForm}>
      <label>
        <input
          type="checkbox"
          role="switch"
          checked={checked}
          disabled={save.isPending}
          aria-describedby={`evidence-pack-images-${workflowId}`}
          onChange={(event) => save.mutate(event.target.checked)}
        />{' '}
        Embed images in evidence packs
      </label>{' '}
      <span id={`evidence-pack-images-${workflowId}`} className={styles.muted}>
        {save.isPending ? 'Saving…' : evidencePackImagesText(evidencePackImages)}
      </span>
      {save.error ? (
        <span role="alert" className={styles.error}>
          {' '}
          {errorMessage(save.error)}
        </span>
      ) : null}
    </div>
  );
}
