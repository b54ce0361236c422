import type { ButtonHTMLAttributes } from 'react';
import styles from './KeyButton.module.css';

export interface KeyButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type' | 'className'> {
  /** The single key that does the same (shown, and announced through `aria-keyshortcuts`). */
  shortcut: string;
}

/** A header action that also has a keyboard shortcut: "Claim next c", "Shortcuts ?". */
export function KeyButton({ shortcut, children, ...rest }: KeyButtonProps) {
  return (
    <button type="button" className={styles.button} aria-keyshortcuts={shortcut} {...rest}>
      {children}{' '}
      <kbd className={styles.kbd} aria-hidden="true">
        {shortcut}
      </kbd>
    </button>
  );
}
