import { Navigate, type RouteObject } from 'react-router';
import { AppShell } from './components/layout/AppShell.tsx';
import { RouteError } from './components/layout/RouteError.tsx';
import { loadMe, rootRouteId } from './components/auth/me.ts';

/** What shows while the first page's data or code loads (and keeps React Router from warning that nothing does). */
function Loading() {
  return (
    <p aria-busy="true" style={{ padding: 'var(--space-4)', color: 'var(--color-text-muted)' }}>
      Loading…
    </p>
  );
}

/** Every page of the console; each route module is loaded on demand (route-level code splitting). */
export const routes: RouteObject[] = [
  // Outside the shell: shown to people who are not signed in.
  {
    path: '/login',
    lazy: () => import('./routes/login.tsx'),
    errorElement: <RouteError />,
    hydrateFallbackElement: <Loading />,
  },
  {
    id: rootRouteId,
    path: '/',
    // Who is signed in (or off to /login); the shell and pages read it with useMe().
    loader: loadMe,
    element: <AppShell />,
    errorElement: <RouteError />,
    hydrateFallbackElement: <Loading />,
    children: [
      { index: true, element: <Navigate to="/queue" replace /> },
      { path: 'queue', lazy: () => import('./routes/queue.tsx') },
      { path: 'second-review', lazy: () => import('./routes/second-review.tsx') },
      { path: 'sessions/:id', lazy: () => import('./routes/session.tsx') },
      { path: 'workflows', lazy: () => import('./routes/workflows.tsx') },
      { path: 'workflows/:id', lazy: () => import('./routes/workflow.tsx') },
      { path: 'insights', lazy: () => import('./routes/insights.tsx') },
      { path: 'team', lazy: () => import('./routes/team.tsx') },
      { path: 'sync', lazy: () => import('./routes/sync.tsx') },
      { path: 'audit', lazy: () => import('./routes/audit.tsx') },
      { path: 'admin/tokens', lazy: () => import('./routes/admin-tokens.tsx') },
      { path: '*', lazy: () => import('./routes/not-found.tsx') },
    ],
  },
];
