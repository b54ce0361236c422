import { cleanup, screen, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { routes } from '../../routes.tsx';
import { renderWithQuery } from '../../test/render-with-query.tsx';

/** The server's answer to `GET /api/me` (the browser's outside world in these tests). */
function answerMe(role: 'viewer' | 'analyst' | 'lead' | 'admin' | null) {
  const capabilities: Record<string, string[]> = {
    viewer: ['session.read', 'media.view', 'workflow.read', 'sync.read'],
    analyst: ['session.read', 'media.view', 'workflow.read', 'sync.read', 'session.claim', 'session.decide', 'session.note'],
  };
  capabilities.lead = [
    ...capabilities.analyst!,
    'claim.release_others',
    'threshold.propose',
    'threshold.approve',
    'webhook.replay',
    'push.requeue',
    'audit.read',
  ];
  capabilities.admin = [...capabilities.lead, 'token.manage'];
  vi.stubGlobal('fetch', (input: RequestInfo | URL) => {
    const url = input instanceof Request ? input.url : input.toString();
    if (url.startsWith('/api/me')) {
      return Promise.resolve(
        role
          ? Response.json({
              user: { kind: 'user', id: 'u1', label: `${role}@example.test`, role },
              capabilities: capabilities[role],
            })
          : Response.json({ error: { code: 'unauthenticated', message: 'Sign in.' } }, { status: 401 }),
      );
    }
    if (url.startsWith('/api/audit')) return Promise.resolve(Response.json({ entries: [], nextCursor: null }));
    // The queue's workflow filter names the workflows.
    if (url === '/api/workflows') return Promise.resolve(Response.json({ items: [] }));
    if (url.startsWith('/api/queue')) {
      return Promise.resolve(Response.json({ items: [], nextCursor: null, total: 0, totalCapped: false }));
    }
    // Anything else is not part of these tests: answered 404, never sent to a network.
    return Promise.resolve(Response.json({ error: { code: 'not_found', message: `No ${url} here.` } }, { status: 404 }));
  });
}

beforeEach(() => answerMe('admin'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderAt(path: string) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  renderWithQuery(<RouterProvider router={router} />);
  return router;
}

describe('AppShell', () => {
  it('offers every section in the primary navigation and marks the current one', async () => {
    renderAt('/workflows');
    // Lazy route modules load first; the frame renders once they have.
    const nav = await screen.findByRole('navigation', { name: 'Primary' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((link) => link.textContent)).toEqual([
      'Queue',
      'Second review',
      'Workflows',
      'Team',
      'Sync',
      'Audit',
      'Tokens',
    ]);
    expect(within(nav).getByRole('link', { name: 'Workflows' }).getAttribute('aria-current')).toBe('page');
    expect(await screen.findByRole('heading', { level: 1, name: 'Workflows' })).toBeTruthy();
  });

  it('sends the root path to the queue', async () => {
    const router = renderAt('/');
    expect(await screen.findByRole('heading', { level: 1, name: 'Review queue' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/queue');
  });

  it('shows an explanatory empty state on an empty queue', async () => {
    renderAt('/queue');
    expect(await screen.findByRole('heading', { name: 'No sessions waiting for review' })).toBeTruthy();
  });

  it('offers a skip link to the main content', async () => {
    renderAt('/audit');
    expect((await screen.findByRole('link', { name: 'Skip to content' })).getAttribute('href')).toBe('#main');
  });

  it('hides sections the role cannot use and shows who is signed in', async () => {
    answerMe('analyst');
    renderAt('/queue');
    const nav = await screen.findByRole('navigation', { name: 'Primary' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['Queue', 'Second review', 'Workflows', 'Sync']);
    expect(screen.getByTestId('signed-in-user').textContent).toBe('analyst@example.test');
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();
  });

  it('sends someone who is not signed in to the sign-in page, remembering where they were going', async () => {
    answerMe(null);
    const router = renderAt('/audit?action=auth.login');
    expect(await screen.findByRole('link', { name: 'Sign in with SSO' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.getByRole('link', { name: 'Sign in with SSO' }).getAttribute('href')).toBe(
      `/auth/login?returnTo=${encodeURIComponent('/audit?action=auth.login')}`,
    );
  });
});
