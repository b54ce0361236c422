import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SecondReviewList as ListResponse, SecondReviewListItem } from '../../../../server/contract/second-review.ts';
import { routes } from '../../routes.tsx';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { workflowDetail } from '../thresholds/fixtures.ts';
import { SecondReviewList } from './SecondReviewList.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const now = Date.parse('2026-03-02T12:00:00.000Z');
const workflow = workflowDetail({ id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', label: 'Returning users' });
const otherWorkflow = workflowDetail({ id: 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff', label: 'New customers' });

function item(overrides: Partial<SecondReviewListItem> = {}): SecondReviewListItem {
  return {
    id: 7,
    sessionId: '11111111-2222-3333-4444-555555555555',
    sessionNumber: 12,
    workflowId: workflow.id,
    workflowLabel: 'Returning users',
    statusBefore: 'In Review',
    livenessScore: 71.25,
    faceMatchScore: 58,
    warningCodes: ['LOW_FACE_MATCH_SIMILARITY'],
    // 2 h 05 m before `now`.
    createdAt: '2026-03-02T09:55:00.000Z',
    disagreement: null,
    ...overrides,
  };
}

const capabilitiesOf = {
  viewer: ['session.read', 'workflow.read'],
  analyst: ['session.read', 'workflow.read', 'session.claim', 'session.decide'],
  lead: ['session.read', 'workflow.read', 'session.claim', 'session.decide', 'second_review.resolve'],
};

/** The server (the outside world here): who is signed in, the workflows, and the lists by their URL. */
function serve(lists: (url: URL) => ListResponse, role: keyof typeof capabilitiesOf = 'lead') {
  const asked: string[] = [];
  vi.stubGlobal('fetch', (input: RequestInfo | URL) => {
    const path = input instanceof Request ? input.url : input.toString();
    const url = new URL(path, 'http://console.test');
    if (url.pathname === '/api/second-reviews') {
      asked.push(url.pathname + url.search);
      return Promise.resolve(Response.json(lists(url)));
    }
    if (url.pathname === '/api/workflows') return Promise.resolve(Response.json({ items: [workflow, otherWorkflow] }));
    if (url.pathname === '/api/me') {
      return Promise.resolve(
        Response.json({
          user: { kind: 'user', id: 'u1', label: `${role}@example.test`, role },
          capabilities: capabilitiesOf[role],
        }),
      );
    }
    return Promise.resolve(Response.json({ error: { code: 'not_found', message: 'Not here.' } }, { status: 404 }));
  });
  return asked;
}

function renderList(path: string, { canResolve = true } = {}) {
  const router = createMemoryRouter(
    [
      { path: '/second-review', element: <SecondReviewList canResolve={canResolve} pollMs={0} now={now} /> },
      { path: '/sessions/:id', element: <p>session page</p> },
    ],
    { initialEntries: [path] },
  );
  renderWithQuery(<RouterProvider router={router} />);
  return router;
}

const cellTexts = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map((cell) => cell.textContent);

describe('the second review page', () => {
  it('lists the decisions waiting for a second review as they were before them, oldest first', async () => {
    const asked = serve(() => ({
      items: [
        item(),
        item({
          id: 8,
          sessionId: 'abcdef01-2222-3333-4444-555555555555',
          sessionNumber: null,
          workflowLabel: null,
          statusBefore: 'Declined',
          faceMatchScore: null,
          warningCodes: [],
          createdAt: '2026-03-02T11:59:30.000Z',
        }),
      ],
      total: 2,
      nextCursor: null,
    }));
    renderList('/second-review');
    const table = await screen.findByRole('table', { name: 'Decisions waiting for a second review, oldest first' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((th) => th.textContent),
    ).toEqual(['Session', 'Workflow', 'Status before', 'Liveness', 'Face match', 'Warnings', 'Waiting']);
    const [, first, second] = within(table).getAllByRole('row');
    expect(cellTexts(first!)).toEqual([
      'Session #12',
      'Returning users',
      'In Review',
      '71.3',
      '58.0',
      'warning: LOW_FACE_MATCH_SIMILARITY',
      '2 h 05 m',
    ]);
    // No session number: the id's start; no workflow label: its id; under a minute: "<1 m".
    expect(cellTexts(second!)).toEqual(['abcdef01', workflow.id, 'Declined', '71.3', '—', 'none', '<1 m']);
    expect(within(first!).getByRole('link', { name: 'Session #12' }).getAttribute('href')).toBe(
      '/sessions/11111111-2222-3333-4444-555555555555',
    );
    expect(screen.getByText('2 sessions, oldest first.')).toBeTruthy();
    expect(asked).toEqual(['/api/second-reviews']);
  });

  it('shows leads both verdicts of a disagreement, who gave them, and why the decision was picked', async () => {
    const asked = serve(() => ({
      items: [
        item({
          disagreement: {
            purpose: 'four_eyes',
            triggers: [
              { rule: 'face_match_floor', detail: 'Face match 58 is below this workflow’s floor of 65.' },
              { rule: 'repeat_attempt', detail: 'Third attempt by this user within 24 hours.' },
            ],
            first: { verdict: 'Approved', by: 'analyst@example.test' },
            second: { verdict: 'Declined', by: 'analyst2@example.test' },
          },
        }),
      ],
      total: 1,
      nextCursor: null,
    }));
    renderList('/second-review?state=disagreed');
    const table = await screen.findByRole('table', { name: 'Disagreements to settle, oldest first' });
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((th) => th.textContent);
    expect(headers.slice(-3)).toEqual(['First verdict', 'Second verdict', 'Why picked']);
    const row = within(table).getAllByRole('row')[1]!;
    expect(cellTexts(row).slice(-3)).toEqual([
      'Approved · analyst@example.test',
      'Declined · analyst2@example.test',
      'Four eyes (held from Didit)Face match 58 is below this workflow’s floor of 65.Third attempt by this user within 24 hours.',
    ]);
    expect(within(row).getAllByRole('listitem')).toHaveLength(2);
    expect(screen.getByRole('link', { name: 'Disagreements' }).getAttribute('aria-current')).toBe('page');
    expect(asked).toEqual(['/api/second-reviews?state=disagreed']);
  });

  it('says so when nothing waits, in each list', async () => {
    serve(() => ({ items: [], total: 0, nextCursor: null }));
    renderList('/second-review');
    expect(await screen.findByRole('heading', { name: 'No decisions wait for a second review.' })).toBeTruthy();
    fireEvent.click(screen.getByRole('link', { name: 'Disagreements' }));
    expect(await screen.findByRole('heading', { name: 'No disagreements to settle.' })).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows the first page, says how many there are, and reads the next page under it on “Load more”', async () => {
    const asked = serve((url) =>
      url.searchParams.get('cursor') === '2'
        ? { items: [item({ id: 3, sessionNumber: 14 })], total: 3, nextCursor: null }
        : { items: [item({ id: 1 }), item({ id: 2, sessionNumber: 13 })], total: 3, nextCursor: '2' },
    );
    renderList('/second-review');
    expect(await screen.findByText('Showing 2 of 3, oldest first.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('3 sessions, oldest first.')).toBeTruthy();
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows.map((row) => cellTexts(row)[0])).toEqual(['Session #12', 'Session #13', 'Session #14']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(asked).toEqual(['/api/second-reviews', '/api/second-reviews?cursor=2']);
  });

  it('keeps the rows shown when the next page fails to load, and says why', async () => {
    let failNext = true;
    vi.stubGlobal('fetch', (input: RequestInfo | URL) => {
      const url = new URL(input instanceof Request ? input.url : input.toString(), 'http://console.test');
      if (url.pathname === '/api/second-reviews' && url.searchParams.has('cursor') && failNext) {
        failNext = false;
        return Promise.resolve(
          Response.json({ error: { code: 'database_unavailable', message: 'The database is not answering.' } }, { status: 503 }),
        );
      }
      if (url.pathname === '/api/second-reviews') {
        return Promise.resolve(Response.json({ items: [item({ id: 1 })], total: 2, nextCursor: '1' }));
      }
      return Promise.resolve(Response.json({ items: [] }));
    });
    renderList('/second-review');
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/not answering/);
    expect(within(screen.getByRole('table')).getAllByRole('row')).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Load more' })).toBeTruthy();
  });

  it('keeps the tab and the workflow in the URL, and asks the server for that list', async () => {
    const asked = serve((url) => ({
      items: [item({ workflowId: url.searchParams.get('workflow'), workflowLabel: null })],
      total: 1,
      nextCursor: null,
    }));
    const router = renderList('/second-review');
    await screen.findByRole('table');
    const select = screen.getByRole<HTMLSelectElement>('combobox', { name: 'Workflow' });
    await waitFor(() =>
      expect([...select.options].map((o) => o.textContent)).toEqual(['All workflows', 'Returning users', 'New customers']),
    );
    fireEvent.change(select, { target: { value: otherWorkflow.id } });
    await waitFor(() => expect(router.state.location.search).toBe(`?workflow=${otherWorkflow.id}`));
    expect(await screen.findByRole('cell', { name: otherWorkflow.id })).toBeTruthy();
    // The tabs keep the workflow.
    expect(screen.getByRole('link', { name: 'To review' }).getAttribute('aria-current')).toBe('page');
    fireEvent.click(screen.getByRole('link', { name: 'Disagreements' }));
    await waitFor(() => expect(router.state.location.search).toBe(`?state=disagreed&workflow=${otherWorkflow.id}`));
    await waitFor(() =>
      expect(asked).toEqual([
        '/api/second-reviews',
        `/api/second-reviews?workflow=${otherWorkflow.id}`,
        `/api/second-reviews?state=disagreed&workflow=${otherWorkflow.id}`,
      ]),
    );
  });

  it('offers analysts only their list; the disagreements are not asked for without the lead’s capability', async () => {
    const asked = serve(() => ({ items: [item()], total: 1, nextCursor: null }));
    renderList('/second-review?state=disagreed', { canResolve: false });
    expect(await screen.findByRole('heading', { name: 'Not available to your role' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Disagreements' })).toBeNull();
    fireEvent.click(screen.getByRole('link', { name: 'To review' }));
    expect(await screen.findByRole('table')).toBeTruthy();
    expect(asked).toEqual(['/api/second-reviews']);
  });

  it('is in the navigation of people who decide, and closed to the others', async () => {
    serve(() => ({ items: [], total: 0, nextCursor: null }), 'analyst');
    const analyst = createMemoryRouter(routes, { initialEntries: ['/second-review'] });
    renderWithQuery(<RouterProvider router={analyst} />);
    const nav = await screen.findByRole('navigation', { name: 'Primary' });
    expect(within(nav).getByRole('link', { name: 'Second review' }).getAttribute('aria-current')).toBe('page');
    expect(await screen.findByRole('heading', { level: 1, name: 'Second review' })).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'No decisions wait for a second review.' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Disagreements' })).toBeNull();
    cleanup();

    const asked = serve(() => ({ items: [], total: 0, nextCursor: null }), 'viewer');
    const viewer = createMemoryRouter(routes, { initialEntries: ['/second-review'] });
    renderWithQuery(<RouterProvider router={viewer} />);
    expect(await screen.findByRole('heading', { name: 'Not available to your role' })).toBeTruthy();
    const viewerNav = screen.getByRole('navigation', { name: 'Primary' });
    expect(within(viewerNav).queryByRole('link', { name: 'Second review' })).toBeNull();
    expect(asked).toEqual([]);
  });
});
