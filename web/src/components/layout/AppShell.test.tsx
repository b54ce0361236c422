import { cleanup, render, screen, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { routes } from '../../routes.tsx';

afterEach(cleanup);

function renderAt(path: string) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  render(<RouterProvider router={router} />);
  return router;
}

describe('AppShell', () => {
  it('offers every section in the primary navigation and marks the current one', async () => {
    renderAt('/workflows');
    // Lazy route modules load first; the frame renders once they have.
    const nav = await screen.findByRole('navigation', { name: 'Primary' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((link) => link.textContent)).toEqual(['Queue', 'Workflows', 'Sync', 'Audit']);
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
});
