import type { SessionDetail } from '../../../../server/contract/review.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import type { MediaRefreshState } from '../../hooks/use-media-refresh.ts';
import { MediaCompare } from './MediaCompare.tsx';
import styles from './SessionView.module.css';

/** The evidence images side by side, for roles that may see faces. */
export function EvidenceColumn({
  session,
  media,
  shortcutsEnabled,
}: {
  session: SessionDetail;
  media: MediaRefreshState;
  shortcutsEnabled: boolean;
}) {
  const canViewMedia = useCapability('media.view');
  return (
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
          shortcutsEnabled={shortcutsEnabled}
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
