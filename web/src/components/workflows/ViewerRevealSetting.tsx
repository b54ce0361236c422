import { useMutation } from '@tanstack/react-query';
import { errorMessage } from '../../api/review.ts';
import { setViewersMayReveal } from '../../api/thresholds.ts';
import styles from '../thresholds/Thresholds.module.css';

/** What the setting means for viewers, in words (the read-only form and the switch's description). */
export function viewerRevealText(viewersMayReveal: boolean): string {
  return viewersMayReveal
    ? 'Viewers may reveal faces in this workflow (blurred until they do; each reveal is audited).'
    : 'Viewers see scores and warnings only in this workflow: faces are hidden from them.';
}

/**
 * Whether viewers may reveal faces in this workflow's sessions (issue 19; default no). Leads
 * switch it here, saved at once and audited; everyone else reads what it is.
 */
export function ViewerRevealSetting({
  workflowId,
  viewersMayReveal,
  canChange,
  onChanged,
}: {
  workflowId: string;
  viewersMayReveal: boolean;
  canChange: boolean;
  onChanged: () => void;
}) {
  const save = useMutation({
    mutationFn: (allow: boolean) => setViewersMayReveal(workflowId, allow),
    onSuccess: onChanged,
  });
  if (!canChange) return <p className={styles.muted}>{viewerRevealText(viewersMayReveal)}</p>;
  // Shows the choice being saved until the workflow is read again.
  const checked = save.isPending && save.variables !== undefined ? save.variables : viewersMayReveal;
  return (
    <div className={styles.inlineForm}>
      <label>
        <input
          type="checkbox"
          role="switch"
          checked={checked}
          disabled={save.isPending}
          aria-describedby={`viewer-reveal-${workflowId}`}
          onChange={(event) => save.mutate(event.target.checked)}
        />{' '}
        Viewers may reveal faces
      </label>{' '}
      <span id={`viewer-reveal-${workflowId}`} className={styles.muted}>
        {save.isPending ? 'Saving…' : viewerRevealText(viewersMayReveal)}
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
