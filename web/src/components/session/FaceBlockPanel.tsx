import { useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { FaceBlock, FaceBlockInfo } from '../../../../server/contract/face-block.ts';
import { reasonsFor, type ReasonCatalog, type SessionDetail } from '../../../../server/contract/review.ts';
import { httpFaceBlockApi, type FaceBlockApi } from '../../api/face-block.ts';
import { errorMessage, freshSessionFromConflict } from '../../api/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { ConfirmDialog } from '../common/ConfirmDialog.tsx';
import { Modal, ModalActions } from '../common/Modal.tsx';
import modal from '../common/Modal.module.css';
import styles from './SessionPanels.module.css';

export interface FaceBlockPanelProps {
  session: SessionDetail;
  reasons: ReasonCatalog | null;
  onChange: (fresh: SessionDetail, message: string) => void;
  api?: FaceBlockApi;
}

/**
 * The face on Didit's blocklist (issue 20), in the decision panel: "Decline and block this face"
 * (a reason and a note, confirmed in a dialog that says what it does), where the block stands
 * (on its way / confirmed by Didit / refused → retry), a lead's "Unblock face", and for a session
 * Didit declined with FACE_IN_BLOCKLIST the session whose block it matched.
 */
export function FaceBlockPanel({ session, reasons, onChange, api = httpFaceBlockApi }: FaceBlockPanelProps) {
  const info = session.faceBlock;
  const [dialog, setDialog] = useState<'block' | 'unblock' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!info) return null;
  const { own, allowed } = info;
  if (!own && !info.inBlocklist && !allowed.declineAndBlock) return null;

  const retry = async () => {
    setBusy(true);
    setError(null);
    try {
      onChange(await api.retry(session.id), 'Face block queued for Didit again.');
    } catch (cause) {
      setError(`Could not retry: ${errorMessage(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="face-block">
      {info.inBlocklist ? <MatchedBlock info={info} /> : null}
      {own ? <OwnBlock block={own} /> : null}
      {allowed.retry ? (
        <button type="button" className={styles.button} disabled={busy} onClick={() => void retry()}>
          Retry face block
        </button>
      ) : null}
      {allowed.unblock ? (
        <button type="button" className={styles.button} onClick={() => setDialog('unblock')}>
          Unblock face
        </button>
      ) : null}
      {allowed.declineAndBlock ? (
        <button type="button" className={styles.button} onClick={() => setDialog('block')}>
          Decline and block this face
        </button>
      ) : null}
      {error ? (
        <p role="alert" className={styles.errorText}>
          {error}
        </p>
      ) : null}
      {dialog === 'block' ? (
        <DeclineAndBlockDialog
          session={session}
          reasons={reasons}
          api={api}
          onDone={(fresh) => {
            setDialog(null);
            onChange(fresh, 'Declined; the face goes on Didit’s blocklist.');
          }}
          onCancel={() => setDialog(null)}
        />
      ) : null}
      {dialog === 'unblock' ? (
        <ConfirmDialog
          title="Unblock this face?"
          confirmLabel="Unblock face"
          note={{ label: 'Why lift the block (required)', check: (text) => (text.trim() === '' ? 'Write why.' : null) }}
          onConfirm={async (note) => {
            const fresh = await api.unblockFace(session.id, { note }).catch((cause: unknown) => {
              throw new Error(errorMessage(cause));
            });
            setDialog(null);
            onChange(fresh, 'Unblock queued for Didit.');
          }}
          onCancel={() => setDialog(null)}
        >
          <p>
            Didit will stop declining new sessions that show this face. The decision on this session stays Declined. The note is
            recorded in the audit trail.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function OwnBlock({ block }: { block: FaceBlock }) {
  const tone =
    block.state === 'failed'
      ? 'push_failed'
      : block.state === 'blocked' || block.state === 'unblocked'
        ? 'push_confirmed'
        : 'push_pending';
  return (
    <div className={`${styles.pushBox} ${styles[tone]}`} data-state={block.state}>
      <p>
        <strong>Face blocked</strong> by {block.blockedBy} on {formatDateTime(block.blockedAt)} ({block.reasonLabel}).
      </p>
      {block.note !== null ? (
        <p className={styles.quote}>“{block.note}”</p>
      ) : block.noteRemovedAt ? (
        <p className={styles.muted}>The note was removed on {formatDateTime(block.noteRemovedAt)} (retention or erasure).</p>
      ) : null}
      {block.state === 'blocking' ? (
        <p>
          Waiting for Didit to confirm the block
          {block.pushAttempts > 0 ? (
            <>
              {' '}
              (tried {block.pushAttempts}×, last: {block.pushError ?? 'no answer'})
            </>
          ) : null}
          .
        </p>
      ) : null}
      {block.state === 'blocked' ? (
        <p>Didit confirmed the block{block.confirmedAt ? <> ({formatDateTime(block.confirmedAt)})</> : null}.</p>
      ) : null}
      {block.state === 'unblocking' || block.state === 'unblocked' ? (
        <>
          <p>
            Unblocked by {block.unblockedBy ?? 'someone'}
            {block.unblockedAt ? <> on {formatDateTime(block.unblockedAt)}</> : null}
            {block.state === 'unblocking' ? '; waiting for Didit to confirm.' : '; Didit confirmed.'}
          </p>
          {block.unblockNote ? <p className={styles.quote}>“{block.unblockNote}”</p> : null}
        </>
      ) : null}
      {block.state === 'failed' ? (
        <p>
          Didit refused the {block.failedAction === 'unblock' ? 'unblock' : 'block'}
          {block.pushError ? <>: {block.pushError}</> : null}.
        </p>
      ) : null}
    </div>
  );
}

function MatchedBlock({ info }: { info: FaceBlockInfo }) {
  const matched = info.matched;
  if (!matched) {
    return (
      <div className={`${styles.pushBox} ${styles.push_failed}`}>
        <p>
          Didit declined this face as being on the blocklist; it did not say which entry, and the console blocked none for this
          person.
        </p>
      </div>
    );
  }
  const link = <Link to={`/sessions/${encodeURIComponent(matched.sessionId)}`}>session {matched.sessionId.slice(0, 8)}</Link>;
  return (
    <div className={`${styles.pushBox} ${styles.push_failed}`} data-testid="face-block-link">
      {matched.block ? (
        <p>
          Face on the blocklist since {formatDateTime(matched.block.blockedAt)} by {matched.block.blockedBy} (
          {matched.block.reasonLabel}, {link}).
        </p>
      ) : (
        <p>Face on the blocklist, from {link} (blocked outside the console).</p>
      )}
      {matched.source === 'inferred' ? (
        <p className={styles.muted}>Didit named no session; linked by the same user (vendor data).</p>
      ) : null}
    </div>
  );
}

function DeclineAndBlockDialog({
  session,
  reasons,
  api,
  onDone,
  onCancel,
}: {
  session: SessionDetail;
  reasons: ReasonCatalog | null;
  api: FaceBlockApi;
  onDone: (fresh: SessionDetail) => void;
  onCancel: () => void;
}) {
  const reasonId = useId();
  const noteId = useId();
  const reasonRef = useRef<HTMLSelectElement>(null);
  const list = reasons ? reasonsFor(reasons.Declined, session.hasFaceMatch) : [];
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ready = reason !== '' && note.trim() !== '';

  const submit = async () => {
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    try {
      onDone(await api.declineAndBlock(session.id, { reason, note: note.trim(), expectedVersion: session.version }));
    } catch (cause) {
      const fresh = freshSessionFromConflict(cause);
      setError(fresh ? `${errorMessage(cause)} Reload the session and try again.` : errorMessage(cause));
      setBusy(false);
    }
  };

  return (
    <Modal
      title="Decline and block this face?"
      description={
        <p>
          This declines the session (sent to Didit like any decision) and adds the face it presented to Didit’s face blocklist:
          every later session showing this face, under any account, is declined automatically with FACE_IN_BLOCKLIST until a lead
          unblocks it.
        </p>
      }
      initialFocus={reasonRef}
      busy={busy}
      onCancel={onCancel}
    >
      <label htmlFor={reasonId} className={modal.label}>
        Reason
      </label>
      <select ref={reasonRef} id={reasonId} className={modal.field} value={reason} onChange={(e) => setReason(e.target.value)}>
        <option value="">Choose a reason…</option>
        {list.map((r) => (
          <option key={r.code} value={r.code}>
            {r.label}
          </option>
        ))}
      </select>
      <label htmlFor={noteId} className={modal.label}>
        Note (required)
      </label>
      <textarea id={noteId} className={modal.field} value={note} maxLength={5000} onChange={(e) => setNote(e.target.value)} />
      <ModalActions error={error} busy={busy} onCancel={onCancel}>
        <button
          type="button"
          className={`${modal.button} ${modal.danger}`}
          disabled={!ready || busy}
          aria-busy={busy || undefined}
          onClick={() => void submit()}
        >
          {busy ? 'Working…' : 'Decline and block'}
        </button>
      </ModalActions>
    </Modal>
  );
}
