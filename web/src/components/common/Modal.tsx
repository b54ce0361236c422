import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  type KeyboardEvent as ReactKeyboardEvent,
  type ReactNode,
  type Ref,
  type RefObject,
} from 'react';
import styles from './Modal.module.css';

const focusableSelector = 'button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), a[href]';

const escapeOnly: readonly string[] = ['Escape'];

/**
 * Whether Tab stops on `element`, as the browser decides: a group of radio buttons is one stop,
 * its checked button (or its first one while none is checked).
 */
function isTabStop(element: HTMLElement, dialog: HTMLElement): boolean {
  if (!(element instanceof HTMLInputElement) || element.type !== 'radio' || element.name === '') return true;
  const group = [...dialog.querySelectorAll<HTMLInputElement>('input[type="radio"]:not(:disabled)')].filter(
    (radio) => radio.name === element.name && radio.form === element.form,
  );
  return element === (group.find((radio) => radio.checked) ?? group[0]);
}

/** The Tab stops of a dialog, in order. */
function tabStopsOf(dialog: HTMLElement): HTMLElement[] {
  return [...dialog.querySelectorAll<HTMLElement>(focusableSelector)].filter((element) => isTabStop(element, dialog));
}

export interface ModalProps {
  /** The dialog's accessible name, shown as its heading. */
  title: ReactNode;
  /** The dialog's accessible description, shown under the title. */
  description?: ReactNode;
  /** What has focus when the dialog opens; its first Tab stop without it. */
  initialFocus?: RefObject<HTMLElement | null>;
  /** While the dialog's action runs: Esc and a click outside do nothing. */
  busy?: boolean;
  /** Esc (or another of `closeKeys`) and a click outside call it. */
  onCancel: () => void;
  /** The keys that cancel, wherever focus is. */
  closeKeys?: readonly string[];
  children: ReactNode;
}

/**
 * The one modal dialog of the console, so that every dialog behaves alike: rendered by its parent
 * only while open, over a dimmed page. Focus moves in on open and goes back on close to what had
 * it before (the button that opened it) when that is still on the page; Tab and Shift+Tab cycle
 * inside; Esc or a click outside cancels, unless the dialog is busy.
 */
export function Modal({
  title,
  description,
  initialFocus,
  busy = false,
  onCancel,
  closeKeys = escapeOnly,
  children,
}: ModalProps) {
  const titleId = useId();
  const descriptionId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);

  // Refs, so the effect below runs once per opening rather than on every render of the parent.
  // Updated in a layout effect, right after the render commits: an Esc pressed the moment the
  // dialog turns busy must find it busy (a passive effect may not have run yet).
  const cancel = useRef(onCancel);
  const keys = useRef(closeKeys);
  useLayoutEffect(() => {
    cancel.current = () => {
      if (!busy) onCancel();
    };
    keys.current = closeKeys;
  }, [busy, onCancel, closeKeys]);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = dialogRef.current;
    (initialFocus?.current ?? (dialog ? tabStopsOf(dialog)[0] : undefined))?.focus();
    const onKeyDown = (event: KeyboardEvent) => {
      if (!keys.current.includes(event.key)) return;
      event.preventDefault();
      event.stopPropagation();
      cancel.current();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      if (previous?.isConnected) previous.focus();
    };
    // Once per opening: `initialFocus` is read when the dialog opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const trapTab = (event: ReactKeyboardEvent) => {
    const dialog = dialogRef.current;
    if (event.key !== 'Tab' || !dialog) return;
    const stops = tabStopsOf(dialog);
    const first = stops[0];
    const last = stops.at(-1);
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
        aria-describedby={description === undefined ? undefined : descriptionId}
        className={styles.dialog}
        onKeyDown={trapTab}
      >
        <h2 id={titleId} className={styles.title}>
          {title}
        </h2>
        {description === undefined ? null : (
          <div id={descriptionId} className={styles.description}>
            {description}
          </div>
        )}
        {children}
      </div>
    </div>
  );
}

export interface ModalActionsProps {
  /** Why the dialog's action failed; shown (and announced) above the buttons. */
  error?: string | null;
  /** The action runs: Cancel is disabled. */
  busy: boolean;
  onCancel: () => void;
  cancelRef?: Ref<HTMLButtonElement>;
  /** The button that acts, after Cancel. */
  children: ReactNode;
}

/** The foot of a dialog that acts: its last failure, then Cancel and the action's button. */
export function ModalActions({ error, busy, onCancel, cancelRef, children }: ModalActionsProps) {
  return (
    <>
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}
      <div className={styles.actions}>
        <button ref={cancelRef} type="button" className={styles.button} disabled={busy} onClick={onCancel}>
          Cancel
        </button>
        {children}
      </div>
    </>
  );
}
