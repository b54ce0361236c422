import { z } from 'zod';
import {
  queuePageSchema,
  reasonCatalogSchema,
  refreshMediaResponseSchema,
  revealResponseSchema,
  sessionDetailSchema,
  type DecisionRequest,
  type RetryPushRequest,
  type Media,
  type QueuePage,
  type ReasonCatalog,
  type RevealRequest,
  type RevealResponse,
  type SessionDetail,
  type UndoDecisionRequest,
} from '../../../server/contract/review.ts';

import { ApiError, apiRequest } from './client.ts';

export { ApiError };

/**
 * The review loop's API calls (queue, session, claim, decide, notes, media refresh, reveal), through the
 * shared client (`client.ts`: JSON, same-origin cookies, CSRF header, `ApiError`, 401 → sign-in).
 * Every response is parsed with the contract's zod schemas.
 */

const request = <T>(method: string, path: string, body: unknown, schema: z.ZodType<T>, signal?: AbortSignal) =>
  apiRequest(method, path, schema, { body, signal });

const claimNextResponseSchema = z.object({ session: sessionDetailSchema });

/** Every call the analyst's screens make. Components receive it through `ReviewApiProvider`. */
export interface ReviewApi {
  /** `search` is the queue query as URL search params (defaults omitted), e.g. from `queueQueryToSearch`. */
  listQueue(search: string, signal?: AbortSignal): Promise<QueuePage>;
  getSession(id: string, signal?: AbortSignal): Promise<SessionDetail>;
  claim(id: string): Promise<SessionDetail>;
  release(id: string): Promise<SessionDetail>;
  /** `null` when nothing matching the filters is left to claim. */
  claimNext(filters: Record<string, string | string[]>): Promise<SessionDetail | null>;
  decide(id: string, body: DecisionRequest): Promise<SessionDetail>;
  addNote(id: string, note: string): Promise<SessionDetail>;
  /** Sends a failed push again; a request to try again may carry its email anew. */
  retryPush(id: string, body?: RetryPushRequest): Promise<SessionDetail>;
  /** Takes back the caller's latest decision while its undo window is open (409 once it has closed). */
  undoDecision(id: string, body: UndoDecisionRequest): Promise<SessionDetail>;
  /**
   * Asks for usable links: new ones when they near expiry, or when `brokenUrl` (a link that failed
   * to load here) is still current; otherwise the current ones. Limited per person (429).
   */
  refreshMedia(id: string, brokenUrl?: string): Promise<Media>;
  /**
   * Reveals the session's faces: the look the audit trail records, with a purpose of access when
   * the session is not the caller's (400 `purpose_required` without one). The page unblurs only
   * once this succeeds.
   */
  reveal(id: string, body: RevealRequest): Promise<RevealResponse>;
  getReasons(): Promise<ReasonCatalog>;
}

const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

/** The note and retry endpoints answer the fresh session; accept `{session}` too in case they wrap it. */
const sessionOrWrapped = z.union([sessionDetailSchema, z.object({ session: sessionDetailSchema }).transform((v) => v.session)]);

export const httpReviewApi: ReviewApi = {
  listQueue: (search, signal) => request('GET', `/api/queue${search ? `?${search}` : ''}`, undefined, queuePageSchema, signal),
  getSession: (id, signal) => request('GET', sessionPath(id), undefined, sessionDetailSchema, signal),
  claim: (id) => request('POST', `${sessionPath(id)}/claim`, {}, sessionDetailSchema),
  release: (id) => request('POST', `${sessionPath(id)}/release`, {}, sessionDetailSchema),
  claimNext: async (filters) => {
    try {
      const { session } = await request('POST', '/api/queue/claim-next', { filters }, claimNextResponseSchema);
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && error.code === 'not_found') return null;
      throw error;
    }
  },
  decide: (id, body) => request('POST', `${sessionPath(id)}/decision`, body, sessionOrWrapped),
  addNote: (id, note) => request('POST', `${sessionPath(id)}/notes`, { note }, sessionOrWrapped),
  retryPush: (id, body = {}) => request('POST', `${sessionPath(id)}/decision/retry`, body, sessionOrWrapped),
  undoDecision: (id, body) => request('POST', `${sessionPath(id)}/undo-decision`, body, sessionDetailSchema),
  refreshMedia: (id, brokenUrl) =>
    request('POST', `${sessionPath(id)}/refresh-media`, brokenUrl ? { brokenUrl } : {}, refreshMediaResponseSchema).then(
      (r) => r.media,
    ),
  reveal: (id, body) => request('POST', `${sessionPath(id)}/reveal`, body, revealResponseSchema),
  getReasons: () => request('GET', '/api/review/reasons', undefined, reasonCatalogSchema),
};

/** The fresh session a 409 carries in `error.details.session`, if it is there and well-formed. */
export function freshSessionFromConflict(error: unknown): SessionDetail | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const parsed = z.object({ session: sessionDetailSchema }).safeParse(error.details);
  return parsed.success ? parsed.data.session : null;
}

export function isAbortError(error: unknown): boolean {
  return (error instanceof Error || error instanceof DOMException) && error.name === 'AbortError';
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message || error.code;
  if (error instanceof Error) return error.message;
  return 'Unexpected error';
}
