import { useId, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { reasonsFor, type ReasonCatalog, type SessionDetail } from '../../../../server/contract/review.ts';
import type { SecondReviewTrigger, SessionSecondReview, Verdict } from '../../../../server/contract/second-review.ts';
import {
  httpSecondReviewApi,
  type SecondReviewAnswerResult,
  type SecondReviewApi,
  type SecondReviewResolveResult,
} from '../../api/second-review.ts';
import { errorMessage, freshSessionFromConflict } from '../../api/review.ts';
import { formatDateTime } from '../../format/date.ts';
import styles from './SecondReview.module.css';

export interface SecondReviewPanelProps {
  session: SessionDetail;
  reasons: ReasonCatalog | null;
  reasonsError?: string | null;
  /** The session as the server answered it (cached by the page), and what to say on its status line. */
  onChange: (fresh: SessionDetail, message: string) => void;
  api?: SecondReviewApi;
}

/** What the page says happened, kept here so it outlives the form the answer replaces. */
type Said = { tone: 'status' | 'alert'; text: string };

const verdictChoices: readonly { verdict: Verdict; label: string }[] = [
  { verdict: 'Approved', label: 'Approve' },
  { verdict: 'Declined', label: 'Decline' },
];

/** The second analyst's result, in words. */
export function answerOutcome(result: Pick<SecondReviewAnswerResult, 'outcome' | 'firstVerdict' | 'released'>): string {
  if (result.outcome === 'disagreed') return `You disagreed with the first verdict (${result.firstVerdict}). It goes to a lead.`;
  return `You agreed with the first verdict (${result.firstVerdict}).${result.released ? ' The decision is on its way to Didit.' : ''}`;
}

/** A lead's settlement, in words. */
export function resolveOutcome(
  result: Pick<SecondReviewResolveResult, 'upheld'>,
  review: Pick<SessionSecondReview, 'purpose' | 'first'>,
  verdict: Verdict,
): string {
  if (result.upheld === 'second') return `Settled: ${verdict} replaces the first verdict and goes to Didit.`;
  const first = review.first?.verdict ?? verdict;
  return `Settled: the first verdict (${first}) stands.${review.purpose === 'four_eyes' ? ' The decision is on its way to Didit.' : ''}`;
}

/**
 * A session's second review (issue 20, ADR 0021) in the decision column. To a second analyst while
 * it is open: the blind form (their own verdict, reason and note; the first verdict stays hidden
 * until they give theirs). To the first analyst: that it waits, and why. Once answered, to
 * everyone: both verdicts, and for a disagreement the lead's settlement (or, to a lead, the form
 * to settle it). Every write answers the session as it now is; a 409 shows why and the fresh state.
 */
export function SecondReviewPanel({
  session,
  reasons,
  reasonsError = null,
  onChange,
  api = httpSecondReviewApi,
}: SecondReviewPanelProps) {
  const titleId = useId();
  const [said, setSaid] = useState<Said | null>(null);
  const review = session.secondReview ?? null;
  if (!review) return said ? <SaidLine said={said} /> : null;

  /** A refused write: the server's words, and the session as it is now when the answer carries it. */
  const failed = (cause: unknown, what: string) => {
    const fresh = freshSessionFromConflict(cause);
    const text = `${what}: ${errorMessage(cause)}`;
    setSaid({ tone: 'alert', text });
    if (fresh) onChange(fresh, text);
  };

  let body: ReactNode;
  if (review.blind) {
    body = review.mayAnswer ? (
      <AnswerForm
        session={session}
        reasons={reasons}
        reasonsError={reasonsError}
        onSubmit={async (answer) => {
          setSaid(null);
          try {
            const result = await api.answer(session.id, { secondReviewId: review.id, ...answer });
            setSaid({ tone: 'status', text: answerOutcome(result) });
            onChange(result.session, 'Second review recorded.');
          } catch (cause) {
            failed(cause, 'Your second review was not recorded');
          }
        }}
      />
    ) : (
      <p>A second analyst is reviewing this decision blind.</p>
    );
  } else if (review.state === 'open') {
    body = (
      <>
        <p>
          {review.purpose === 'four_eyes'
            ? "Waiting for a second analyst's confirmation before it goes to Didit."
            : 'Picked for a quality check by a second analyst.'}
        </p>
        <TriggerList triggers={review.triggers} />
      </>
    );
  } else {
    body = (
      <>
        <AnsweredReview review={review} />
        {review.mayResolve && review.first ? (
          <ResolveForm
            session={session}
            firstVerdict={review.first.verdict}
            reasons={reasons}
            reasonsError={reasonsError}
            onSubmit={async (settlement) => {
              setSaid(null);
              try {
                const result = await api.resolve(session.id, {
                  secondReviewId: review.id,
                  ...settlement,
                  expectedVersion: session.version,
                });
                setSaid({ tone: 'status', text: resolveOutcome(result, review, settlement.verdict) });
                onChange(result.session, 'Second review settled.');
              } catch (cause) {
                failed(cause, 'Not settled');
              }
            }}
          />
        ) : null}
      </>
    );
  }

  return (
    <section className={styles.panel} aria-labelledby={titleId} data-testid="second-review" data-state={review.state}>
      <h3 id={titleId} className={styles.title}>
        Second review
      </h3>
      {body}
      {said ? <SaidLine said={said} /> : null}
    </section>
  );
}

function SaidLine({ said }: { said: Said }) {
  return (
    <p role={said.tone} className={said.tone === 'alert' ? styles.errorText : styles.result}>
      {said.text}
    </p>
  );
}

function TriggerList({ triggers }: { triggers: SecondReviewTrigger[] | null }) {
  if (!triggers || triggers.length === 0) return null;
  return (
    <ul className={styles.triggers}>
      {triggers.map((trigger) => (
        <li key={`${trigger.rule}:${trigger.detail}`}>{trigger.detail}</li>
      ))}
    </ul>
  );
}

const stateLines: Partial<Record<SessionSecondReview['state'], string>> = {
  agreed: 'Agreed: both analysts reached the same verdict.',
  disagreed: 'Disagreement: a lead settles it.',
  resolved: 'Settled by a lead.',
  overtaken: 'Didit decided this session before the second analyst did; the review was closed.',
};

/** Both verdicts (and a lead's settlement), once the second one is given. */
function AnsweredReview({ review }: { review: SessionSecondReview }) {
  return (
    <>
      <p>
        {review.purpose === 'four_eyes'
          ? "Four eyes: approving needed a second analyst's confirmation."
          : 'Quality check by a second analyst.'}
      </p>
      <TriggerList triggers={review.triggers} />
      <dl className={styles.verdicts}>
        {review.first ? <VerdictRow term="First verdict" record={review.first} /> : null}
        {review.second ? <VerdictRow term="Second verdict" record={review.second} /> : null}
        {review.resolution ? <VerdictRow term="Settled" record={review.resolution} /> : null}
      </dl>
      {stateLines[review.state] ? <p className={styles.state}>{stateLines[review.state]}</p> : null}
    </>
  );
}

function VerdictRow({ term, record }: { term: string; record: NonNullable<SessionSecondReview['first']> }) {
  const reason = record.reasonLabel ?? record.reason;
  return (
    <>
      <dt>{term}</dt>
      <dd>
        <span className={styles[record.verdict]}>{record.verdict}</span> by {record.by} on{' '}
        <time dateTime={record.at}>{formatDateTime(record.at)}</time>
        {reason ? <> · {reason}</> : null}
        {record.note ? <q className={styles.quote}>{record.note}</q> : null}
      </dd>
    </>
  );
}

/** The verdict radios (Approve / Decline), none chosen at first. */
function VerdictChoice({
  name,
  legend,
  value,
  onChange,
}: {
  name: string;
  legend: string;
  value: Verdict | null;
  onChange: (verdict: Verdict) => void;
}) {
  return (
    <fieldset className={styles.choices}>
      <legend className={styles.legend}>{legend}</legend>
      {verdictChoices.map(({ verdict, label }) => (
        <label key={verdict} className={styles.choice}>
          <input type="radio" name={name} value={verdict} checked={value === verdict} onChange={() => onChange(verdict)} />
          {label}
        </label>
      ))}
    </fieldset>
  );
}

/** The reasons that fit the verdict and the session (face match or not), as the decision form offers them. */
function ReasonSelect({
  id,
  session,
  verdict,
  reasons,
  reasonsError,
  value,
  onChange,
  describedBy,
}: {
  id: string;
  session: SessionDetail;
  verdict: Verdict | null;
  reasons: ReasonCatalog | null;
  reasonsError: string | null;
  value: string;
  onChange: (reason: string) => void;
  describedBy?: string;
}) {
  const list = verdict && reasons ? reasonsFor(reasons[verdict], session.hasFaceMatch) : [];
  return (
    <>
      <label htmlFor={id} className={styles.label}>
        Reason
      </label>
      <select
        id={id}
        className={styles.field}
        value={value}
        disabled={!verdict || !reasons}
        aria-required="true"
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.value)}
      >
        <option value="">{!verdict ? 'Choose a verdict first' : reasons ? 'Choose a reason…' : 'Loading reasons…'}</option>
        {list.map((reason) => (
          <option key={reason.code} value={reason.code}>
            {reason.label}
          </option>
        ))}
      </select>
      {reasonsError ? <p className={styles.errorText}>Reasons could not be loaded: {reasonsError}</p> : null}
    </>
  );
}

