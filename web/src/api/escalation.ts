import type { DeEscalateRequest, EscalateRequest } from '../../../server/contract/escalation.ts';
import { sessionDetailSchema, type SessionDetail } from '../../../server/contract/review.ts';
import { apiPost } from './client.ts';

/**
 * Escalation (issue 20) from the session page, through the shared client (JSON, same-origin
 * cookies, the CSRF header, `ApiError`, 401 → sign-in). Both answer the session as it is now; a
 * 409 carries the fresh session in `details.session` (`freshSessionFromConflict`). The panel
 * receives these as a prop so tests can hand it plain async functions.
 */
export interface EscalationApi {
  /** Hands the session to the leads with a note; the caller's claim is released. */
  escalate(sessionId: string, body: EscalateRequest): Promise<SessionDetail>;
  /** Returns an escalated session to the analysts' queue with a note (leads, admins). */
  deEscalate(sessionId: string, body: DeEscalateRequest): Promise<SessionDetail>;
}

const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export const httpEscalationApi: EscalationApi = {
  escalate: (sessionId, body) => apiPost(`${sessionPath(sessionId)}/escalate`, body, sessionDetailSchema),
  deEscalate: (sessionId, body) => apiPost(`${sessionPath(sessionId)}/de-escalate`, body, sessionDetailSchema),
};
