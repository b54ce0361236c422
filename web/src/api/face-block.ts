import type { DeclineAndBlockRequest, UnblockFaceRequest } from '../../../server/contract/face-block.ts';
import { sessionDetailSchema, type SessionDetail } from '../../../server/contract/review.ts';
import { apiPost } from './client.ts';

/**
 * "Decline and block this face" (issue 20) from the session page, through the shared client (JSON,
 * same-origin cookies, the CSRF header, `ApiError`, 401 → sign-in). Each call answers the session
 * as it is now; a 409 carries the fresh session in `details.session` where the route sends it. The
 * panel receives these as a prop so tests can hand it plain async functions.
 */
export interface FaceBlockApi {
  /** Declines the session (reason, note) and blocks its face at Didit; both pushes are queued together. */
  declineAndBlock(sessionId: string, body: DeclineAndBlockRequest): Promise<SessionDetail>;
  /** Lifts the block (leads, admins), with a note. */
  unblockFace(sessionId: string, body: UnblockFaceRequest): Promise<SessionDetail>;
  /** Queues a block (or unblock) Didit refused again. */
  retry(sessionId: string): Promise<SessionDetail>;
}

const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export const httpFaceBlockApi: FaceBlockApi = {
  declineAndBlock: (sessionId, body) => apiPost(`${sessionPath(sessionId)}/decline-and-block`, body, sessionDetailSchema),
  unblockFace: (sessionId, body) => apiPost(`${sessionPath(sessionId)}/unblock-face`, body, sessionDetailSchema),
  retry: (sessionId) => apiPost(`${sessionPath(sessionId)}/face-block/retry`, {}, sessionDetailSchema),
};
