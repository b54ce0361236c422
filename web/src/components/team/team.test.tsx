import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, Outlet, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TeamAvailability, TeamMember } from '../../../../server/contract/assignment.ts';
import { loadMe, rootRouteId } from '../auth/me.ts';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { TeamView } from './TeamView.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const now = Date.parse('2026-12-01T12:00:00.000Z');

const ana = '11111111-1111-4111-8111-111111111111';
const bea = '22222222-2222-4222-8222-222222222222';
const aaron = '33333333-3333-4333-8333-333333333333';
const carl = '44444444-4444-4444-8444-444444444444';

function member(overrides: Partial<TeamMember> & Pick<TeamMember, 'userId' | 'label'>): TeamMember {
  return {
    role: 'analyst',
    available: false,
    changedAt: null,
    assigned: 0,
    cap: 5,
    customCap: false,
    ...overrides,
  };
}

/** The team as the server lists it: in no particular order. */
const team = (): TeamAvailability => ({
  defaultCap: 5,
  items: [
    member({ userId: carl, label: '<b>carl</b>@example.test', changedAt: '2026-11-28T10:00:00.000Z' }),
    member({
      userId: bea,
      label: 'bea@example.test',
      available: true,
      // 2 h 05 min before `now`.
      changedAt: '2026-12-01T09:55:00.000Z',
      assigned: 3,
      cap: 7,
      customCap: true,
    }),
    member({ userId: aaron, label: 'aaron@example.test', role: 'admin' }),
    member({ userId: ana, label: 'ana@example.test', role: 'lead', available: true, assigned: 6 }),
  ],
});

const capabilitiesOf = {
  analyst: ['session.read', 'workflow.read', 'session.claim', 'session.decide'],
  lead: ['session.read', 'workflow.read', 'session.claim', 'session.decide', 'claim.release_others'],
};

