/** Which picture each media path shows, rendered on first use and cached. */
import { createHash } from 'node:crypto';
import { mediaPaths, recordsVideo } from './decision.ts';
import { renderFaceJpeg, type FaceShot } from './faces.ts';
import { hashString } from './prng.ts';
import type { CaptureRecord, SandboxStore, SessionRecord } from './store.ts';

const CACHE_LIMIT = 500;

export class Images {
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly store: SandboxStore) {}

  /**
   * A reference portrait of a synthetic person, as base64, for `portrait_image`. The sandbox
   * remembers it, so that person's later selfies look like them.
   */
  portraitFor(person: string): string {
    const jpeg = renderFaceJpeg({ kind: 'portrait', person, seed: hashString(person) });
    this.store.knownPortraits.set(createHash('sha256').update(jpeg).digest('hex'), person);
    return jpeg.toString('base64');
  }

  /** True when the path is the capture video of a completed FLASHING / ACTIVE_3D session. */
  hasVideo(path: string): boolean {
    const session = this.store.findSession(/^face\/([0-9a-f-]{36})\//.exec(path)?.[1] ?? '');
    const liveness = session?.capture?.liveness;
    if (!session || !liveness) return false;
    return path === mediaPaths.video(session.sessionId) && recordsVideo(liveness.method);
  }

  /** Resolves a media path (see mediaPaths) to JPEG bytes, or null when there is nothing there. */
  resolve(path: string): Buffer | null {
    const m = /^(face|face-match)\/([0-9a-f-]{36})\/(liveness\/reference|source|target)\.jpg$/.exec(path);
    if (!m) return null;
    const session = this.store.findSession(m[2] ?? '');
    if (!session) return null;
    if (path === mediaPaths.source(session.sessionId)) return session.portrait;
    if (!session.capture) return null;
    const key = `${session.sessionId}:${session.capture.completedAt}`;
    let jpeg = this.cache.get(key);
    if (!jpeg) {
      jpeg = renderFaceJpeg(selfieShot(session, session.capture));
      this.cache.set(key, jpeg);
      if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value ?? '');
    }
    return jpeg;
  }
}

function selfieShot(session: SessionRecord, capture: CaptureRecord): FaceShot {
  const person = capture.selfiePerson ?? session.vendorData ?? session.sessionId;
  switch (capture.capture) {
    case 'no_face':
      return { kind: 'empty', person, seed: capture.seed };
    case 'spoof':
      return { kind: 'screen', person, seed: capture.seed };
    case 'low_quality':
      return { kind: 'dim', person, seed: capture.seed };
    default:
      return { kind: 'selfie', person, seed: capture.seed };
  }
}
