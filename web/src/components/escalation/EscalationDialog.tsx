import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ESCALATION_NOTE_MAX } from '../../../../server/contract/escalation.ts';
import { Modal, ModalActions } from '../common/Modal.tsx';
import modal from '../common/Modal.module.css';

export type EscalationDialogMode = 'escalate' | 'return';

export interface EscalationDialogProps {
  /** `escalate`: an analyst hands the session to the leads; `return`: a lead gives it back to the analysts. */
  mode: EscalationDialogMode;
  /** Sends the note; rejects to keep the dialog open with the reason shown. */
  onSubmit: (note: string) => Promise<void>;
  onCancel: () => void;
}

const texts: Record<
  EscalationDialogMode,
  { title: string; description: string; label: string; hint: string; action: string; busy: string }
> = {
  escalate: {
    title: 'Escalate to a lead',
    description:
      'The session leaves the analysts’ queue for the leads’ Escalated view and your claim is released. Until a lead decides it or returns it, only leads and admins can claim and decide it.',
    label: 'What should a lead look at? (required)',
    hint: 'What you saw and could not settle. Not the person’s name.',
    action: 'Escalate',
    busy: 'Escalating…',
  },
  return: {
    title: 'Return to the analysts’ queue',
    description: 'The escalation ends and any analyst can claim and decide the session again.',
    label: 'Note for the analysts (required)',
    hint: 'What you found, and what the analyst should do with it.',
    action: 'Return to queue',
    busy: 'Returning…',
  },
};

/**
 * The note that goes with an escalation or its return (issue 20), on the shared `Modal`: focus
 * starts in the note, Ctrl/⌘ Enter sends, Esc or Cancel closes, focus goes back where it was.
 * The note is required (1 to 2,000 characters, blank is empty); the server checks it again.
 */
export function EscalationDialog({ mode, onSubmit, onCancel }: EscalationDialogProps) {
  const noteId = useId();
  const hintId = useId();
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const text = texts[mode];
  const trimmed = note.trim();
  const problem = trimmed === '' ? 'Write a note first.' : null;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (busy || problem !== null) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(trimmed);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  const submitOnCtrlEnter = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    void submit();
  };

  return (
    <Modal title={text.title} description={<p>{text.description}</p>} initialFocus={noteRef} busy={busy} onCancel={onCancel}>
      <form onSubmit={(event) => void submit(event)} onKeyDown={submitOnCtrlEnter} aria-label={text.title}>
        <label htmlFor={noteId} className={modal.label}>
          {text.label}
        </label>
        <textarea
          id={noteId}
          ref={noteRef}
          className={modal.field}
          value={note}
          maxLength={ESCALATION_NOTE_MAX}
          disabled={busy}
          required
          aria-required="true"
          aria-describedby={hintId}
          onChange={(event) => setNote(event.target.value)}
        />
        <p id={hintId} className={modal.hint}>
          {text.hint} {note.length}/{ESCALATION_NOTE_MAX} characters; Ctrl Enter (⌘ Enter) sends.
        </p>
        <ModalActions error={error} busy={busy} onCancel={onCancel}>
          <button
            type="submit"
            className={`${modal.button} ${modal.primary}`}
            disabled={busy || problem !== null}
            title={problem ?? undefined}
            aria-busy={busy || undefined}
          >
            {busy ? text.busy : text.action}
          </button>
        </ModalActions>
      </form>
    </Modal>
  );
}
