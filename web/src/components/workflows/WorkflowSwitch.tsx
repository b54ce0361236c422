import { useMutation } from '@tanstack/react-query';
import { useId } from 'react';
import { errorMessage } from '../../api/review.ts';
import styles from '../thresholds/Thresholds.module.css';

export interface WorkflowSwitchProps {
  /** The switch's name. */
  label: string;
  value: boolean;
  /** What the value means, in words: the read-only form, and the switch's description. */
  describe: (value: boolean) => string;
  /** Saves the new value (the server audits it). */
  save: (value: boolean) => Promise<unknown>;
  /** Leads switch it; everyone else reads what it is. */
  canChange: boolean;
  onChanged: () => void;
}

/** A per-workflow yes/no policy a lead switches on the workflow page, saved at once. */
export function WorkflowSwitch({ label, value, describe, save, canChange, onChanged }: WorkflowSwitchProps) {
  const descriptionId = useId();
  const mutation = useMutation({ mutationFn: save, onSuccess: onChanged });
  if (!canChange) return <p className={styles.muted}>{describe(value)}</p>;
  // Shows the choice being saved until the workflow is read again.
  const checked = mutation.isPending && mutation.variables !== undefined ? mutation.variables : value;
  return (
    <div className={styles.inlineForm}>
      <label>
        <input
          type="checkbox"
          role="switch"
          checked={checked}
          disabled={mutation.isPending}
          aria-describedby={descriptionId}
          onChange={(event) => mutation.mutate(event.target.checked)}
        />{' '}
        {label}
      </label>{' '}
      <span id={descriptionId} className={styles.muted}>
        {mutation.isPending ? 'Saving…' : describe(value)}
      </span>
      {mutation.error ? (
        <span role="alert" className={styles.error}>
          {' '}
          {errorMessage(mutation.error)}
        </span>
      ) : null}
    </div>
  );
}
