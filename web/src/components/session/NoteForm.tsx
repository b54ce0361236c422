import { useId, useState, type FormEvent, type RefObject } from 'react';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { errorMessage } from '../../api/review.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import styles from './SessionPanels.module.css';

/** A note on the session without a decision (`n` focuses it). */
export function NoteForm({
  session,
  textareaRef,
  onSaved,
}: {
  session: SessionDetail;
  textareaRef?: RefObject<HTMLTextAreaElement | null>;
  onSaved: (fresh: SessionDetail, message: string) => void;
}) {
  const api = useReviewApi();
  const id = useId();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (note.trim() === '') {
      setError('Write a note first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const fresh = await api.addNote(session.id, note.trim());
      setNote('');
      onSaved(fresh, 'Note added.');
    } catch (cause) {
      setError(`Could not add the note: ${errorMessage(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={styles.form} onSubmit={(event) => void submit(event)} aria-label="Add a note">
      <label htmlFor={`${id}-note`} className={styles.fieldLabel}>
        Note <span className={styles.muted}>(without a decision)</span>
      </label>
      <textarea
        id={`${id}-note`}
        ref={textareaRef}
        rows={2}
        value={note}
        maxLength={5000}
        onChange={(event) => setNote(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') event.currentTarget.blur();
        }}
      />
      <div className={styles.formActions}>
        <button type="submit" className={styles.button} disabled={busy}>
          Add note
        </button>
        {error ? (
          <span role="alert" className={styles.errorText}>
            {error}
          </span>
        ) : null}
      </div>
    </form>
  );
}
