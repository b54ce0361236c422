import type { SessionDetail } from '../../../../server/contract/review.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import type { MediaRefreshState } from '../../hooks/use-media-refresh.ts';
import { MediaCompare } from './MediaCompare.tsx';
import type { RevealState } from './use-reveal.ts';
import styles from './SessionView.module.css';

/**
 * The evidence images side by side, blurred until revealed, for people who may see faces; for a
 * viewer where the workflow keeps faces from viewers, a note instead (the server sent no links);
 * once retention or an erasure removed the links, a note saying so (and where the images are).
 */
export function EvidenceColumn({
  session,
  media,
  reveal,
  shortcutsEnabled,
}: {
  session: SessionDetail;
  media: MediaRefreshState;
  reveal: RevealState;
  shortcutsEnabled: boolean;
}) {
  const canViewMedia = useCapability('media.view');
  const removed = session.privacy.removal;
  return (
    <div className={styles.evidence}>
      {removed ? (
        <p className={styles.muted} role="note">
          {removed === 'erasure'
            ? `The person was erased on request${session.privacy.erasureReference ? ` ${session.privacy.erasureReference}` : ''}: the console holds no links to their images any more, and their sessions are deleted at Didit.`
            : `The links to the images were removed ${session.privacy.retentionDays} days after the final decision (retention). The images are only at Didit now, for as long as Didit's own retention keeps them.`}
        </p>
      ) : canViewMedia && !session.reveal.allowed ? (
        <p className={styles.muted} role="note">
          Faces are hidden: viewers see scores and warnings only in this workflow.
        </p>
      ) : canViewMedia ? (
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
          shortcutsEnabled={shortcutsEnabled}
          revealed={reveal.revealed}
          onToggleReveal={reveal.toggle}
          purposeRequired={session.reveal.purposeRequired}
          revealPending={reveal.pending}
          revealError={reveal.error}
        />
      ) : (
        <p className={styles.muted}>Your role does not include viewing the evidence images.</p>
      )}
    </div>
  );
}

/** The evidence a verdict rests on that has not loaded: the selfie, and the portrait where the workflow matches faces. */
export function missingEvidenceOf(session: SessionDetail, media: MediaRefreshState) {
  return (['selfie', ...(session.hasFaceMatch ? (['portrait'] as const) : [])] as const).filter(
    (kind) => !media.loaded(media.media[kind]),
  );
}
