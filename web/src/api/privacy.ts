import {
  erasureResponseSchema,
  erasureStatusSchema,
  type ErasureRequestInput,
  type ErasureResponse,
  type ErasureStatus,
} from '../../../server/contract/privacy.ts';
import { apiGet, apiPost } from './client.ts';

/**
 * Erasure on request from the session page (admins, `privacy.erase`), through the shared client
 * (JSON, same-origin cookies, the CSRF header, `ApiError`, 401 → sign-in). Responses are parsed
 * with the contract's zod schemas. The panel receives these as a prop so tests can hand it plain
 * async functions.
 */
export interface PrivacyApi {
  /** Erases the session's person (or the session alone) here at once; Didit's side follows in the worker. */
  requestErasure(sessionId: string, body: ErasureRequestInput): Promise<ErasureResponse>;
  /** Where an erasure request stands at Didit. */
  getErasure(id: number, signal?: AbortSignal): Promise<ErasureStatus>;
}

export const httpPrivacyApi: PrivacyApi = {
  requestErasure: (sessionId, body) =>
    apiPost(`/api/sessions/${encodeURIComponent(sessionId)}/erasure`, body, erasureResponseSchema),
  getErasure: (id, signal) => apiGet(`/api/erasures/${encodeURIComponent(String(id))}`, erasureStatusSchema, { signal }),
};
