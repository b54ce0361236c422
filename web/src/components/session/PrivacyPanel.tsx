import { useEffect, useState } from 'react';
import { erasureReferenceSchema, type ErasureStatus, type SessionPrivacy } from '../../../../server/contract/privacy.ts';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { httpPrivacyApi, type PrivacyApi } from '../../api/privacy.ts';
import { errorMessage } from '../../api/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { ConfirmDialog } from '../common/ConfirmDialog.tsx';
import styles from './PrivacyPanel.module.css';

export interface PrivacyPanelProps {
  session: SessionDetail;
  /** The session re-read after an erasure (its personal data gone here), with what to tell the user. */
  onChange?: (fresh: SessionDetail, message: string) => void;
  api?: PrivacyApi;
  /** How often a request's progress at Didit is read again while it is under way. */
  pollMs?: number;
}

/**
 * What the console still holds about the person behind the session and what only Didit holds,
 * when retention removes it (or that retention or an erasure already did), and, for admins,
 * erasing the person on request: here at once, at Didit until Didit confirms (ADR 0016).
 */
export function PrivacyPanel({ session, onChange, api = httpPrivacyApi, pollMs = 3_000 }: PrivacyPanelProps) {
  const canErase = useCapability('privacy.erase');
  const reviewApi = useReviewApi();
  const [dialogOpen, setDialogOpen] = useState(false);
  const [erasure, setErasure] = useState<ErasureStatus | null>(null);
  const [pollError, setPollError] = useState<string | null>(null);
  const [pollRound, setPollRound] = useState(0);
  const privacy = session.privacy;
  const erased = privacy.removal === 'erasure';

  // While Didit has not confirmed every session, the request is read again (errors included: it retries).
  useEffect(() => {
    if (!erasure || erasure.state !== 'in_progress') return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      api.getErasure(erasure.id, controller.signal).then(
        (fresh) => {
          setPollError(null);
          setErasure(fresh);
          setPollRound((round) => round + 1);
        },
        (cause: unknown) => {
          if (controller.signal.aborted) return;
          setPollError(errorMessage(cause));
          setPollRound((round) => round + 1);
        },
      );
    }, pollMs);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [api, erasure, pollMs, pollRound]);

  const erase = async (reference: string) => {
    const { erasure: status, resumed } = await api.requestErasure(session.id, { reference, scope: 'person' });
    setErasure(status);
    setDialogOpen(false);
    if (!onChange) return;
    const message = resumed
      ? `Erasure request ${reference} resumed.`
      : `Erased here on request ${reference}; Didit is deleting the sessions.`;
    // The page's copy still shows what was just removed: read the session again.
    const fresh = await reviewApi.getSession(session.id).catch(() => null);
    if (fresh) onChange(fresh, message);
  };

  return (
    <section aria-labelledby="privacy-title" className={styles.panel}>
      <h2 id="privacy-title" className={styles.title}>
        Personal data
      </h2>
      <Removal privacy={privacy} />
      <dl className={styles.held} aria-label="Where the person's data is">
        <Held label="Didit's decision data" held={privacy.heldLocally.decision} privacy={privacy} />
        <Held label="Media links" held={privacy.heldLocally.mediaLinks} privacy={privacy} />
        <Held label="The person's id (vendor_data)" held={privacy.heldLocally.vendorData} privacy={privacy} />
        <Held label="Analysts' notes" held={privacy.heldLocally.notes} privacy={privacy} none="None here" />
      </dl>
      <p className={styles.muted}>
        Images and video are never stored here: the browser loads them from Didit&apos;s short-lived links. Scores, statuses,
        review history and the audit trail stay; they do not name the person.
      </p>
      <Retention privacy={privacy} />
      {canErase ? (
        <button type="button" className={styles.eraseButton} onClick={() => setDialogOpen(true)}>
          {erased ? 'Run the erasure again…' : 'Erase this person…'}
        </button>
      ) : null}
      {erasure ? <ErasureState erasure={erasure} pollError={pollError} /> : null}
      {dialogOpen ? (
        <ConfirmDialog
          title="Erase this person?"
          confirmLabel="Erase irreversibly"
          tone="danger"
          note={{
            label: "Request reference (a ticket or DSAR number, not the person's name or email)",
            initial: privacy.erasureReference ?? '',
            check: (text) => (text.trim() === '' ? 'A reference is required.' : referenceProblem(text)),
          }}
          onConfirm={erase}
          onCancel={() => setDialogOpen(false)}
        >
          <p>
            This deletes <strong>all of this person&apos;s sessions, here and at Didit</strong>, including sessions the console
            never received. It cannot be undone.
          </p>
          <p>
            Here, at once: Didit&apos;s decision data, media links, the person&apos;s id and analysts&apos; notes. At Didit: every
            session is deleted, retried until Didit confirms.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function referenceProblem(text: string): string | null {
  const parsed = erasureReferenceSchema.safeParse(text);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'Not a valid reference.');
}

/** Erased on request, or removed by retention, and when. */
function Removal({ privacy }: { privacy: SessionPrivacy }) {
  if (privacy.removal === 'erasure') {
    return (
      <p className={styles.note}>
        Erased on request <strong>{privacy.erasureReference ?? '(no reference)'}</strong> on {formatDateTime(privacy.removedAt)}.
      </p>
    );
  }
  if (privacy.removal === 'retention') {
    return (
      <p className={styles.note}>
        Removed by retention on {formatDateTime(privacy.removedAt)} ({privacy.retentionDays} days after the final decision).
      </p>
    );
  }
  return null;
}

function Held({ label, held, privacy, none }: { label: string; held: boolean; privacy: SessionPrivacy; none?: string }) {
  const gone =
    privacy.removal === 'erasure' ? 'Erased here' : privacy.removal === 'retention' ? 'Removed here' : (none ?? 'Only at Didit');
  return (
    <>
      <dt>{label}</dt>
      <dd className={held ? styles.here : styles.gone}>{held ? 'Held here' : gone}</dd>
    </>
  );
}

/** When retention will remove what is held: RETENTION_DAYS after the final decision. */
function Retention({ privacy }: { privacy: SessionPrivacy }) {
  const held = Object.values(privacy.heldLocally).some(Boolean);
  if (!held) return null;
  return (
    <p className={styles.muted}>
      {privacy.removableAfter
        ? `Retention removes it on ${formatDateTime(privacy.removableAfter)} (${privacy.retentionDays} days after the final decision).`
        : `Retention removes it ${privacy.retentionDays} days after the final decision; this session has none yet.`}
    </p>
  );
}

function ErasureState({ erasure, pollError }: { erasure: ErasureStatus; pollError: string | null }) {
  const { counts } = erasure;
  const confirmed = counts.deleted + counts.gone;
  const failed = erasure.sessions.filter((s) => s.diditState === 'failed');
  return (
    <div role="status" className={`${styles.request} ${styles[`request_${erasure.state}`] ?? ''}`}>
      <p>
        <strong>Erasure request {erasure.reference}</strong>:{' '}
        {erasure.state === 'completed'
          ? 'completed. Didit confirmed every session deleted.'
          : erasure.state === 'failed'
            ? 'blocked. Didit refused to delete some sessions; run the erasure again to retry them.'
            : 'erased here; deleting at Didit (retried until Didit confirms).'}
      </p>
      <p>
        At Didit: {confirmed} of {counts.total} session{counts.total === 1 ? '' : 's'} confirmed deleted
        {counts.pending > 0 ? `, ${counts.pending} pending` : ''}
        {counts.failed > 0 ? `, ${counts.failed} refused` : ''}.
        {erasure.diditSearch === 'pending' ? " Didit's list is still to be searched for sessions not held here." : ''}
        {erasure.diditSearch === 'not_possible'
          ? " Didit's list could not be searched (the person's id is no longer held here); the linked sessions are erased."
          : ''}
      </p>
      {failed.length > 0 ? (
        <ul className={styles.failures}>
          {failed.map((s) => (
            <li key={s.sessionId}>
              <span className={styles.id}>{s.sessionId}</span>: {s.lastError ?? 'refused'}
            </li>
          ))}
        </ul>
      ) : null}
      {erasure.state === 'in_progress' && erasure.lastError ? (
        <p className={styles.muted}>Last try: {erasure.lastError}</p>
      ) : null}
      {pollError ? <p className={styles.errorText}>Could not check on the request ({pollError}); trying again.</p> : null}
    </div>
  );
}
