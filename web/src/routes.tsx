import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { AppShell } from './components/layout/AppShell.tsx';
import { RouteError } from './components/layout/RouteError.tsx';

/** Every page of the console; each route module is loaded on demand (route-level code splitting). */
export const routes: RouteObject[] = [
  {
    path: '/',
    element: <AppShell />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/queue" replace /> },
      { path: 'queue', lazy: () => import('./routes/queue.tsx') },
      { path: 'workflows', lazy: () => import('./routes/workflows.tsx') },
      { path: 'sync', lazy: () => import('./routes/sync.tsx') },
      { path: 'audit', lazy: () => import('./routes/audit.tsx') },
      { path: '*', lazy: () => import('./routes/not-found.tsx') },
    ],
  },
];

export const router = createBrowserRouter(routes);
