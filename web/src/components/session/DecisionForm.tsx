import {
  useEffect,
  useId,
  useRef,
  useState,
  type Dispatch,
  type FormEvent,
  type ReactNode,
  type RefObject,
  type SetStateAction,
} from 'react';
import { reasonsFor, type EvidenceKind, type ReasonCatalog, type SessionDetail } from '../../../../server/contract/review.ts';
import { errorMessage, freshSessionFromConflict } from '../../api/review.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { describeChanges } from './diff.ts';
import { looksLikeEmail, ResubmissionEmail } from './ResubmissionEmail.tsx';
import styles from './SessionPanels.module.css';

export type Decision = 'Approved' | 'Declined' | 'Resubmitted';

export interface DecisionDraft {
  decision: Decision | null;
  reason: string;
  note: string;
  /** Resubmitted only: Didit emails the user to try again, at this address. */
  sendEmail?: boolean;
  emailAddress?: string;
}

/** The three choices: their button, key and submit label. */
const choices: readonly { decision: Decision; label: string; key: string; submit: string }[] = [
  { decision: 'Approved', label: 'Approve', key: 'a', submit: 'Approve session' },
  { decision: 'Declined', label: 'Decline', key: 'd', submit: 'Decline session' },
  { decision: 'Resubmitted', label: 'Ask to try again', key: 'r', submit: 'Ask the user to try again' },
];

export const emptyDraft: DecisionDraft = { decision: null, reason: '', note: '' };

/** Overriding an automatic verdict (the session is no longer In Review) needs a written reason. */
export function noteRequired(session: Pick<SessionDetail, 'status'>): boolean {
  return session.status !== 'In Review';
}

export interface DecisionFormProps {
  session: SessionDetail;
  /** Evidence images that have not loaded: deciding then needs an explicit "decide without images". */
  missingEvidence?: readonly EvidenceKind[];
  reasons: ReasonCatalog | null;
  reasonsError: string | null;
  draft: DecisionDraft;
  /** Takes an updater too: answers that arrive later must not undo what the analyst chose meanwhile. */
  onDraftChange: Dispatch<SetStateAction<DecisionDraft>>;
  onDecided: (fresh: SessionDetail, decision: Decision) => void;
  /** A note saved on its own (no decision chosen). */
  onNoted?: (fresh: SessionDetail, message: string) => void;
  /** A 409: the session changed since it was loaded; `fresh` is the state to show now. */
  onConflict: (fresh: SessionDetail) => void;
  firstFieldRef?: RefObject<HTMLFieldSetElement | null>;
  formRef?: RefObject<HTMLFormElement | null>;
  noteRef?: RefObject<HTMLTextAreaElement | null>;
}

/**
 * Approve / decline with a reason code and a note. Sends the version the analyst saw; when the
 * server answers 409 the form shows what changed and the fresh state, and waits for the analyst
 * to decide again (never a silent retry).
 */
const evidenceNames: Record<EvidenceKind, string> = { selfie: 'selfie', portrait: 'reference portrait' };

