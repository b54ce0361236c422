import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { reasonsFor, type SessionDetail } from '../../../../server/contract/review.ts';
import { queryKeys, useReasons, useSessionDetail } from '../../api/queries.ts';
import { errorMessage } from '../../api/review.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import { useClaimNext } from '../../hooks/use-claim-next.ts';
import { useMediaRefresh } from '../../hooks/use-media-refresh.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { isInteractiveTarget, useShortcuts } from '../../hooks/use-shortcuts.ts';
import { KeyButton } from '../keyboard/KeyButton.tsx';
import { ShortcutsDialog } from '../keyboard/ShortcutsDialog.tsx';
import { sessionShortcuts } from '../keyboard/shortcuts.ts';
import { formatDateTime } from '../../format/date.ts';
import { ClaimBar } from './ClaimBar.tsx';
import { DecisionForm, emptyDraft, type Decision, type DecisionDraft } from './DecisionForm.tsx';
import type { SessionIntent } from './intent.ts';
import { MediaCompare } from './MediaCompare.tsx';
import { OtherSessions } from './OtherSessions.tsx';
import { PushState } from './PushState.tsx';
import { ScoreBar } from './ScoreBar.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { Timeline } from './Timeline.tsx';
import { WarningList } from './WarningList.tsx';
import styles from './SessionView.module.css';

export interface SessionViewProps {
  initial: SessionDetail;
  /** The queue filters the analyst came from (kept in this page's URL). */
  filters: Record<string, string>;
  notice?: string | null;
  /** How often to re-read the session while its decision awaits Didit's confirmation. */
  pushPollMs?: number;
  /** `work`: part of a run (after a decision, claim the next session); `look`: stay here after deciding. */
  intent?: SessionIntent;
}

