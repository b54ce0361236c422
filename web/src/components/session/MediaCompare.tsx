import { useCallback, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type PointerEvent } from 'react';
import type { Media } from '../../../../server/contract/review.ts';
import { useShortcuts } from '../../hooks/use-shortcuts.ts';
import { KeyButton } from '../keyboard/KeyButton.tsx';
import styles from './MediaCompare.module.css';

export interface View {
  scale: number;
  x: number;
  y: number;
}
export const initialView: View = { scale: 1, x: 0, y: 0 };
const minScale = 1;
const maxScale = 8;
const step = 1.25;

export function zoomView(view: View, factor: number): View {
  const scale = Math.min(maxScale, Math.max(minScale, view.scale * factor));
  if (scale === minScale) return initialView;
  // Keep the same point centred while zooming about the centre.
  const ratio = scale / view.scale;
  return { scale, x: view.x * ratio, y: view.y * ratio };
}

export interface MediaCompareProps {
  media: Media;
  method: string | null;
  /** Liveness-only sessions have no reference portrait: the selfie gets the room. */
  hasFaceMatch?: boolean;
  secondsLeft: number | null;
  refreshing: boolean;
  refreshError: string | null;
  /** Seconds until the next automatic refresh after Didit refused or failed. */
  retryInSeconds?: number | null;
  onMediaError: (url: string) => void;
  onMediaLoad?: (url: string) => void;
  /** Whether a link failed to load (the frame then says so and offers "Retry now"). */
  failed?: (url: string | null) => boolean;
  onRetry?: () => void;
  shortcutsEnabled: boolean;
  /**
   * The faces are shown as they are; otherwise blurred by a CSS filter on the same image and
   * video (issue 19: nothing is revealed until the person asks, and the reveal is audited).
   */
  revealed: boolean;
  /** The "Reveal faces" / "Blur faces" button (the page's `v` key does the same). */
  onToggleReveal: () => void;
  /** Revealing asks for a purpose of access first (the button says so with an ellipsis). */
  purposeRequired?: boolean;
  revealPending?: boolean;
  /** Why the last reveal failed: the faces stay blurred. */
  revealError?: string | null;
}

/**
 * Why the links are old, in distinct messages, with when the next try is: Didit rate-limiting,
 * Didit unavailable, this person past the console's refresh limit, or the console's own error.
 */
export function staleNotice(media: Media, refreshError: string | null, retryInSeconds: number | null): string {
  const when = retryInSeconds !== null && retryInSeconds > 0 ? `retrying in ${retryInSeconds} s` : 'retrying shortly';
  if (refreshError !== null) return `Fresh links could not be fetched (${refreshError}); showing the previous links, ${when}.`;
  if (media.stale && media.staleReason === 'rate_limited') return `Didit is rate-limiting; showing the previous links, ${when}.`;
  if (media.stale && media.staleReason === 'refresh_limit') {
    return `You have asked for new links often in the last minute; showing the previous links, ${when}.`;
  }
  if (media.stale) return `Didit is unavailable; showing the previous links, ${when}.`;
  return '';
}

function formatCountdown(seconds: number): string {
  if (seconds <= 0) return 'expired';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m >= 60) return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/**
 * The live selfie and the reference portrait side by side, zoomed and panned together
 * (wheel, buttons, + / - / 0 keys, drag, arrow keys on a focused image), the capture video
 * below for FLASHING / ACTIVE_3D, and the links' remaining lifetime. Faces are blurred until
 * revealed (`revealed`; the button and the page's `v`).
 */
