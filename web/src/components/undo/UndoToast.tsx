import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { z } from 'zod';
import { ApiError, errorMessage, freshSessionFromConflict } from '../../api/review.ts';
import { useNow } from '../../hooks/use-now.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { useShortcuts } from '../../hooks/use-shortcuts.ts';
import { clearUndo, refreshUndo, useUndoable } from './undo-store.ts';
import styles from './UndoToast.module.css';

const conflictSchema = z.object({ reason: z.string() });

/** Why an undo was refused, in the analyst's words (`details.reason` of the 409). */
function refusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 409) {
    const parsed = conflictSchema.safeParse(error.details);
    const reason = parsed.success ? parsed.data.reason : null;
    if (reason === 'undo_window_closed' || reason === 'push_in_flight' || reason === 'push_sent') {
      return 'Too late to undo: the decision is on its way to Didit.';
    }
    if (reason === 'version_mismatch') return 'The session changed since you decided; look at it before undoing.';
  }
  return `Not undone: ${errorMessage(error)}`;
}

/**
 * After a decision: "Approved … · Undo (27 s)", counting down to the end of the undo window, on
 * whichever page the analyst is now (issue 20). Undo (or `u`) takes the decision back and reopens
 * the session, claimed again, with an empty draft. Gone once the window closes.
 */
export function UndoToast() {
  const undoable = useUndoable();
  const api = useReviewApi();
  const navigate = useNavigate();
  const now = useNow(250);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  // Whole seconds left, rounded down: never more than the window, and the button goes a moment
  // early rather than offering an undo the server would refuse as too late.
  const secondsLeft = undoable ? Math.floor((undoable.until - now) / 1000) : 0;
  const open = undoable !== null && secondsLeft > 0;

  useEffect(() => {
    if (undoable && !open && !busy) clearUndo();
  }, [undoable, open, busy]);
  // A refusal stays a few seconds, then goes.
  useEffect(() => {
    if (!problem) return;
    const timer = window.setTimeout(() => setProblem(null), 6_000);
    return () => window.clearTimeout(timer);
  }, [problem]);

  const undo = async () => {
    if (!undoable || busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const fresh = await api.undoDecision(undoable.sessionId, { expectedVersion: undoable.version });
      clearUndo();
      const search = new URLSearchParams(undoable.filters).toString();
      await navigate(`/sessions/${encodeURIComponent(undoable.sessionId)}${search ? `?${search}` : ''}`, {
        state: {
          session: fresh,
          intent: 'work',
          notice: `Decision undone: ${undoable.label} is ${fresh.status} again${fresh.claim ? ' and yours' : ''}. Didit was not told.`,
        },
      });
    } catch (error) {
      const fresh = freshSessionFromConflict(error);
      if (fresh) refreshUndo(fresh);
      else if (error instanceof ApiError && error.status < 500) clearUndo();
      setProblem(refusal(error));
    } finally {
      setBusy(false);
    }
  };

  useShortcuts({ u: () => void undo() }, open && !busy);

  if (!open && !problem) return null;
  return (
    <div className={styles.toast} role="status">
      {open ? (
        <>
          <span>
            {undoable.decision} {undoable.label}
            {undoable.held ? ', waiting for a second analyst’s confirmation' : ''}
          </span>
          <span aria-hidden="true">·</span>
          <button type="button" className={styles.button} onClick={() => void undo()} disabled={busy} aria-keyshortcuts="u">
            {busy ? 'Undoing…' : 'Undo'}{' '}
            <span className={styles.countdown} aria-live="off">
              ({secondsLeft} s)
            </span>
          </button>
          <kbd className={styles.key} aria-hidden="true">
            u
          </kbd>
        </>
      ) : null}
      {problem ? <span className={styles.problem}>{problem}</span> : null}
    </div>
  );
}
