import { useEffect, useId, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import styles from './Thresholds.module.css';

export interface DialogNoteField {
  label: string;
  /** Prefilled text; the caret is put at its end. */
  initial?: string;
  /** What is wrong with the text (Confirm stays disabled), or null when it can be sent. */
  check?: (text: string) => string | null;
}

const focusableSelector =
  'button:not([disabled]), textarea:not([disabled]), input:not([disabled]), select:not([disabled]), a[href]';

/**
 * A modal confirmation for a threshold step that cannot be taken back. Focus moves in (to the
 * note when there is one) and stays in: Tab and Shift+Tab cycle through the dialog. Esc or Cancel
 * closes it, and focus goes back to what had it, the button that opened it. The parent renders
 * it only while open; `onConfirm` gets the note (trimmed, '' when empty) and the parent closes the
 * dialog when it succeeds. A failure is shown in the dialog, which stays open.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  note,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  note?: DialogNoteField;
  onConfirm: (note: string) => Promise<void>;
  onCancel: () => void;
}) {
  const titleId = useId();
  const bodyId = useId();
  const noteId = useId();
  const problemId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [text, setText] = useState(note?.initial ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const problem = note?.check?.(text) ?? null;

  // Kept in a ref so the effect below runs once per opening, not on each render of the parent.
  const cancelIfIdle = useRef(onCancel);
  useEffect(() => {
    cancelIfIdle.current = () => {
      if (!busy) onCancel();
    };
  }, [busy, onCancel]);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const field = noteRef.current;
    if (field) {
      field.focus();
      field.setSelectionRange(field.value.length, field.value.length);
    } else {
      cancelRef.current?.focus();
    }
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        cancelIfIdle.current();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  const trapTab = (event: ReactKeyboardEvent) => {
    if (event.key !== 'Tab' || !dialogRef.current) return;
    const focusable = [...dialogRef.current.querySelectorAll<HTMLElement>(focusableSelector)];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first || !last) return;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !dialogRef.current.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialogRef.current.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  };

  const confirm = async () => {
    if (problem !== null || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm(text.trim());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };

  return (
    <div className={styles.backdrop}>
      <div
        ref={dialogRef}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
        className={styles.dialog}
        onKeyDown={trapTab}
      >
        <h2 id={titleId}>{title}</h2>
        <div id={bodyId}>{children}</div>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void confirm();
          }}
        >
          {note ? (
            <>
              <label htmlFor={noteId}>{note.label}</label>
              <textarea
                ref={noteRef}
                id={noteId}
                className={styles.reason}
                value={text}
                maxLength={2000}
                aria-invalid={problem !== null ? true : undefined}
                aria-describedby={problem !== null ? problemId : undefined}
                onChange={(event) => setText(event.target.value)}
              />
              {problem !== null ? (
                <p id={problemId} className={styles.muted}>
                  {problem}
                </p>
              ) : null}
            </>
          ) : null}
          {error ? (
            <p className={styles.error} role="alert">
              {error}
            </p>
          ) : null}
          <div className={styles.actions}>
            <button type="submit" className={`${styles.button} ${styles.primary}`} disabled={busy || problem !== null}>
              {confirmLabel}
            </button>
            <button ref={cancelRef} type="button" className={styles.button} disabled={busy} onClick={onCancel}>
              Cancel
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
