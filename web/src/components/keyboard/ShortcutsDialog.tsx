import { useEffect, useId, useRef } from 'react';
import type { ShortcutHelp } from './shortcuts.ts';
import styles from './ShortcutsDialog.module.css';

export interface ShortcutsDialogProps {
  open: boolean;
  onClose: () => void;
  title?: string;
  shortcuts: ShortcutHelp[];
}

/**
 * The `?` help: a modal dialog listing the page's shortcuts. Focus moves into it on open,
 * Esc or the button closes it, and focus returns to where it was.
 */
export function ShortcutsDialog({ open, onClose, title = 'Keyboard shortcuts', shortcuts }: ShortcutsDialogProps) {
  const titleId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeRef.current?.focus();
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' || event.key === '?') {
        event.preventDefault();
        onClose();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      previous?.focus();
    };
  }, [open, onClose]);

  if (!open) return null;
  return (
    <div className={styles.backdrop} onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className={styles.dialog}
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          // The only focusable element is the close button: keep Tab inside the dialog.
          if (event.key === 'Tab') {
            event.preventDefault();
            closeRef.current?.focus();
          }
        }}
      >
        <h2 id={titleId} className={styles.title}>
          {title}
        </h2>
        <p className={styles.hint}>Shortcuts are ignored while typing in a field.</p>
        <dl className={styles.list}>
          {shortcuts.map((shortcut) => (
            <div key={shortcut.description} className={styles.row}>
              <dt>
                {shortcut.keys.map((key, index) =>
                  key === '…' ? (
                    <span key={index}> to </span>
                  ) : (
                    <kbd key={index} className={styles.kbd}>
                      {key}
                    </kbd>
                  ),
                )}
              </dt>
              <dd>{shortcut.description}</dd>
            </div>
          ))}
        </dl>
        <button ref={closeRef} type="button" className={styles.close} onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