export function DecisionForm({
  session,
  missingEvidence = [],
  reasons,
  reasonsError,
  draft,
  onDraftChange,
  onDecided,
  onNoted,
  onConflict,
  firstFieldRef,
  formRef,
  noteRef,
}: DecisionFormProps) {
  const api = useReviewApi();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string[] | null>(null);
  const canDecide = useCapability('session.decide');
  /** Set when a submit was held back because the images had not loaded. */
  const [askEvidence, setAskEvidence] = useState(false);
  const evidenceRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (askEvidence) evidenceRef.current?.focus();
  }, [askEvidence]);
  /** The held decision's images arrived since: nothing is sent by itself; the analyst looks, then sends. */
  const evidenceArrived = askEvidence && missingEvidence.length === 0;

  const set = (patch: Partial<DecisionDraft>) => onDraftChange((current) => ({ ...current, ...patch }));

  const saveNote = async () => {
    if (draft.note.trim() === '') {
      noteRef?.current?.focus();
      return setError('Write a note first.');
    }
    setBusy(true);
    setError(null);
    try {
      const saved = draft.note.trim();
      const fresh = await api.addNote(session.id, saved);
      // Only the note that was saved is cleared: a verdict chosen or words typed while it was on
      // its way stay.
      onDraftChange((current) => (current.note.trim() === saved ? { ...current, note: '' } : current));
      onNoted?.(fresh, 'Note added.');
    } catch (cause) {
      setError(`Could not add the note: ${errorMessage(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  const noteField = (decision: Decision | null, required: boolean) => (
    <NoteField
      id={`${id}-decision-note`}
      textareaRef={noteRef}
      value={draft.note}
      onChange={(note) => set({ note })}
      hint={
        required ? (
          <span className={styles.required}>(required: overrides the automatic {session.status})</span>
        ) : decision ? (
          <span className={styles.muted}>(optional, sent with the decision)</span>
        ) : (
          <span className={styles.muted}>(optional; add it on its own, or choose a decision)</span>
        )
      }
      required={required}
      onSend={decision ? () => void submit(null) : session.allowed.note ? () => void saveNote() : undefined}
      onAdd={!decision && session.allowed.note ? () => void saveNote() : undefined}
      busy={busy}
    />
  );

  const allowed = session.allowed.decide;
  if (allowed.length === 0) {
    const why = !canDecide
      ? 'Your role can read this session but not decide it.'
      : session.privacy.removal === 'erasure'
        ? 'This person was erased on request: there is nothing left to decide.'
        : session.secondReview?.blind && session.secondReview.mayAnswer
          ? 'Give your verdict in the second review above.'
          : session.pushState === 'held'
            ? 'Decided: a second analyst confirms it before it goes to Didit.'
            : session.claim && !session.allowed.release
              ? `${session.claim.label} is working on this session.`
              : session.allowed.claim
                ? 'Claim the session to decide it.'
                : 'You cannot decide this session.';
    return (
      <section aria-label="Decision" className={styles.form}>
        <p className={styles.muted}>{why}</p>
        {conflict ? <ConflictNotice changes={conflict} /> : null}
        {session.allowed.note ? noteField(null, false) : null}
        {error ? (
          <p role="alert" className={styles.errorText}>
            {error}
          </p>
        ) : null}
      </section>
    );
  }

  const required = noteRequired(session);
  const list = draft.decision && reasons ? reasonsFor(reasons[draft.decision], session.hasFaceMatch) : [];

  const submit = async (event: FormEvent | null, withoutEvidence = false) => {
    event?.preventDefault();
    if (!draft.decision) return setError('Choose Approve, Decline or Ask to try again.');
    if (!draft.reason) return setError('Choose a reason.');
    const resubmit = draft.decision === 'Resubmitted';
    const emailAddress = draft.emailAddress?.trim() ?? '';
    if (resubmit && draft.sendEmail && !looksLikeEmail(emailAddress)) {
      return setError('Enter the email address to send the new link to, or untick "Email the user".');
    }
    if (required && draft.note.trim() === '') {
      noteRef?.current?.focus();
      return setError(`A note is required: this overrides the automatic ${session.status} verdict.`);
    }
    // No verdict without evidence, unless the analyst says so explicitly.
    if (missingEvidence.length > 0 && !withoutEvidence) {
      setError(null);
      setAskEvidence(true);
      return;
    }
    setAskEvidence(false);
    setBusy(true);
    setError(null);
    try {
      const fresh = await api.decide(session.id, {
        decision: draft.decision,
        reason: draft.reason,
        note: draft.note.trim() === '' ? undefined : draft.note.trim(),
        expectedVersion: session.version,
        ...(withoutEvidence && missingEvidence.length > 0 ? { evidenceMissing: [...missingEvidence] } : {}),
        ...(resubmit && draft.sendEmail ? { sendEmail: true, emailAddress } : {}),
      });
      setConflict(null);
      onDecided(fresh, draft.decision);
    } catch (cause) {
      const fresh = freshSessionFromConflict(cause);
      if (fresh) {
        setConflict(describeChanges(session, fresh));
        onConflict(fresh);
      } else {
        setError(`The decision was not recorded: ${errorMessage(cause)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={formRef} className={styles.form} aria-label="Decision" onSubmit={(event) => void submit(event)}>
      {conflict ? <ConflictNotice changes={conflict} /> : null}
      <fieldset className={styles.choices} ref={firstFieldRef} tabIndex={-1}>
        <legend className={styles.fieldLabel}>Decision</legend>
        {choices
          // Asking to try again is offered only where it applies (In Review), not greyed out elsewhere.
          .filter((choice) => choice.decision !== 'Resubmitted' || allowed.includes('Resubmitted'))
          .map(({ decision, label, key }) => (
            <button
              key={decision}
              type="button"
              aria-pressed={draft.decision === decision}
              aria-keyshortcuts={key}
              disabled={!allowed.includes(decision)}
              className={`${styles.choice} ${choiceClass[decision]}`}
              onClick={() =>
                onDraftChange((current) => ({
                  ...current,
                  decision,
                  reason: current.decision === decision ? current.reason : '',
                }))
              }
            >
              {label}{' '}
              <kbd className={styles.kbd} aria-hidden="true">
                {key}
              </kbd>
            </button>
          ))}
      </fieldset>
      {draft.decision ? (
        <>
          <fieldset className={styles.reasons}>
            <legend className={styles.fieldLabel}>Reason</legend>
            {reasonsError ? <p className={styles.errorText}>Reasons could not be loaded: {reasonsError}</p> : null}
            {!reasons && !reasonsError ? <p className={styles.muted}>Loading reasons…</p> : null}
            {list.map((reason, index) => (
              <label key={reason.code} className={styles.reason}>
                <input
                  type="radio"
                  name={`${id}-reason`}
                  value={reason.code}
                  checked={draft.reason === reason.code}
                  onChange={() => set({ reason: reason.code })}
                />
                {index < 9 ? (
                  <kbd className={styles.kbd} aria-hidden="true">
                    {index + 1}
                  </kbd>
                ) : null}
                <span>{reason.label}</span>
              </label>
            ))}
          </fieldset>
          {draft.decision === 'Resubmitted' ? (
            <ResubmissionEmail
              id={id}
              draft={{ sendEmail: draft.sendEmail ?? false, emailAddress: draft.emailAddress ?? '' }}
              onChange={set}
            />
          ) : null}
          {noteField(draft.decision, required)}
          <div className={styles.formActions}>
            <button type="submit" disabled={busy} className={`${styles.button} ${solidClass[draft.decision]}`}>
              {busy ? 'Sending…' : choices.find((choice) => choice.decision === draft.decision)?.submit}
            </button>
            <button
              type="button"
              className={styles.button}
              onClick={() => set({ decision: null, reason: '', sendEmail: false, emailAddress: '' })}
            >
              Cancel
            </button>
          </div>
        </>
      ) : (
        noteField(null, false)
      )}
      {askEvidence && missingEvidence.length > 0 ? (
        <div ref={evidenceRef} role="alertdialog" aria-labelledby={`${id}-evidence`} tabIndex={-1} className={styles.conflict}>
          <p id={`${id}-evidence`}>
            <strong>
              The {missingEvidence.map((kind) => evidenceNames[kind]).join(' and ')} {missingEvidence.length > 1 ? 'have' : 'has'}{' '}
              not loaded.
            </strong>{' '}
            Deciding without {missingEvidence.length > 1 ? 'them' : 'it'} is recorded in the decision&apos;s note and the audit
            trail.
          </p>
          <div className={styles.formActions}>
            <button type="button" className={styles.button} disabled={busy} onClick={() => void submit(null, true)}>
              Decide without images
            </button>
            <button type="button" className={styles.button} onClick={() => setAskEvidence(false)}>
              Wait for the images
            </button>
          </div>
        </div>
      ) : null}
      {evidenceArrived ? (
        <p role="status" className={styles.muted}>
          The images have loaded: look at them, then send the decision.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className={styles.errorText}>
          {error}
        </p>
      ) : null}
    </form>
  );
}

const choiceClass: Record<Decision, string | undefined> = {
  Approved: styles.approve,
  Declined: styles.decline,
  Resubmitted: styles.resubmit,
};
const solidClass: Record<Decision, string | undefined> = {
  Approved: styles.approveSolid,
  Declined: styles.declineSolid,
  Resubmitted: styles.resubmitSolid,
};

function ConflictNotice({ changes }: { changes: string[] }) {
  return (
    <div role="alert" className={styles.conflict}>
      <p>
        <strong>This session changed since you opened it.</strong> Your decision was not recorded. Review the current state below
        and decide again if it still applies.
      </p>
      <ul>
        {changes.map((change) => (
          <li key={change}>{change}</li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The decision panel's one note box: it goes with the decision when one is chosen, or is saved on
 * its own ("Add note"). Ctrl+Enter (Cmd+Enter) sends whichever of the two it is; Esc leaves the box.
 */
function NoteField({
  id,
  textareaRef,
  value,
  onChange,
  hint,
  required,
  onSend,
  onAdd,
  busy,
}: {
  id: string;
  textareaRef?: RefObject<HTMLTextAreaElement | null>;
  value: string;
  onChange: (note: string) => void;
  hint: ReactNode;
  required: boolean;
  onSend?: () => void;
  onAdd?: () => void;
  busy: boolean;
}) {
  return (
    <>
      <label htmlFor={id} className={styles.fieldLabel}>
        Note {hint}
      </label>
      <textarea
        id={id}
        ref={textareaRef}
        rows={3}
        maxLength={5000}
        aria-required={required}
        aria-keyshortcuts="Control+Enter Meta+Enter"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') event.currentTarget.blur();
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && onSend) {
            event.preventDefault();
            onSend();
          }
        }}
      />
      {onAdd ? (
        <div className={styles.formActions}>
          <button type="button" className={styles.button} disabled={busy} onClick={onAdd}>
            Add note
          </button>
        </div>
      ) : null}
    </>
  );
}
