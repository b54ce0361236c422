import { useEffect, useRef, useState } from 'react';
import styles from './CopyButton.module.css';

type CopyState = 'idle' | 'copied' | 'failed';

/** How long "Copied" stays before the button reads as a copy button again. */
const confirmationMs = 4_000;

export interface CopyButtonProps {
  text: string;
  /** The button's text, e.g. "Copy token". */
  label: string;
  /**
   * Called when the clipboard refuses (no Clipboard API, insecure origin, permission denied), so
   * the caller can select the text for a manual copy.
   */
  onUnavailable?: () => void;
  /** What to say when the clipboard refuses. */
  fallbackMessage?: string;
}

/**
 * Copies `text` with the Clipboard API and says so in a live region: "Copied", or, when the
 * clipboard is unavailable, how to copy by hand.
 */
export function CopyButton({
  text,
  label,
  onUnavailable,
  fallbackMessage = 'The clipboard is not available here: select the text and copy it with Ctrl+C (⌘C on a Mac).',
}: CopyButtonProps) {
  const [state, setState] = useState<CopyState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const copy = async () => {
    clearTimeout(timer.current);
    try {
      // Absent on insecure origins and in some embedded browsers.
      if (typeof navigator === 'undefined' || typeof navigator.clipboard?.writeText !== 'function') {
        throw new Error('no clipboard');
      }
      await navigator.clipboard.writeText(text);
      setState('copied');
      timer.current = setTimeout(() => setState('idle'), confirmationMs);
    } catch {
      setState('failed');
      onUnavailable?.();
    }
  };

  return (
    <span className={styles.copy}>
      <button type="button" className={styles.button} onClick={() => void copy()}>
        {label}
      </button>
      <span role="status" className={state === 'failed' ? styles.fallback : styles.confirmation}>
        {state === 'copied' ? (
          <>
            <span aria-hidden="true">✓ </span>Copied
          </>
        ) : state === 'failed' ? (
          fallbackMessage
        ) : null}
      </span>
    </span>
  );
}