/** Ctrl+Enter (Cmd+Enter) in a note sends its form, as in the decision form; Esc leaves the box. */
function noteKeys(event: KeyboardEvent<HTMLTextAreaElement>) {
  if (event.key === 'Escape') event.currentTarget.blur();
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    event.currentTarget.form?.requestSubmit();
  }
}

/** The blind second verdict: the analyst's own verdict, a reason that fits it, and an optional note. */
/** A form's note, its send button and its refusal: the answer's note is optional, the settlement's required. */
function NoteAndSend({
  id,
  note,
  onNote,
  busy,
  error,
  send,
  sending,
  required = false,
}: {
  id: string;
  note: string;
  onNote: (note: string) => void;
  busy: boolean;
  error: string | null;
  send: string;
  sending: string;
  required?: boolean;
}) {
  return (
    <>
      <label htmlFor={`${id}-note`} className={styles.label}>
        Note <span className={styles.muted}>{required ? '(required)' : '(optional)'}</span>
      </label>
      <textarea
        id={`${id}-note`}
        className={styles.field}
        rows={3}
        maxLength={5000}
        aria-required={required || undefined}
        aria-keyshortcuts="Control+Enter Meta+Enter"
        value={note}
        onChange={(event) => onNote(event.target.value)}
        onKeyDown={noteKeys}
      />
      <div className={styles.actions}>
        <button type="submit" className={styles.button} disabled={busy} aria-busy={busy || undefined}>
          {busy ? sending : send}
        </button>
      </div>
      {error ? (
        <p role="alert" className={styles.errorText}>
          {error}
        </p>
      ) : null}
    </>
  );
}

