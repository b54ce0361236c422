import { useState, type FormEvent } from 'react';
import type { InsightsResponse } from '../../../../server/contract/insights.ts';
import type { InsightsFilters as Filters } from './insights-url.ts';
// The filter bar's look is the audit page's (tokens share it too).
import styles from '../audit/Audit.module.css';

/** Range and workflow; applied together, so the URL (and the figures) change once. */
export function InsightsFilters({
  value,
  range,
  workflows,
  onApply,
}: {
  value: Filters;
  /** The range the figures on screen cover (the defaults filled in). */
  range: InsightsResponse['range'] | undefined;
  workflows: InsightsResponse['workflows'];
  onApply: (next: Filters) => void;
}) {
  const [draft, setDraft] = useState<Filters>({
    from: value.from || range?.from || '',
    to: value.to || range?.to || '',
    workflow: value.workflow,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };
  return (
    <form className={styles.filters} onSubmit={submit} aria-label="Insights range">
      <label>
        From (UTC day)
        <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
      </label>
      <label>
        To (UTC day)
        <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
      </label>
      <label>
        Workflow
        <select value={draft.workflow} onChange={(e) => setDraft({ ...draft, workflow: e.target.value })}>
          <option value="">All workflows</option>
          {workflows.map((w) => (
            <option key={w.id} value={w.id}>
              {w.label ?? w.id}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Show</button>
      <button type="button" className={styles.secondary} onClick={() => onApply({ from: '', to: '', workflow: '' })}>
        Last 30 days
      </button>
    </form>
  );
}
