import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Modal, ModalActions } from './Modal.tsx';
import styles from './Modal.module.css';

/** A note the dialog asks for (e.g. why a proposal is rejected), sent to `onConfirm`. */
export interface DialogNoteField {
  label: string;
  /** Prefilled text; the caret is put at its end. */
  initial?: string;
  /** What is wrong with the text (Confirm stays disabled), or null when it can be sent. */
  check?: (text: string) => string | null;
}

export interface ConfirmDialogProps {
  /** The dialog's accessible name: say what is about to happen and to what. */
  title: string;
  /** What confirming does; the dialog's accessible description. */
  children: ReactNode;
  confirmLabel: string;
  /** `danger` for what cannot be taken back (the confirm button is red). */
  tone?: 'danger' | 'default';
  /** A note to write before confirming; focus starts in it. */
  note?: DialogNoteField;
  /** Gets the note (trimmed; '' without one). Throws to keep the dialog open with the error shown in it. */
  onConfirm: (note: string) => Promise<void> | void;
  onCancel: () => void;
}

/**
 * The in-app replacement for the browser's confirm box, on the shared `Modal` (focus kept inside,
 * Esc or a click outside cancels, focus goes back to the opener). Focus starts on Cancel, the
 * safe choice, or in the note when there is one.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  tone = 'default',
  note,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const noteId = useId();
  const problemId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState(note?.initial ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const problem = note?.check?.(text) ?? null;

  // The modal focuses the note as it opens (its effect runs first); the caret goes after the prefilled text.
  useEffect(() => {
    const field = noteRef.current;
    field?.setSelectionRange(field.value.length, field.value.length);
  }, []);

  const accept = async () => {
    if (busy || problem !== null) return;
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(text.trim());
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return (
    <Modal title={title} description={children} initialFocus={note ? noteRef : cancelRef} busy={busy} onCancel={onCancel}>
      {note ? (
        <>
          <label htmlFor={noteId} className={styles.label}>
            {note.label}
          </label>
          <textarea
            ref={noteRef}
            id={noteId}
            className={styles.field}
            value={text}
            maxLength={2000}
            aria-invalid={problem !== null ? true : undefined}
            aria-describedby={problem !== null ? problemId : undefined}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                void accept();
              }
            }}
          />
          {problem !== null ? (
            <p id={problemId} className={styles.hint}>
              {problem}
            </p>
          ) : null}
        </>
      ) : null}
      <ModalActions error={error} busy={busy} onCancel={onCancel} cancelRef={cancelRef}>
        <button
          type="button"
          className={`${styles.button} ${tone === 'danger' ? styles.danger : styles.primary}`}
          disabled={busy || problem !== null}
          aria-busy={busy || undefined}
          onClick={() => void accept()}
        >
          {busy ? 'Working…' : confirmLabel}
        </button>
      </ModalActions>
    </Modal>
  );
}
