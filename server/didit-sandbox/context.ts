/** What the routes share: the composition of one running sandbox. */
import type { FaultInjector } from './faults.ts';
import type { Images } from './images.ts';
import type { ManualReviewService } from './manual-review.ts';
import type { MediaSigner } from './media.ts';
import type { Random } from './prng.ts';
import type { SlidingWindowLimiter } from './rate-limit.ts';
import type { RequestLog } from './request-log.ts';
import type { SessionService } from './sessions.ts';
import type { SandboxStore } from './store.ts';
import type { WebhookDispatcher } from './webhooks.ts';

export interface SandboxContext {
  apiKey: string;
  store: SandboxStore;
  now: () => number;
  /** Where the sandbox listens, e.g. http://127.0.0.1:4010. */
  baseUrl: () => string;
  limiter: SlidingWindowLimiter;
  faults: FaultInjector;
  media: MediaSigner;
  images: Images;
  dispatcher: WebhookDispatcher;
  sessions: SessionService;
  reviews: ManualReviewService;
  /** Seeded stream for destination secrets, or null for crypto randomness. */
  secretRng: Random | null;
  /** The /v3 calls received, written on arrival. */
  requests: RequestLog;
}