export function SessionView({ initial, filters, notice = null, pushPollMs = 5_000, intent = 'work' }: SessionViewProps) {
  const api = useReviewApi();
  const navigate = useNavigate();
  const client = useQueryClient();
  // The cached session (SessionPage loaded or was handed it); re-read every `pushPollMs` while its push is pending.
  const query = useSessionDetail(api, initial.id, { initial, pushPollMs });
  const session = query.data ?? initial;
  const setSession = useCallback(
    (fresh: SessionDetail) => client.setQueryData(queryKeys.session(initial.id), fresh),
    [client, initial.id],
  );
  const pushCheckError = session.pushState === 'pending' && query.error ? errorMessage(query.error) : null;
  const [draft, setDraft] = useState<DecisionDraft>(emptyDraft);
  const [message, setMessage] = useState<string | null>(notice);
  const [helpOpen, setHelpOpen] = useState(false);
  const reasonsQuery = useReasons(api);
  const reasons = reasonsQuery.data ?? null;
  const reasonsError = reasonsQuery.error ? errorMessage(reasonsQuery.error) : null;
  const { claimNext, status: claimStatus, message: claimMessage } = useClaimNext(filters);
  const linkSearch = useMemo(() => new URLSearchParams(filters).toString(), [filters]);
  const media = useMediaRefresh(session.id, session.media);
  const decisionFieldRef = useRef<HTMLFieldSetElement>(null);
  const decisionFormRef = useRef<HTMLFormElement>(null);
  const decisionNoteRef = useRef<HTMLTextAreaElement>(null);
  const closeHelp = useCallback(() => setHelpOpen(false), []);
  const canClaim = useCapability('session.claim');
  const canViewMedia = useCapability('media.view');

  const update = useCallback(
    (fresh: SessionDetail, text: string) => {
      setSession(fresh);
      setMessage(text);
    },
    [setSession],
  );

  const label = session.vendorData ?? (session.sessionNumber !== null ? `Session #${session.sessionNumber}` : session.id);

  const onDecided = async (fresh: SessionDetail, decision: Decision) => {
    setSession(fresh);
    setDraft(emptyDraft);
    const done = `${decision === 'Approved' ? 'Approved' : 'Declined'} ${label}.`;
    // Opened from a link, not as part of a run: stay here, and claim nothing that was not asked for.
    if (intent !== 'work') {
      setMessage(done);
      return;
    }
    setMessage(`${done} Opening the next session…`);
    const next = await claimNext(done);
    if (!next) {
      void navigate(`/queue${linkSearch ? `?${linkSearch}` : ''}`, {
        state: { notice: `${done} Nothing left to claim with these filters.` },
      });
    }
  };

  const choose = (decision: Decision) => {
    if (!session.allowed.decide.includes(decision)) {
      setMessage(
        session.allowed.decide.length === 0 ? 'You cannot decide this session now.' : `${decision} is not available here.`,
      );
      return;
    }
    setDraft((current) => ({ ...current, decision, reason: current.decision === decision ? current.reason : '' }));
    decisionFieldRef.current?.focus();
  };

  const pickReason = (index: number) => {
    if (!draft.decision || !reasons) return false;
    const reason = reasonsFor(reasons[draft.decision], session.hasFaceMatch)[index];
    if (!reason) return false;
    setDraft({ ...draft, reason: reason.code });
    setMessage(`Reason: ${reason.label}`);
  };

  const digits = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), () => pickReason(i)] as const));

  useShortcuts(
    {
      a: () => choose('Approved'),
      d: () => choose('Declined'),
      ...digits,
      n: () => decisionNoteRef.current?.focus(),
      c: () => (canClaim ? void claimNext() : false),
      Enter: (event) => {
        if (isInteractiveTarget(event.target) || !draft.decision || !draft.reason) return false;
        decisionFormRef.current?.requestSubmit();
      },
      Escape: () => (draft.decision ? setDraft({ ...draft, decision: null, reason: '' }) : false),
      '?': () => setHelpOpen(true),
    },
    !helpOpen,
  );

  const t = session.thresholds;
  // The evidence a verdict rests on: the selfie, and the portrait where the workflow matches faces.
  const missingEvidence = (['selfie', ...(session.hasFaceMatch ? (['portrait'] as const) : [])] as const).filter(
    (kind) => !media.loaded(media.media[kind]),
  );
  return (
    <article className={styles.page} aria-labelledby="session-title">
      <header className={styles.header}>
        <div className={styles.titleRow}>
          <Link to={`/queue${linkSearch ? `?${linkSearch}` : ''}`} className={styles.back}>
            ← Queue
          </Link>
          <h1 id="session-title" className={styles.title}>
            {label}
          </h1>
          <StatusBadge status={session.status} />
          <span className={styles.meta}>
            {session.workflowLabel ?? session.workflowId ?? 'Unknown workflow'}
            {session.sessionNumber !== null ? ` · #${session.sessionNumber}` : null}
            {session.createdAt ? ` · created ${formatDateTime(session.createdAt)}` : null}
            {session.inReviewSince ? ` · in review since ${formatDateTime(session.inReviewSince)}` : null}
          </span>
          <span className={styles.spacer} />
          {canClaim ? (
            <KeyButton shortcut="c" onClick={() => void claimNext()} disabled={claimStatus.state === 'claiming'}>
              Claim next
            </KeyButton>
          ) : null}
          <KeyButton shortcut="?" onClick={() => setHelpOpen(true)} aria-haspopup="dialog">
            Shortcuts
          </KeyButton>
        </div>
        <ClaimBar session={session} onChange={update} />
        <p role="status" className={styles.status}>
          {claimMessage ?? message}
        </p>
      </header>

      <div className={styles.layout}>
        <div className={styles.evidence}>
          {canViewMedia ? (
            <MediaCompare
              media={media.media}
              method={session.livenessMethod}
              hasFaceMatch={session.hasFaceMatch}
              secondsLeft={media.secondsLeft}
              refreshing={media.refreshing}
              refreshError={media.error}
              retryInSeconds={media.retryInSeconds}
              onMediaError={media.onMediaError}
              onMediaLoad={media.onMediaLoad}
              failed={media.failed}
              onRetry={media.retry}
              shortcutsEnabled={!helpOpen}
            />
          ) : (
            <p className={styles.muted}>Your role does not include viewing the evidence images.</p>
          )}
        </div>
        <aside className={styles.side} aria-label="Scores and decision">
          <section aria-labelledby="scores-title" className={styles.panel}>
            <h2 id="scores-title" className={styles.panelTitle}>
              Scores{t.version !== null ? <span className={styles.muted}> · thresholds v{t.version}</span> : null}
            </h2>
            <ScoredUnder thresholds={t} />
            <ScoreBar
              label={`Liveness${session.livenessMethod ? ` (${session.livenessMethod})` : ''}`}
              score={session.livenessScore}
              review={t.livenessReview}
              decline={t.livenessDecline}
            />
            <ScoreBar
              label="Face match"
              score={session.hasFaceMatch ? session.faceMatchScore : null}
              review={t.faceMatchReview}
              decline={t.faceMatchDecline}
              missing={session.hasFaceMatch ? 'not available' : 'liveness only (no face match)'}
            />
          </section>
          <section aria-labelledby="decision-title" className={styles.panel}>
            <h2 id="decision-title" className={styles.panelTitle}>
              Decision
            </h2>
            <PushState session={session} onChange={update} />
            {pushCheckError ? (
              <p role="alert" className={styles.status}>
                Could not check whether Didit has confirmed the decision ({pushCheckError}); trying again.
              </p>
            ) : null}
            <DecisionForm
              session={session}
              missingEvidence={missingEvidence}
              reasons={reasons}
              reasonsError={reasonsError}
              draft={draft}
              onDraftChange={setDraft}
              onDecided={(fresh, decision) => void onDecided(fresh, decision)}
              onNoted={update}
              onConflict={(fresh) => {
                setSession(fresh);
                setMessage('The session changed since you opened it; your decision was not recorded.');
              }}
              firstFieldRef={decisionFieldRef}
              formRef={decisionFormRef}
              noteRef={decisionNoteRef}
            />
          </section>
        </aside>
      </div>

      <div className={styles.lower}>
        <section aria-labelledby="warnings-title" className={styles.panel}>
          <h2 id="warnings-title" className={styles.panelTitle}>
            Warnings ({session.warnings.length})
          </h2>
          <WarningList warnings={session.warnings} />
        </section>
        <section aria-labelledby="timeline-title" className={styles.panel}>
          <h2 id="timeline-title" className={styles.panelTitle}>
            Timeline
          </h2>
          <Timeline entries={session.timeline} />
        </section>
        <section aria-labelledby="others-title" className={`${styles.panel} ${styles.full}`}>
          <h2 id="others-title" className={styles.panelTitle}>
            Other sessions of this user ({session.otherSessions.length})
          </h2>
          <OtherSessions sessions={session.otherSessions} linkSearch={linkSearch} />
        </section>
      </div>
      <ShortcutsDialog open={helpOpen} onClose={closeHelp} title="Session shortcuts" shortcuts={sessionShortcuts} />
    </article>
  );
}

/**
 * Which thresholds the bars are drawn against: those the session was scored under, which may not
 * be today's. Didit's own word (the warnings' thresholds) is named when it is what is shown.
 */
function ScoredUnder({ thresholds: t }: { thresholds: SessionDetail['thresholds'] }) {
  const parts: string[] = [];
  if (t.source === 'didit_warnings') parts.push("Thresholds from Didit's warnings, as it scored this session.");
  if (t.nowInForce) {
    parts.push(
      t.version !== null
        ? `Scored under v${t.version}; v${t.nowInForce.version} now in force.`
        : `Scored before any console version; v${t.nowInForce.version} now in force.`,
    );
  }
  if (parts.length === 0) return null;
  return (
    <p className={styles.muted} data-testid="scored-under">
      {parts.join(' ')}
    </p>
  );
}
