import {
  deleteSavedViewAnswerSchema,
  savedViewAnswerSchema,
  savedViewListSchema,
  type CreateSavedViewRequest,
  type SavedView,
  type SavedViewList,
  type UpdateSavedViewRequest,
} from '../../../server/contract/saved-views.ts';
import { apiGet, apiPost, apiRequest } from './client.ts';

/**
 * Saved queue views (issue 20) through the shared client (JSON, same-origin cookies, the CSRF
 * header, `ApiError`, 401 → sign-in), answers parsed with the contract's schemas. The queue's
 * Views control reads it from context (`use-saved-views-api.tsx`) so tests can hand it plain
 * async functions.
 */
export interface SavedViewsApi {
  list(signal?: AbortSignal): Promise<SavedViewList>;
  create(body: CreateSavedViewRequest): Promise<SavedView>;
  update(id: number, body: UpdateSavedViewRequest): Promise<SavedView>;
  setShared(id: number, shared: boolean): Promise<SavedView>;
  remove(id: number): Promise<void>;
}

const viewPath = (id: number) => `/api/queue/views/${encodeURIComponent(String(id))}`;

export const httpSavedViewsApi: SavedViewsApi = {
  list: (signal) => apiGet('/api/queue/views', savedViewListSchema, { signal }),
  create: async (body) => (await apiPost('/api/queue/views', body, savedViewAnswerSchema)).view,
  update: async (id, body) => (await apiRequest('PATCH', viewPath(id), savedViewAnswerSchema, { body })).view,
  setShared: async (id, shared) =>
    (await apiRequest('PUT', `${viewPath(id)}/shared`, savedViewAnswerSchema, { body: { shared } })).view,
  remove: async (id) => {
    await apiRequest('DELETE', viewPath(id), deleteSavedViewAnswerSchema);
  },
};