function AnswerForm({
  session,
  reasons,
  reasonsError,
  onSubmit,
}: {
  session: SessionDetail;
  reasons: ReasonCatalog | null;
  reasonsError: string | null;
  onSubmit: (answer: { verdict: Verdict; reason: string; note?: string }) => Promise<void>;
}) {
  const id = useId();
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!verdict) return setError('Choose Approve or Decline.');
    if (!reason) return setError('Choose a reason.');
    setError(null);
    setBusy(true);
    try {
      await onSubmit({ verdict, reason, ...(note.trim() === '' ? {} : { note: note.trim() }) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={styles.form} aria-label="Give second review" onSubmit={(event) => void submit(event)}>
      <p>Decide this session on its own evidence: the first verdict is hidden until you give yours.</p>
      <VerdictChoice
        name={`${id}-verdict`}
        legend="Your verdict"
        value={verdict}
        onChange={(next) => {
          setVerdict(next);
          if (next !== verdict) setReason('');
        }}
      />
      <ReasonSelect
        id={`${id}-reason`}
        session={session}
        verdict={verdict}
        reasons={reasons}
        reasonsError={reasonsError}
        value={reason}
        onChange={setReason}
      />
      <NoteAndSend id={id} note={note} onNote={setNote} busy={busy} error={error} send="Give second review" sending="Sending…" />
    </form>
  );
}

/**
 * A lead settles a disagreement: the verdict that stands and why (a note, always). Replacing the
 * first verdict is a new decision, so it needs a reason as any decision does.
 */
function ResolveForm({
  session,
  firstVerdict,
  reasons,
  reasonsError,
  onSubmit,
}: {
  session: SessionDetail;
  firstVerdict: Verdict;
  reasons: ReasonCatalog | null;
  reasonsError: string | null;
  onSubmit: (settlement: { verdict: Verdict; reason?: string; note: string }) => Promise<void>;
}) {
  const id = useId();
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const replaces = verdict !== null && verdict !== firstVerdict;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!verdict) return setError('Choose the verdict that stands.');
    if (replaces && !reason) return setError('Choose a reason: this verdict replaces the first one.');
    if (note.trim() === '') return setError('Write a note: why this verdict stands.');
    setError(null);
    setBusy(true);
    try {
      await onSubmit({ verdict, ...(replaces ? { reason } : {}), note: note.trim() });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={styles.form} aria-labelledby={`${id}-title`} onSubmit={(event) => void submit(event)}>
      <h4 id={`${id}-title`} className={styles.subtitle}>
        Settle the disagreement
      </h4>
      <VerdictChoice
        name={`${id}-verdict`}
        legend="Verdict that stands"
        value={verdict}
        onChange={(next) => {
          setVerdict(next);
          if (next !== verdict) setReason('');
        }}
      />
      {replaces ? (
        <>
          <ReasonSelect
            id={`${id}-reason`}
            session={session}
            verdict={verdict}
            reasons={reasons}
            reasonsError={reasonsError}
            value={reason}
            onChange={setReason}
            describedBy={`${id}-reason-hint`}
          />
          <p id={`${id}-reason-hint`} className={styles.muted}>
            Required: {verdict} replaces the first verdict ({firstVerdict}) and is sent to Didit as a new decision.
          </p>
        </>
      ) : null}
      <NoteAndSend id={id} note={note} onNote={setNote} busy={busy} error={error} send="Settle" sending="Settling…" required />
    </form>
  );
}
