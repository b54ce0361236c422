import { useRef } from 'react';
import { Modal } from '../common/Modal.tsx';
import modal from '../common/Modal.module.css';
import type { ShortcutHelp } from './shortcuts.ts';
import styles from './ShortcutsDialog.module.css';

/** `?` opens the help, and closes it too. */
const closeKeys = ['Escape', '?'];

export interface ShortcutsDialogProps {
  open: boolean;
  onClose: () => void;
  title?: string;
  shortcuts: ShortcutHelp[];
}

/**
 * The `?` help: a modal dialog (the shared `Modal`) listing the page's shortcuts. Focus moves to
 * its Close button on open, Esc, `?`, the button or a click outside closes it, and focus returns
 * to where it was.
 */
export function ShortcutsDialog({ open, onClose, title = 'Keyboard shortcuts', shortcuts }: ShortcutsDialogProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  if (!open) return null;
  return (
    <Modal title={title} initialFocus={closeRef} onCancel={onClose} closeKeys={closeKeys}>
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
      <button ref={closeRef} type="button" className={modal.button} onClick={onClose}>
        Close
      </button>
    </Modal>
  );
}