export function MediaCompare({
  media,
  method,
  hasFaceMatch = true,
  secondsLeft,
  refreshing,
  refreshError,
  retryInSeconds = null,
  onMediaError,
  onMediaLoad,
  failed,
  onRetry,
  shortcutsEnabled,
  revealed,
  onToggleReveal,
  purposeRequired = false,
  revealPending = false,
  revealError = null,
}: MediaCompareProps) {
  const [view, setView] = useState<View>(initialView);
  const drag = useRef<{ pointerId: number; startX: number; startY: number; view: View } | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);

  const zoomIn = useCallback(() => setView((v) => zoomView(v, step)), []);
  const zoomOut = useCallback(() => setView((v) => zoomView(v, 1 / step)), []);
  const reset = useCallback(() => setView(initialView), []);

  useShortcuts({ '+': zoomIn, '=': zoomIn, '-': zoomOut, '0': reset }, shortcutsEnabled);

  // React's wheel listener is passive; a native one can stop the page from scrolling while zooming.
  useEffect(() => {
    const root = rootRef.current;
    if (!root) return;
    const onWheel = (event: WheelEvent) => {
      if (!(event.target instanceof Element) || !event.target.closest('[data-zoom-frame]')) return;
      event.preventDefault();
      setView((v) => zoomView(v, event.deltaY < 0 ? step : 1 / step));
    };
    root.addEventListener('wheel', onWheel, { passive: false });
    return () => root.removeEventListener('wheel', onWheel);
  }, []);

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    // A control inside the frame ("Retry now") keeps its click: no drag, no pointer capture.
    if (event.button !== 0 || (event.target instanceof Element && event.target.closest('button'))) return;
    event.currentTarget.setPointerCapture?.(event.pointerId);
    drag.current = { pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, view };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const current = drag.current;
    if (!current || current.pointerId !== event.pointerId) return;
    setView({
      ...current.view,
      x: current.view.x + event.clientX - current.startX,
      y: current.view.y + event.clientY - current.startY,
    });
  };
  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    if (drag.current?.pointerId === event.pointerId) drag.current = null;
  };
  const onFrameKeyDown = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    const delta = { ArrowLeft: [20, 0], ArrowRight: [-20, 0], ArrowUp: [0, 20], ArrowDown: [0, -20] }[event.key];
    if (!delta || view.scale === 1) return;
    event.preventDefault();
    setView((v) => ({ ...v, x: v.x + (delta[0] ?? 0), y: v.y + (delta[1] ?? 0) }));
  };

  const transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  const blurred = !revealed;
  const blurClass = blurred ? ` ${styles.blurred}` : '';
  // Asks for fresh links at once: offered wherever the page says the images are not there.
  const retryNow =
    onRetry && !refreshing ? (
      <>
        {' '}
        <button type="button" className={styles.retry} onClick={onRetry}>
          Retry now
        </button>
      </>
    ) : null;
  const frame = (label: string, url: string | null, missing: string) => (
    <figure className={styles.figure}>
      <figcaption className={styles.caption}>{label}</figcaption>
      <div
        className={styles.frame}
        data-zoom-frame=""
        role="group"
        aria-label={`${label}, ${blurred ? 'blurred, ' : ''}zoom ${Math.round(view.scale * 100)}%`}
        tabIndex={0}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onKeyDown={onFrameKeyDown}
        style={{ cursor: view.scale > 1 ? 'grab' : 'zoom-in' }}
      >
        {url && failed?.(url) ? (
          <p className={styles.missing}>
            The image did not load{refreshing ? '; fetching fresh links…' : '.'}
            {retryNow}
          </p>
        ) : url ? (
          <img
            src={url}
            alt={label}
            draggable={false}
            className={`${styles.image}${blurClass}`}
            data-blurred={blurred}
            style={{ transform }}
            onError={() => onMediaError(url)}
            onLoad={() => onMediaLoad?.(url)}
          />
        ) : (
          <p className={styles.missing}>{missing}</p>
        )}
      </div>
    </figure>
  );

  const showVideo = media.video !== null || method === 'FLASHING' || method === 'ACTIVE_3D';
  const expiringSoon = secondsLeft !== null && secondsLeft < 120;

  return (
    <section className={styles.media} aria-label="Evidence images" ref={rootRef}>
      <div className={styles.toolbar}>
        <div className={styles.zoomButtons} role="group" aria-label="Zoom both images">
          <button type="button" onClick={zoomOut} aria-label="Zoom out" disabled={view.scale <= minScale}>
            −
          </button>
          <span className={styles.zoomLevel} aria-hidden="true">
            {Math.round(view.scale * 100)}%
          </span>
          <button type="button" onClick={zoomIn} aria-label="Zoom in" disabled={view.scale >= maxScale}>
            +
          </button>
          <button type="button" onClick={reset} disabled={view === initialView}>
            Reset
          </button>
        </div>
        <KeyButton
          shortcut="v"
          onClick={onToggleReveal}
          disabled={revealPending}
          aria-pressed={revealed}
          aria-haspopup={!revealed && purposeRequired ? 'dialog' : undefined}
        >
          {revealPending ? 'Revealing…' : revealed ? 'Blur faces' : purposeRequired ? 'Reveal faces…' : 'Reveal faces'}
        </KeyButton>
        <span className={`${styles.expiry} ${expiringSoon ? styles.expiring : ''}`} role="timer" aria-live="off">
          {refreshing
            ? secondsLeft !== null && secondsLeft <= 0
              ? 'Links expired, refreshing…'
              : 'Refreshing media links…'
            : secondsLeft === null
              ? 'Link lifetime unknown'
              : `Links valid for ${formatCountdown(secondsLeft)}`}
        </span>
      </div>
      {revealError ? (
        <p className={styles.revealError} role="alert">
          {revealError}
        </p>
      ) : null}
      {media.stale || refreshError ? (
        <p className={styles.notice} role="status">
          {staleNotice(media, refreshError, retryInSeconds)}
          {retryNow}
        </p>
      ) : null}
      <div className={hasFaceMatch || media.portrait ? styles.pair : styles.single}>
        {frame('Live selfie', media.selfie, 'No selfie captured')}
        {hasFaceMatch || media.portrait ? frame('Reference portrait', media.portrait, 'No reference portrait') : null}
      </div>
      {showVideo ? (
        <figure className={styles.videoFigure}>
          <figcaption className={styles.caption}>Capture video{method ? ` (${method})` : ''}</figcaption>
          {media.video ? (
            <div className={styles.videoFrame}>
              <video
                className={`${styles.video}${blurClass}`}
                data-blurred={blurred}
                src={media.video}
                controls
                preload="metadata"
                onError={() => media.video && onMediaError(media.video)}
              />
            </div>
          ) : (
            <p className={styles.missing}>No video for this capture</p>
          )}
        </figure>
      ) : null}
    </section>
  );
}
