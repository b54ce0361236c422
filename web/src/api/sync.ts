import {
  replayWebhookResponseSchema,
  requeuePushResponseSchema,
  syncStatusSchema,
  type ReplayWebhookResponse,
  type RequeuePushResponse,
  type SyncStatus,
} from '../../../server/contract/sync.ts';
import { apiGet, apiPost } from './client.ts';

/**
 * The Sync health page's API calls, through the shared client (JSON, same-origin cookies, CSRF
 * header, `ApiError`, 401 → sign-in). Responses are parsed with the contract's zod schemas.
 * The page receives these as a prop so tests can hand it plain async functions.
 */
export interface SyncApi {
  getStatus(signal?: AbortSignal): Promise<SyncStatus>;
  /** Puts a webhook event back in the inbox (lead+, `webhook.replay`). */
  replayWebhook(id: number): Promise<ReplayWebhookResponse>;
  /** Sends a decision stuck on its way to Didit back to the worker (lead+, `push.requeue`). */
  requeuePush(reviewEventId: number): Promise<RequeuePushResponse>;
}

export const httpSyncApi: SyncApi = {
  getStatus: (signal) => apiGet('/api/sync/status', syncStatusSchema, { signal }),
  replayWebhook: (id) => apiPost(`/api/sync/webhooks/${encodeURIComponent(String(id))}/replay`, {}, replayWebhookResponseSchema),
  requeuePush: (reviewEventId) =>
    apiPost(`/api/sync/pushes/${encodeURIComponent(String(reviewEventId))}/requeue`, {}, requeuePushResponseSchema),
};
