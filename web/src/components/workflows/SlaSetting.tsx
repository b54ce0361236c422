import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { setWorkflowSla } from '../../api/insights.ts';
import { errorMessage } from '../../api/review.ts';
import { formatDuration } from '../queue/sla.ts';
import styles from '../thresholds/Thresholds.module.css';

/**
 * How long a session of this workflow may wait In Review: the queue colours ages by it and the
 * insights page counts breaches of it. Leads change it here (audited).
 */
export function SlaSetting({
  workflowId,
  slaMinutes,
  canChange,
  onChanged,
}: {
  workflowId: string;
  slaMinutes: number;
  canChange: boolean;
  onChanged: () => void;
}) {
  const [draft, setDraft] = useState(String(slaMinutes));
  const save = useMutation({ mutationFn: (minutes: number) => setWorkflowSla(workflowId, minutes), onSuccess: onChanged });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(Number(draft));
  };
  if (!canChange) return <span>Review SLA {formatDuration(slaMinutes)}</span>;
  return (
    <form onSubmit={submit} className={styles.inlineForm} aria-label="Review SLA">
      <label>
        Review SLA (minutes){' '}
        <input
          type="number"
          min={5}
          max={10080}
          step={1}
          required
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          className={styles.slaInput}
        />
      </label>{' '}
      <button type="submit" disabled={save.isPending || Number(draft) === slaMinutes}>
        {save.isPending ? 'Saving…' : 'Save'}
      </button>{' '}
      <span className={styles.muted}>{formatDuration(slaMinutes)} now</span>
      {save.error ? (
        <span role="alert" className={styles.error}>
          {' '}
          {errorMessage(save.error)}
        </span>
      ) : null}
    </form>
  );
}