interface Sent {
  method: string;
  url: string;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * The server (the outside world here): who is signed in, the team, and cap changes applied to it
 * as the API does (null: back to the default). `reject` answers a cap change with a 400 instead.
 */
function serve({ role = 'lead', reject }: { role?: keyof typeof capabilitiesOf; reject?: unknown } = {}) {
  const state = team();
  const sent: Sent[] = [];
  vi.stubGlobal('fetch', (input: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    sent.push({ method, url: input, body, headers: { ...(init.headers as Record<string, string>) } });
    if (input === '/api/me') {
      return Promise.resolve(
        Response.json({
          user: { kind: 'user', id: ana, label: `${role}@example.test`, role },
          capabilities: capabilitiesOf[role],
        }),
      );
    }
    if (input === '/api/team/availability') return Promise.resolve(Response.json(state));
    const cap = /^\/api\/team\/([^/]+)\/cap$/.exec(input);
    if (cap && method === 'PUT') {
      if (reject) return Promise.resolve(Response.json(reject, { status: 400 }));
      const { maxAssigned } = body as { maxAssigned: number | null };
      const index = state.items.findIndex((item) => item.userId === cap[1]);
      const changed: TeamMember = {
        ...state.items[index]!,
        cap: maxAssigned ?? state.defaultCap,
        customCap: maxAssigned !== null,
      };
      state.items[index] = changed;
      return Promise.resolve(Response.json(changed));
    }
    return Promise.resolve(Response.json({ error: { code: 'not_found', message: 'Not here.' } }, { status: 404 }));
  });
  return sent;
}

/** The page as the app mounts it: under the root route that loads who is signed in. */
function renderTeamPage() {
  const router = createMemoryRouter(
    [
      {
        id: rootRouteId,
        path: '/',
        loader: loadMe,
        element: <Outlet />,
        hydrateFallbackElement: <p>Loading…</p>,
        children: [{ path: 'team', lazy: () => import('../../routes/team.tsx') }],
      },
    ],
    { initialEntries: ['/team'] },
  );
  renderWithQuery(<RouterProvider router={router} />);
}

const rowOf = (label: string) => screen.getByRole('rowheader', { name: label }).closest('tr')!;
const cellTexts = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map((cell) => cell.textContent);

describe('the team page', () => {
  it('shows leads who is available first, then by label, with the load and cap of each', async () => {
    serve();
    renderWithQuery(<TeamView now={now} />);
    const table = await screen.findByRole('table', { name: 'Team availability' });
    const people = within(table)
      .getAllByRole('rowheader')
      .map((cell) => cell.textContent);
    // Labels compare as people read them (symbols before letters).
    expect(people).toEqual(['ana@example.test', 'bea@example.test', '<b>carl</b>@example.test', 'aaron@example.test']);

    expect(cellTexts(rowOf('ana@example.test')).slice(0, 4)).toEqual(['Lead', 'yes', '6 over cap', 'default (5)']);
    expect(cellTexts(rowOf('bea@example.test')).slice(0, 4)).toEqual(['Analyst', 'yes since 2 h 05 min ago', '3', '7']);
    expect(cellTexts(rowOf('aaron@example.test')).slice(0, 4)).toEqual(['Admin', 'no', '0', 'default (5)']);
    expect(cellTexts(rowOf('<b>carl</b>@example.test')).slice(0, 2)).toEqual(['Analyst', 'no since 3 d 02 h ago']);
    expect(within(rowOf('bea@example.test')).getByText('2 h 05 min ago').getAttribute('dateTime')).toBe(
      '2026-12-01T09:55:00.000Z',
    );

    // A label is text, never markup.
    expect(table.querySelector('b')).toBeNull();
    // Only someone with a cap of their own can go back to the default; the editor starts from it.
    expect(within(rowOf('bea@example.test')).getByRole('button', { name: 'Use default' })).toBeTruthy();
    expect(within(rowOf('ana@example.test')).queryByRole('button', { name: 'Use default' })).toBeNull();
    expect(screen.getByRole<HTMLInputElement>('spinbutton', { name: 'Cap for bea@example.test' }).value).toBe('7');
    expect(screen.getByRole<HTMLInputElement>('spinbutton', { name: 'Cap for ana@example.test' }).value).toBe('');
    expect(screen.getByText(/Everyone without a cap of their own has the default \(5\)/)).toBeTruthy();
  });

  it('saves a cap for one person with the CSRF header, and the row shows it', async () => {
    const sent = serve();
    renderWithQuery(<TeamView now={now} />);
    const input = await screen.findByRole('spinbutton', { name: 'Cap for ana@example.test' });
    const save = within(rowOf('ana@example.test')).getByRole<HTMLButtonElement>('button', { name: 'Save' });
    expect(save.disabled).toBe(true);
    fireEvent.change(input, { target: { value: '8' } });
    fireEvent.click(save);

    await waitFor(() => expect(cellTexts(rowOf('ana@example.test'))[3]).toBe('8'));
    expect(within(rowOf('ana@example.test')).getByRole('button', { name: 'Use default' })).toBeTruthy();
    const puts = sent.filter((request) => request.method === 'PUT');
    expect(puts.map(({ url, body }) => ({ url, body }))).toEqual([{ url: `/api/team/${ana}/cap`, body: { maxAssigned: 8 } }]);
    expect(puts[0]!.headers['X-Requested-With']).toBe('review-console');
    // The team is read again after the change (the assigner may have moved work).
    await waitFor(() => expect(sent.filter((request) => request.url === '/api/team/availability')).toHaveLength(2));
    expect(screen.getByRole<HTMLInputElement>('spinbutton', { name: 'Cap for ana@example.test' }).value).toBe('8');
  });

  it('"Use default" sends null and the row falls back to the default cap', async () => {
    const sent = serve();
    renderWithQuery(<TeamView now={now} />);
    await screen.findByRole('table', { name: 'Team availability' });
    fireEvent.click(within(rowOf('bea@example.test')).getByRole('button', { name: 'Use default' }));

    await waitFor(() => expect(cellTexts(rowOf('bea@example.test'))[3]).toBe('default (5)'));
    expect(within(rowOf('bea@example.test')).queryByRole('button', { name: 'Use default' })).toBeNull();
    expect(screen.getByRole<HTMLInputElement>('spinbutton', { name: 'Cap for bea@example.test' }).value).toBe('');
    expect(sent.filter((request) => request.method === 'PUT').map(({ url, body }) => ({ url, body }))).toEqual([
      { url: `/api/team/${bea}/cap`, body: { maxAssigned: null } },
    ]);
  });

  it("shows the server's 400 next to the row it came from and keeps the cap", async () => {
    const sent = serve({
      reject: {
        error: {
          code: 'validation_failed',
          message: 'The request is not valid.',
          details: { issues: [{ path: 'maxAssigned', message: 'Too big: expected number to be <=1000' }] },
        },
      },
    });
    renderWithQuery(<TeamView now={now} />);
    const input = await screen.findByRole('spinbutton', { name: 'Cap for bea@example.test' });
    fireEvent.change(input, { target: { value: '1001' } });
    fireEvent.click(within(rowOf('bea@example.test')).getByRole('button', { name: 'Save' }));

    const alert = await within(rowOf('bea@example.test')).findByRole('alert');
    expect(alert.textContent).toBe('The request is not valid. Too big: expected number to be <=1000');
    expect(input.getAttribute('aria-describedby')).toBe(alert.id);
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(cellTexts(rowOf('bea@example.test'))[3]).toBe('7');
    expect(sent.filter((request) => request.method === 'PUT').map(({ body }) => body)).toEqual([{ maxAssigned: 1001 }]);
  });

  it('is headed "Team" for leads and closed to analysts, who never ask for the team', async () => {
    serve();
    renderTeamPage();
    expect(await screen.findByRole('heading', { level: 1, name: 'Team' })).toBeTruthy();
    expect(await screen.findByRole('table', { name: 'Team availability' })).toBeTruthy();
    cleanup();

    const sent = serve({ role: 'analyst' });
    renderTeamPage();
    expect(await screen.findByText('Only leads and admins see the team.')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1, name: 'Team' })).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
    expect(sent.map((request) => request.url)).toEqual(['/api/me']);
  });
});
