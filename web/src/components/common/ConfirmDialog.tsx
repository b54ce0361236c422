import { useEffect, useId, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import styles from './ConfirmDialog.module.css';

const focusableSelector =
  'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href]';

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
 * The in-app replacement for the browser's confirm box: a modal dialog, rendered by its parent
 * only while open. Focus starts on Cancel (the safe choice) and stays in the dialog (Tab and
 * Shift+Tab cycle); Esc, Cancel or a click outside cancels; on close focus goes back to what had
 * it before, the button that opened it, when that is still on the page.
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
  const titleId = useId();
  const bodyId = useId();
  const noteId = useId();
  const problemId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState(note?.initial ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const problem = note?.check?.(text) ?? null;

  // A ref, so the effect below runs once per opening rather than on every render of the parent.
  const cancel = useRef(onCancel);
  useEffect(() => {
    cancel.current = () => {
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
      if (event.key !== 'Escape') return;
      event.preventDefault();
      event.stopPropagation();
      cancel.current();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  const trapTab = (event: ReactKeyboardEvent) => {
    const dialog = dialogRef.current;
    if (event.key !== 'Tab' || !dialog) return;
    const focusable = [...dialog.querySelectorAll<HTMLElement>(focusableSelector)];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first || !last) return;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  };

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
    <div
      className={styles.backdrop}
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) cancel.current();
      }}
    >
      <div
        ref={dialogRef}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
        className={styles.dialog}
        onKeyDown={trapTab}
      >
        <h2 id={titleId} className={styles.title}>
          {title}
        </h2>
        <div id={bodyId} className={styles.body}>
          {children}
        </div>
        {note ? (
          <>
            <label htmlFor={noteId} className={styles.label}>
              {note.label}
            </label>
            <textarea
              ref={noteRef}
              id={noteId}
              className={styles.note}
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
              <p id={problemId} className={styles.problem}>
                {problem}
              </p>
            ) : null}
          </>
        ) : null}
        {error ? (
          <p role="alert" className={styles.error}>
            {error}
          </p>
        ) : null}
        <div className={styles.actions}>
          <button ref={cancelRef} type="button" className={styles.button} disabled={busy} onClick={() => cancel.current()}>
            Cancel
          </button>
          <button
            type="button"
            className={`${styles.button} ${tone === 'danger' ? styles.danger : styles.primary}`}
            disabled={busy || problem !== null}
            aria-busy={busy || undefined}
            onClick={() => void accept()}
          >
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
