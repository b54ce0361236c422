import { httpSavedViewsApi } from '../api/saved-views.ts';
import { QueueRoute } from '../components/queue/QueueRoute.tsx';
import { SavedViewsApiProvider } from '../hooks/use-saved-views-api.tsx';

/** `/queue`: the URL is the queue's state (filters, sort, page cursor), parsed with the contract's schema. */
export function Component() {
  return (
    <SavedViewsApiProvider api={httpSavedViewsApi}>
      <QueueRoute />
    </SavedViewsApiProvider>
  );
}
