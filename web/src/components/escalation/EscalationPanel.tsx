import { useId, useState } from 'react';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { httpEscalationApi, type EscalationApi } from '../../api/escalation.ts';
import { errorMessage, freshSessionFromConflict } from '../../api/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { useShortcuts } from '../../hooks/use-shortcuts.ts';
import { KeyButton } from '../keyboard/KeyButton.tsx';
import { EscalationDialog, type EscalationDialogMode } from './EscalationDialog.tsx';
import styles from './Escalation.module.css';

export interface EscalationPanelProps {
  session: SessionDetail;
  /** The session as the server answered it, and what to say on the page's status line. */
  onChange: (fresh: SessionDetail, message: string) => void;
  /** The page's status line, for a key that does nothing here. */
  say: (message: string) => void;
  /** Off while another dialog of the page is open. */
  shortcutsEnabled: boolean;
  /** The page turns its own shortcuts off while this panel's dialog is open. */
  onDialogChange?: (open: boolean) => void;
  api?: EscalationApi;
}

/**
 * Escalation on the session page (issue 20): "Escalate to a lead" (`e`) for whoever may decide the
 * session, and on an escalated session a banner with who escalated it, when, and their note (as
 * text), with "Return to queue" for leads. Both ask for a note in `EscalationDialog`.
 */
export function EscalationPanel({
  session,
  onChange,
  say,
  shortcutsEnabled,
  onDialogChange,
  api = httpEscalationApi,
}: EscalationPanelProps) {
  const titleId = useId();
  const [dialog, setDialog] = useState<EscalationDialogMode | null>(null);
  const canEscalate = session.allowed.escalate === true;
  const canReturn = session.allowed.deEscalate === true;

  const open = (mode: EscalationDialogMode) => {
    setDialog(mode);
    onDialogChange?.(true);
  };
  const close = () => {
    setDialog(null);
    onDialogChange?.(false);
  };

  useShortcuts(
    {
      e: () => {
        if (canEscalate) return open('escalate');
        say(session.escalation ? 'This session is already escalated to a lead.' : 'You cannot escalate this session now.');
      },
    },
    shortcutsEnabled && dialog === null,
  );

  const submit = async (note: string) => {
    try {
      const fresh =
        dialog === 'return'
          ? await api.deEscalate(session.id, { note, expectedVersion: session.version })
          : await api.escalate(session.id, { note, expectedVersion: session.version });
      close();
      onChange(
        fresh,
        dialog === 'return'
          ? 'Returned to the analysts’ queue.'
          : 'Escalated to a lead. It has left your queue; press c to claim the next session.',
      );
    } catch (failure) {
      // Changed meanwhile (escalated by someone else, decided...): show the session as it is now.
      const fresh = freshSessionFromConflict(failure);
      if (!fresh) throw new Error(errorMessage(failure), { cause: failure });
      close();
      onChange(fresh, `Not done: ${errorMessage(failure)}`);
    }
  };

  const escalation = session.escalation ?? null;
  const dialogElement = dialog ? <EscalationDialog mode={dialog} onSubmit={submit} onCancel={close} /> : null;

  if (escalation) {
    return (
      <section className={styles.banner} aria-labelledby={titleId} data-testid="escalation-banner">
        <div className={styles.bannerHead}>
          <h2 id={titleId} className={styles.bannerTitle}>
            Escalated to a lead
          </h2>
          <span className={styles.meta}>
            by <strong>{escalation.by}</strong> on <time dateTime={escalation.at}>{formatDateTime(escalation.at)}</time>
          </span>
          <span className={styles.spacer} />
          {canReturn ? (
            <button type="button" className={styles.button} onClick={() => open('return')} aria-haspopup="dialog">
              Return to queue
            </button>
          ) : (
            <span className={styles.muted}>Only leads and admins can claim and decide it now.</span>
          )}
        </div>
        {escalation.note !== null ? (
          <p className={styles.note}>{escalation.note}</p>
        ) : (
          <p className={`${styles.note} ${styles.muted}`}>The note was removed with the session’s other notes (retention).</p>
        )}
        {dialogElement}
      </section>
    );
  }

  if (!canEscalate) return null;
  return (
    <div className={styles.actions}>
      <KeyButton shortcut="e" onClick={() => open('escalate')} aria-haspopup="dialog">
        Escalate to a lead
      </KeyButton>
      <span className={styles.muted}>Unsure? Hand it to the leads with a note instead of deciding.</span>
      {dialogElement}
    </div>
  );
}
