import { useState, type FormEvent } from 'react';
import { accessPurposes } from '../../../../server/contract/privacy.ts';
import { fromLocalInput, toLocalInput, type AuditFilters as Filters } from './audit-url.ts';
import styles from './Audit.module.css';

/** Filter bar: who, what, on what, why (a reveal's purpose of access), when. Applying replaces the URL's filters. */
export function AuditFilters({ value, onApply }: { value: Filters; onApply: (filters: Filters) => void }) {
  const [draft, setDraft] = useState({
    actor: value.actor ?? '',
    action: value.action ?? '',
    targetType: value.targetType ?? '',
    targetId: value.targetId ?? '',
    purpose: value.purpose ?? '',
    from: toLocalInput(value.from),
    to: toLocalInput(value.to),
  });
  const set = (key: keyof typeof draft) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [key]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({
      actor: draft.actor,
      action: draft.action,
      targetType: draft.targetType,
      targetId: draft.targetId,
      purpose: draft.purpose,
      from: fromLocalInput(draft.from),
      to: fromLocalInput(draft.to),
    });
  };
  return (
    <form className={styles.filters} onSubmit={submit} aria-label="Audit filters">
      <label>
        Actor
        <input value={draft.actor} onChange={set('actor')} placeholder="email, token name or id" />
      </label>
      <label>
        Action
        <input value={draft.action} onChange={set('action')} placeholder="auth.login or auth.*" />
      </label>
      <label>
        Target type
        <input value={draft.targetType} onChange={set('targetType')} placeholder="session" />
      </label>
      <label>
        Target id
        <input value={draft.targetId} onChange={set('targetId')} />
      </label>
      <label>
        Purpose
        <select value={draft.purpose} onChange={set('purpose')}>
          <option value="">Any</option>
          {accessPurposes.map((purpose) => (
            <option key={purpose.code} value={purpose.code}>
              {purpose.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="datetime-local" value={draft.from} onChange={set('from')} />
      </label>
      <label>
        To
        <input type="datetime-local" value={draft.to} onChange={set('to')} />
      </label>
      <div className={styles.filterActions}>
        <button type="submit">Apply</button>
        <button
          type="button"
          className={styles.secondary}
          onClick={() => {
            setDraft({ actor: '', action: '', targetType: '', targetId: '', purpose: '', from: '', to: '' });
            onApply({});
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
