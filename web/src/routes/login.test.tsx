import { cleanup, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider, type RouteObject } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { returnableRoutes } from '../../../server/contract/auth.ts';
import { routes } from '../routes.tsx';
import { renderWithQuery } from '../test/render-with-query.tsx';

// routes.tsx builds the app's browser router when imported, which asks the server who is signed
// in: answer as the server would to a stranger (this file's only outside world).
vi.hoisted(() => {
  vi.stubGlobal('fetch', () =>
    Promise.resolve(Response.json({ error: { code: 'unauthenticated', message: 'Sign in.' } }, { status: 401 })),
  );
});

afterEach(cleanup);

async function signInHrefAt(path: string): Promise<string | null> {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  renderWithQuery(<RouterProvider router={router} />);
  const link = await screen.findByRole('link', { name: 'Sign in with SSO' });
  return link.getAttribute('href');
}

const viaLogin = (returnTo: string) => `/login?returnTo=${encodeURIComponent(returnTo)}`;

describe('the sign-in page', () => {
  it('passes a page of the console on to the server', async () => {
    const returnTo = '/queue?status=In%20Review';
    expect(await signInHrefAt(viaLogin(returnTo))).toBe(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  });

  // Issue #15, finding 1: the page's own check let these through (they start with one `/`), and
  // normalise to `//evil.example`.
  it.each([
    '/.//evil.example/x',
    '/%2e//evil.example',
    '/a/..//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    'https://evil.example',
  ])('offers a sign-in that returns home, not to %j', async (returnTo) => {
    expect(await signInHrefAt(viaLogin(returnTo))).toBe('/auth/login?returnTo=%2F');
  });
});

describe('the pages a sign-in may return to', () => {
  it('are exactly the pages of the web app (server/contract/auth.ts keeps the list)', () => {
    const paths: string[] = [];
    const walk = (list: RouteObject[], parent: string) => {
      for (const route of list) {
        const path = route.index ? parent : route.path === undefined ? parent : joinPath(parent, route.path);
        if (route.path !== '*' && (route.index || (route.path !== undefined && !route.children))) paths.push(path);
        if (route.children) walk(route.children, path);
      }
    };
    walk(routes, '');
    expect(paths.filter((path) => path !== '/login').sort()).toEqual([...returnableRoutes].sort());
  });
});

function joinPath(parent: string, path: string): string {
  if (path.startsWith('/')) return path;
  return `${parent.replace(/\/$/, '')}/${path}`;
}
