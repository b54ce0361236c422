import { createContext, useContext, type ReactNode } from 'react';
import { SAVED_VIEWS_MAX_PER_PERSON } from '../../../server/contract/saved-views.ts';
import type { SavedViewsApi } from '../api/saved-views.ts';

/**
 * Outside a provider (unit tests of the queue that are not about views) the Views control lists
 * nothing and saves nothing, rather than reaching for a server that is not there. The queue's
 * route module provides the HTTP client (`web/src/routes/queue.tsx`).
 */
const unavailable = (): Promise<never> => Promise.reject(new Error('Saved views are not available here.'));
const noSavedViewsApi: SavedViewsApi = {
  list: () => Promise.resolve({ views: [], maxPerPerson: SAVED_VIEWS_MAX_PER_PERSON }),
  create: unavailable,
  update: unavailable,
  setShared: unavailable,
  remove: unavailable,
};

const SavedViewsApiContext = createContext<SavedViewsApi>(noSavedViewsApi);

/** The API the queue's Views control talks to: the HTTP client in the app, plain async functions in tests. */
export function SavedViewsApiProvider({ api, children }: { api: SavedViewsApi; children: ReactNode }) {
  return <SavedViewsApiContext.Provider value={api}>{children}</SavedViewsApiContext.Provider>;
}

export function useSavedViewsApi(): SavedViewsApi {
  return useContext(SavedViewsApiContext);
}
