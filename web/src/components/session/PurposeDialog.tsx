import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { accessPurposes, PURPOSE_NOTE_MAX, type AccessPurpose } from '../../../../server/contract/privacy.ts';
import type { RevealRequest } from '../../../../server/contract/review.ts';
import { Modal, ModalActions } from '../common/Modal.tsx';
import modal from '../common/Modal.module.css';
import styles from './PurposeDialog.module.css';

export interface PurposeDialogProps {
  /** Reveals with the chosen purpose; rejects to keep the dialog open with the reason shown. */
  onReveal: (body: RevealRequest) => Promise<void>;
  onCancel: () => void;
}

/**
 * Purpose of access (issue 19): before revealing the faces of a session that is not yours
 * (opened from a search or a link rather than claimed), say why, from a short list plus free
 * text ("other" needs the text). The purpose goes into the audit entry of the reveal. On the
 * shared `Modal`: focus starts on the first reason, stays inside (Tab cycles, the reasons are
 * one stop), Enter reveals, Esc or Cancel closes, and focus goes back where it was.
 */
export function PurposeDialog({ onReveal, onCancel }: PurposeDialogProps) {
  const noteId = useId();
  const hintId = useId();
  const firstRef = useRef<HTMLInputElement>(null);
  const [purpose, setPurpose] = useState<AccessPurpose | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const trimmed = note.trim();
  const problem = purpose === null ? 'Choose a purpose.' : purpose === 'other' && trimmed === '' ? 'Describe the purpose.' : null;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (busy || problem !== null || purpose === null) return;
    setBusy(true);
    setError(null);
    try {
      await onReveal({ purpose, ...(trimmed ? { purposeNote: trimmed } : {}) });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  // Enter on a reason reveals (browsers do not submit a form from a radio button by themselves);
  // Ctrl/⌘ Enter from the note.
  const submitOnEnter = (event: KeyboardEvent) => {
    const inNote = event.target instanceof HTMLTextAreaElement;
    if (event.key !== 'Enter' || (inNote && !event.ctrlKey && !event.metaKey)) return;
    if (event.target instanceof HTMLButtonElement) return;
    event.preventDefault();
    void submit();
  };

  return (
    <Modal
      title="Purpose of access"
      description={
        <p>
          This session is not claimed by you. Say why you need to see the faces: the reason is recorded with your name in the
          audit trail before they are revealed.
        </p>
      }
      initialFocus={firstRef}
      busy={busy}
      onCancel={onCancel}
    >
      <form onSubmit={(event) => void submit(event)} onKeyDown={submitOnEnter} aria-label="Purpose of access">
        <fieldset className={styles.purposes} disabled={busy}>
          <legend>Reason</legend>
          {accessPurposes.map((option, index) => (
            <label key={option.code} className={styles.option}>
              <input
                ref={index === 0 ? firstRef : undefined}
                type="radio"
                name="purpose"
                value={option.code}
                checked={purpose === option.code}
                onChange={() => setPurpose(option.code)}
              />
              {option.label}
            </label>
          ))}
        </fieldset>
        <label htmlFor={noteId} className={modal.label}>
          Details{purpose === 'other' ? ' (required)' : ' (optional)'}
        </label>
        <textarea
          id={noteId}
          className={modal.field}
          value={note}
          maxLength={PURPOSE_NOTE_MAX}
          disabled={busy}
          aria-describedby={hintId}
          aria-required={purpose === 'other'}
          onChange={(event) => setNote(event.target.value)}
        />
        <p id={hintId} className={`${modal.hint} ${styles.small}`}>
          A ticket number or a few words; not the person&apos;s name. At most {PURPOSE_NOTE_MAX} characters.
        </p>
        <ModalActions error={error} busy={busy} onCancel={onCancel}>
          <button
            type="submit"
            className={`${modal.button} ${modal.primary}`}
            disabled={busy || problem !== null}
            title={problem ?? undefined}
            aria-busy={busy || undefined}
          >
            {busy ? 'Revealing…' : 'Reveal faces'}
          </button>
        </ModalActions>
      </form>
    </Modal>
  );
}
