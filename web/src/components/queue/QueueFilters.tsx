import { useId, useState, type FormEvent } from 'react';
import {
  assigneeFilters,
  livenessMethods,
  queueQuerySchema,
  sessionStatuses,
  type QueueQuery,
  type QueueQueryInput,
} from '../../../../server/contract/review.ts';
import { knownWarningCodes } from './warning-codes.ts';
import styles from './QueueFilters.module.css';

interface Draft {
  status: string;
  workflow: string;
  method: string;
  warning: string;
  livenessMin: string;
  livenessMax: string;
  faceMatchMin: string;
  faceMatchMax: string;
  assignee: string;
  minAgeMinutes: string;
  q: string;
}

const str = (value: number | string | undefined) => (value === undefined ? '' : String(value));

function draftOf(query: QueueQuery): Draft {
  return {
    status: query.status,
    workflow: query.workflow ?? '',
    method: query.method ?? '',
    warning: query.warning.join(', '),
    livenessMin: str(query.livenessMin),
    livenessMax: str(query.livenessMax),
    faceMatchMin: str(query.faceMatchMin),
    faceMatchMax: str(query.faceMatchMax),
    assignee: query.assignee,
    minAgeMinutes: str(query.minAgeMinutes),
    q: query.q ?? '',
  };
}

const blankToUndefined = (value: string) => (value.trim() === '' ? undefined : value.trim());

/** Draft → the filter part of a queue query (strings; the contract's schema coerces and checks them). */
function patchOf(draft: Draft): Partial<QueueQueryInput> {
  return {
    status: draft.status as QueueQueryInput['status'],
    workflow: blankToUndefined(draft.workflow),
    method: blankToUndefined(draft.method) as QueueQueryInput['method'],
    warning: draft.warning
      .split(/[\s,]+/)
      .map((code) => code.trim().toUpperCase())
      .filter(Boolean),
    livenessMin: blankToUndefined(draft.livenessMin),
    livenessMax: blankToUndefined(draft.livenessMax),
    faceMatchMin: blankToUndefined(draft.faceMatchMin),
    faceMatchMax: blankToUndefined(draft.faceMatchMax),
    assignee: draft.assignee as QueueQueryInput['assignee'],
    minAgeMinutes: blankToUndefined(draft.minAgeMinutes),
    q: blankToUndefined(draft.q),
  };
}

const fieldLabels: Record<string, string> = {
  workflow: 'Workflow',
  warning: 'Warning codes',
  livenessMin: 'Liveness from',
  livenessMax: 'Liveness to',
  faceMatchMin: 'Face match from',
  faceMatchMax: 'Face match to',
  minAgeMinutes: 'Waiting at least',
  q: 'Vendor data',
};

export interface QueueFiltersProps {
  query: QueueQuery;
  workflows: { id: string; label: string }[];
  onApply: (patch: Partial<QueueQueryInput>) => void;
  onReset: () => void;
}

/** The queue's filters. Remount it (`key`) when the URL changes so the draft follows the URL. */
export function QueueFilters({ query, workflows, onApply, onReset }: QueueFiltersProps) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(query));
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const errorId = `${id}-error`;

  const apply = (next: Draft) => {
    const patch = patchOf(next);
    const result = queueQuerySchema.safeParse({ ...query, cursor: undefined, ...patch });
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = String(issue?.path[0] ?? '');
      setError(`${fieldLabels[field] ?? field}: ${issue?.message ?? 'invalid value'}`);
      return;
    }
    setError(null);
    onApply(patch);
  };

  const set = (key: keyof Draft, value: string, applyNow = false) => {
    const next = { ...draft, [key]: value };
    setDraft(next);
    if (applyNow) apply(next);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };

  const workflowOptions =
    workflows.some((w) => w.id === query.workflow) || !query.workflow
      ? workflows
      : [...workflows, { id: query.workflow, label: query.workflow }];

  return (
    <form
      className={styles.filters}
      onSubmit={onSubmit}
      aria-label="Queue filters"
      aria-describedby={error ? errorId : undefined}
    >
      <label className={styles.field}>
        <span>Status</span>
        <select value={draft.status} onChange={(e) => set('status', e.target.value, true)}>
          {sessionStatuses.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.field}>
        <span>Workflow</span>
        <select value={draft.workflow} onChange={(e) => set('workflow', e.target.value, true)}>
          <option value="">Any</option>
          {workflowOptions.map((workflow) => (
            <option key={workflow.id} value={workflow.id}>
              {workflow.label}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.field}>
        <span>Liveness method</span>
        <select value={draft.method} onChange={(e) => set('method', e.target.value, true)}>
          <option value="">Any</option>
          {livenessMethods.map((method) => (
            <option key={method} value={method}>
              {method}
            </option>
          ))}
        </select>
      </label>
      <label className={styles.field}>
        <span>Assignee</span>
        <select value={draft.assignee} onChange={(e) => set('assignee', e.target.value, true)}>
          {assigneeFilters.map((assignee) => (
            <option key={assignee} value={assignee}>
              {assignee === 'me' ? 'Me' : assignee === 'unassigned' ? 'Unassigned' : 'Anyone'}
            </option>
          ))}
        </select>
      </label>
      <label className={`${styles.field} ${styles.wide}`}>
        <span>Warning codes</span>
        <input
          value={draft.warning}
          list={`${id}-codes`}
          placeholder="e.g. LOW_FACE_MATCH_SIMILARITY"
          spellCheck={false}
          onChange={(e) => set('warning', e.target.value)}
        />
        <datalist id={`${id}-codes`}>
          {knownWarningCodes.map((code) => (
            <option key={code} value={code} />
          ))}
        </datalist>
      </label>
      <div role="group" aria-labelledby={`${id}-live`} className={styles.field}>
        <span id={`${id}-live`}>Liveness score</span>
        <span className={styles.range}>
          <input
            aria-label="Liveness from"
            inputMode="decimal"
            placeholder="0"
            value={draft.livenessMin}
            onChange={(e) => set('livenessMin', e.target.value)}
          />
          <span aria-hidden="true">–</span>
          <input
            aria-label="Liveness to"
            inputMode="decimal"
            placeholder="100"
            value={draft.livenessMax}
            onChange={(e) => set('livenessMax', e.target.value)}
          />
        </span>
      </div>
      <div role="group" aria-labelledby={`${id}-face`} className={styles.field}>
        <span id={`${id}-face`}>Face-match score</span>
        <span className={styles.range}>
          <input
            aria-label="Face match from"
            inputMode="decimal"
            placeholder="0"
            value={draft.faceMatchMin}
            onChange={(e) => set('faceMatchMin', e.target.value)}
          />
          <span aria-hidden="true">–</span>
          <input
            aria-label="Face match to"
            inputMode="decimal"
            placeholder="100"
            value={draft.faceMatchMax}
            onChange={(e) => set('faceMatchMax', e.target.value)}
          />
        </span>
      </div>
      <label className={styles.field}>
        <span>Waiting at least (min)</span>
        <input inputMode="numeric" value={draft.minAgeMinutes} onChange={(e) => set('minAgeMinutes', e.target.value)} />
      </label>
      <label className={`${styles.field} ${styles.wide}`}>
        <span>Vendor data</span>
        <input type="search" value={draft.q} spellCheck={false} onChange={(e) => set('q', e.target.value)} />
      </label>
      <div className={styles.actions}>
        <button type="submit" className={styles.primary}>
          Apply
        </button>
        <button type="button" className={styles.button} onClick={onReset}>
          Reset
        </button>
      </div>
      {error ? (
        <p id={errorId} role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}
    </form>
  );
}
