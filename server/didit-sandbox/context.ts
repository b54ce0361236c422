/** What the routes share: the composition of one running sandbox. */
import type { JsonValue } from './canonical-json.ts';
import type { FaultInjector } from './faults.ts';
import type { Images } from './images.ts';
import type { ManualReviewService } from './manual-review.ts';
import type { MediaSigner } from './media.ts';
import type { Random } from './prng.ts';
import type { SlidingWindowLimiter } from './rate-limit.ts';
import type { SessionService } from './sessions.ts';
import type { SandboxStore } from './store.ts';
import type { WebhookDispatcher } from './webhooks.ts';

/** One /v3 call as the sandbox received it. */
export interface RecordedRequest {
  id: number;
  at: string;
  method: string;
  /** Path with query string. */
  path: string;
  /** Parsed JSON body; strings over 4096 characters (portraits) become "<N characters>". */
  body: JsonValue;
  status: number;
  duration_ms: number;
}

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
  recordRequest: (request: Omit<RecordedRequest, 'id' | 'at'>) => void;
  requests: RecordedRequest[];
}
