import { useCallback, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { useReasons } from '../../api/queries.ts';
import { errorMessage } from '../../api/review.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import { useClaimNext } from '../../hooks/use-claim-next.ts';
import { useMediaRefresh } from '../../hooks/use-media-refresh.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';
import { EscalationPanel } from '../escalation/EscalationPanel.tsx';
import { ShortcutsDialog } from '../keyboard/ShortcutsDialog.tsx';
import { sessionShortcuts } from '../keyboard/shortcuts.ts';
import { DecisionColumn } from './DecisionColumn.tsx';
import { emptyDraft, type Decision, type DecisionDraft } from './DecisionForm.tsx';
import { EvidenceColumn, missingEvidenceOf } from './EvidenceColumn.tsx';
import { AttemptCompare } from '../resubmission/AttemptCompare.tsx';
import type { SessionIntent } from './intent.ts';
import { PurposeDialog } from './PurposeDialog.tsx';
import { SessionHeader, sessionLabel } from './SessionHeader.tsx';
import { SessionRecord } from './SessionRecord.tsx';
import { useDecisionShortcuts } from './use-decision-shortcuts.ts';
import { useReveal } from './use-reveal.ts';
import { useSessionCopy } from './use-session-copy.ts';
import { offerUndo } from '../undo/undo-store.ts';
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

/** One session: header and claim, evidence, scores and decision, then its record. */
export function SessionView({ initial, filters, notice = null, pushPollMs = 5_000, intent = 'work' }: SessionViewProps) {
  const api = useReviewApi();
  const navigate = useNavigate();
  const { session, setSession, pushCheckError } = useSessionCopy(initial, pushPollMs);
  const [draft, setDraft] = useState<DecisionDraft>(emptyDraft);
  const [message, setMessage] = useState<string | null>(notice);
  const [helpOpen, setHelpOpen] = useState(false);
  const reasonsQuery = useReasons(api);
  const reasons = reasonsQuery.data ?? null;
  const reasonsError = reasonsQuery.error ? errorMessage(reasonsQuery.error) : null;
  const { claimNext, status: claimStatus, message: claimMessage } = useClaimNext(filters);
  const linkSearch = useMemo(() => new URLSearchParams(filters).toString(), [filters]);
  const queueLink = `/queue${linkSearch ? `?${linkSearch}` : ''}`;
  const media = useMediaRefresh(session.id, session.media);
  const closeHelp = useCallback(() => setHelpOpen(false), []);
  const canClaim = useCapability('session.claim');
  const canViewMedia = useCapability('media.view');
  // Faces blurred until revealed; the reveal is the audited look (issue 19).
  const reveal = useReveal(session);
  const [escalationOpen, setEscalationOpen] = useState(false);
  const dialogOpen = helpOpen || reveal.asking || escalationOpen;
  const onToggleReveal = () => {
    if (!canViewMedia || !session.reveal.allowed) {
      setMessage('Faces are hidden: viewers see scores and warnings only in this workflow.');
      return;
    }
    reveal.toggle();
  };
  const onClaimNext = canClaim ? () => void claimNext() : undefined;

  const update = useCallback(
    (fresh: SessionDetail, text: string) => {
      setSession(fresh);
      setMessage(text);
    },
    [setSession],
  );

  const onDecided = async (fresh: SessionDetail, decision: Decision) => {
    setSession(fresh);
    setDraft(emptyDraft);
    // "Approved … · Undo (30 s)" follows the analyst to the next page (UndoToast).
    offerUndo(fresh, decision, sessionLabel(session), filters);
    const done =
      decision === 'Resubmitted'
        ? `Asked ${sessionLabel(session)} to try again.`
        : `${decision === 'Approved' ? 'Approved' : 'Declined'} ${sessionLabel(session)}.`;
    // Opened from a link, not as part of a run: stay here, and claim nothing that was not asked for.
    if (intent !== 'work') {
      setMessage(done);
      return;
    }
    setMessage(`${done} Opening the next session…`);
    const next = await claimNext(done);
    if (!next) void navigate(queueLink, { state: { notice: `${done} Nothing left to claim with these filters.` } });
  };

  const { fieldRef, formRef, noteRef } = useDecisionShortcuts({
    session,
    draft,
    setDraft,
    reasons,
    say: setMessage,
    onClaimNext,
    onShowShortcuts: () => setHelpOpen(true),
    onToggleReveal,
    enabled: !dialogOpen,
  });

  return (
    <article className={styles.page} aria-labelledby="session-title">
      <SessionHeader
        session={session}
        queueLink={queueLink}
        onClaimNext={onClaimNext}
        claiming={claimStatus.state === 'claiming'}
        onShowShortcuts={() => setHelpOpen(true)}
        onClaimChange={update}
        status={claimMessage ?? message}
      />
      <EscalationPanel
        session={session}
        onChange={update}
        say={setMessage}
        shortcutsEnabled={!helpOpen && !reveal.asking}
        onDialogChange={setEscalationOpen}
      />
      <AttemptCompare session={session} />
      <div className={styles.layout}>
        <EvidenceColumn session={session} media={media} reveal={reveal} shortcutsEnabled={!dialogOpen} />
        <DecisionColumn
          pushCheckError={pushCheckError}
          onChange={update}
          session={session}
          missingEvidence={missingEvidenceOf(session, media)}
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
          firstFieldRef={fieldRef}
          formRef={formRef}
          noteRef={noteRef}
        />
      </div>
      <SessionRecord session={session} linkSearch={linkSearch} />
      <ShortcutsDialog open={helpOpen} onClose={closeHelp} title="Session shortcuts" shortcuts={sessionShortcuts} />
      {reveal.asking ? <PurposeDialog onReveal={reveal.reveal} onCancel={reveal.cancel} /> : null}
    </article>
  );
}
