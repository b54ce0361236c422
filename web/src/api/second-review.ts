import type { z } from 'zod';
import { sessionDetailSchema } from '../../../server/contract/review.ts';
import {
  secondReviewAnswerResponseSchema,
  secondReviewResolveResponseSchema,
  type SecondReviewAnswer,
  type SecondReviewResolve,
} from '../../../server/contract/second-review.ts';
import { apiPost } from './client.ts';

/**
 * Second review and four eyes (issue 20, ADR 0021) from the session page, through the shared
 * client (JSON, same-origin cookies, the CSRF header, `ApiError`, 401 → sign-in). Both answer what
 * happened and the session as the caller may now see it; a 409 carries the fresh session in
 * `details.session` (`freshSessionFromConflict`). The panel receives these as a prop so tests can
 * hand it plain async functions.
 */

const answerResultSchema = secondReviewAnswerResponseSchema.extend({ session: sessionDetailSchema });
export type SecondReviewAnswerResult = z.infer<typeof answerResultSchema>;

const resolveResultSchema = secondReviewResolveResponseSchema.extend({ session: sessionDetailSchema });
export type SecondReviewResolveResult = z.infer<typeof resolveResultSchema>;

export interface SecondReviewApi {
  /** The second analyst's blind verdict (`POST /api/sessions/:id/second-review`). */
  answer(sessionId: string, body: SecondReviewAnswer): Promise<SecondReviewAnswerResult>;
  /** A lead settles a disagreement (`POST /api/sessions/:id/second-review/resolve`). */
  resolve(sessionId: string, body: SecondReviewResolve): Promise<SecondReviewResolveResult>;
}

const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export const httpSecondReviewApi: SecondReviewApi = {
  answer: (sessionId, body) => apiPost(`${sessionPath(sessionId)}/second-review`, body, answerResultSchema),
  resolve: (sessionId, body) => apiPost(`${sessionPath(sessionId)}/second-review/resolve`, body, resolveResultSchema),
};
