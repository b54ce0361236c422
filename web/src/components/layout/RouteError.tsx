import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { EmptyState } from './EmptyState.tsx';

/** Shown when a page fails to load (a deploy replaced its chunk, the API is down...). */
export function RouteError() {
  const error = useRouteError();
  const detail = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : 'Unknown error';
  return (
    <main id="main" style={{ padding: 'var(--space-4)' }}>
      <EmptyState title="This page could not be loaded">
        <p>{detail}</p>
        <p>
          <Link to="/queue">Back to the queue</Link> or reload the page.
        </p>
      </EmptyState>
    </main>
  );
}
