import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReviewApi } from '../../api/review.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { fakeApi, queueItem, queuePage, sessionDetail } from '../session/fixtures.ts';
import { QueueRoute } from './QueueRoute.tsx';

afterEach(cleanup);

function SessionStub() {
  const location = useLocation();
  return <p>session page {location.pathname + location.search}</p>;
}

function renderQueue(api: ReviewApi, path = '/queue', pollMs = 0) {
  const router = createMemoryRouter(
    [
      { path: '/queue', element: <QueueRoute pollMs={pollMs} /> },
      { path: '/sessions/:id', element: <SessionStub /> },
    ],
    { initialEntries: [path] },
  );
  render(
    <ReviewApiProvider api={api}>
      <RouterProvider router={router} />
    </ReviewApiProvider>,
  );
  return router;
}

const key = (k: string, target: Element = document.activeElement ?? document.body) => fireEvent.keyDown(target, { key: k });
const selectedRow = () => document.querySelector('tr[data-selected="true"]');

describe('queue', () => {
  it('shows an explanatory empty state when nothing waits', async () => {
    renderQueue(fakeApi());
    expect(await screen.findByRole('heading', { name: 'No sessions waiting for review' })).toBeTruthy();
  });

  it('renders the sessions as a real table with a caption and sortable headers', async () => {
    const items = [
      queueItem({ vendorData: 'alice' }),
      queueItem({ vendorData: 'bob', hasFaceMatch: false, faceMatchScore: null }),
    ];
    const listQueue = vi.fn<ReviewApi['listQueue']>(() => Promise.resolve(queuePage(items)));
    renderQueue(fakeApi({ listQueue }));
    const table = await screen.findByRole('table', { name: /Review queue, oldest first/ });
    expect(within(table).getByRole('link', { name: 'alice' })).toBeTruthy();
    expect(within(table).getByText('liveness only')).toBeTruthy();
    expect(
      within(table)
        .getByRole('columnheader', { name: /Time in review/ })
        .getAttribute('aria-sort'),
    ).toBe('ascending');
    expect(
      within(table)
        .getByRole('columnheader', { name: /Liveness/ })
        .getAttribute('aria-sort'),
    ).toBe('none');
    expect(listQueue).toHaveBeenCalledWith('', expect.anything());
  });

  it('sorts on the server through the URL: first click ascending, second descending', async () => {
    const listQueue = vi.fn<ReviewApi['listQueue']>(() => Promise.resolve(queuePage([queueItem()])));
    const router = renderQueue(fakeApi({ listQueue }));
    fireEvent.click(await screen.findByRole('button', { name: /Sort by liveness score/ }));
    await waitFor(() => expect(router.state.location.search).toBe('?sort=liveness'));
    await waitFor(() => expect(listQueue).toHaveBeenLastCalledWith('sort=liveness', expect.anything()));
    fireEvent.click(await screen.findByRole('button', { name: /Sort by liveness score, sorted ascending/ }));
    await waitFor(() => expect(router.state.location.search).toBe('?sort=liveness&dir=desc'));
    expect(screen.getByRole('columnheader', { name: /Liveness/ }).getAttribute('aria-sort')).toBe('descending');
  });

  it('colours time in review by the workflow SLA', async () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const items = [
      queueItem({ vendorData: 'fresh', inReviewSince: minutesAgo(5), slaMinutes: 60 }),
      queueItem({ vendorData: 'ageing', inReviewSince: minutesAgo(40), slaMinutes: 60 }),
      queueItem({ vendorData: 'late', inReviewSince: minutesAgo(90), slaMinutes: 60 }),
    ];
    renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage(items)) }));
    await screen.findByRole('table');
    const rowOf = (name: string) => screen.getByRole('link', { name }).closest('tr')!;
    expect(within(rowOf('fresh')).getByText(/within SLA/)).toBeTruthy();
    expect(within(rowOf('ageing')).getByText(/over half the SLA/)).toBeTruthy();
    expect(within(rowOf('late')).getByText(/SLA breached/)).toBeTruthy();
  });

  it('keeps filters in the URL with defaults omitted and restarts paging', async () => {
    const listQueue = vi.fn<ReviewApi['listQueue']>(() => Promise.resolve(queuePage([queueItem()], { nextCursor: 'c2' })));
    const router = renderQueue(fakeApi({ listQueue }), '/queue?sort=face_match');
    fireEvent.click(await screen.findByRole('button', { name: /Next page/ }));
    await waitFor(() => expect(router.state.location.search).toBe('?sort=face_match&cursor=c2'));
    fireEvent.change(screen.getByLabelText('Assignee'), { target: { value: 'unassigned' } });
    await waitFor(() => expect(router.state.location.search).toBe('?assignee=unassigned&sort=face_match'));
    fireEvent.change(screen.getByLabelText('Liveness to'), { target: { value: '70' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(router.state.location.search).toBe('?livenessMax=70&assignee=unassigned&sort=face_match'));
  });

  it('refuses a score range whose minimum exceeds its maximum', async () => {
    const router = renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage([queueItem()])) }));
    await screen.findByRole('table');
    fireEvent.change(screen.getByLabelText('Face match from'), { target: { value: '80' } });
    fireEvent.change(screen.getByLabelText('Face match to'), { target: { value: '60' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Face match from/);
    expect(router.state.location.search).toBe('');
  });

  it('moves the selection with j/k and opens it with Enter, carrying the filters', async () => {
    const items = [queueItem({ vendorData: 'first' }), queueItem({ vendorData: 'second' }), queueItem({ vendorData: 'third' })];
    const router = renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage(items)) }), '/queue?assignee=me');
    await screen.findByRole('table');
    expect(selectedRow()?.textContent).toContain('first');
    key('j');
    key('j');
    expect(selectedRow()?.textContent).toContain('third');
    expect(document.activeElement?.textContent).toBe('third');
    key('k');
    expect(selectedRow()?.textContent).toContain('second');
    key('Enter', document.body);
    await screen.findByText(`session page /sessions/${items[1]!.id}?assignee=me`);
    expect(router.state.location.pathname).toBe(`/sessions/${items[1]!.id}`);
  });

  it('ignores shortcuts while typing in a filter field', async () => {
    const items = [queueItem({ vendorData: 'first' }), queueItem({ vendorData: 'second' })];
    renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage(items)) }));
    await screen.findByRole('table');
    const search = screen.getByLabelText('Vendor data');
    search.focus();
    key('j', search);
    key('?', search);
    expect(selectedRow()?.textContent).toContain('first');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows the shortcuts in a dialog on ? and closes it with Escape', async () => {
    renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage([queueItem()])) }));
    await screen.findByRole('table');
    key('?', document.body);
    const dialog = screen.getByRole('dialog', { name: 'Queue shortcuts' });
    expect(within(dialog).getByText('Open the selected session')).toBeTruthy();
    key('Escape');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('claims the next session with the current filters on c and opens it', async () => {
    const next = sessionDetail();
    const claimNext = vi.fn<ReviewApi['claimNext']>(() => Promise.resolve(next));
    const router = renderQueue(
      fakeApi({ listQueue: () => Promise.resolve(queuePage([queueItem()])), claimNext }),
      '/queue?method=FLASHING&cursor=zz',
    );
    await screen.findByRole('table');
    key('c', document.body);
    await waitFor(() => expect(router.state.location.pathname).toBe(`/sessions/${next.id}`));
    expect(claimNext).toHaveBeenCalledWith({ method: 'FLASHING' });
    expect(router.state.location.search).toBe('?method=FLASHING');
  });

  it('claims once when c is pressed again (or held) while a claim is on its way', async () => {
    const next = sessionDetail();
    let answer: (session: typeof next) => void = () => undefined;
    const claimNext = vi.fn<ReviewApi['claimNext']>(() => new Promise((resolve) => (answer = resolve)));
    const router = renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage([queueItem()])), claimNext }));
    await screen.findByRole('table');
    key('c', document.body);
    key('c', document.body);
    fireEvent.keyDown(document.body, { key: 'c', repeat: true });
    expect(claimNext).toHaveBeenCalledTimes(1);
    act(() => answer(next));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/sessions/${next.id}`));
    expect(claimNext).toHaveBeenCalledTimes(1);
  });

  it('says so when there is nothing left to claim', async () => {
    renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage([queueItem()])) }));
    await screen.findByRole('table');
    fireEvent.click(screen.getByRole('button', { name: /Claim next/ }));
    expect((await screen.findByText('Nothing left to claim with these filters.')).getAttribute('role')).toBe('status');
  });

  it('announces new rows from polling instead of moving the list', async () => {
    const a = queueItem({ vendorData: 'a' });
    const b = queueItem({ vendorData: 'b' });
    const c = queueItem({ vendorData: 'c' });
    let page = queuePage([a, b]);
    const listQueue = vi.fn<ReviewApi['listQueue']>(() => Promise.resolve(page));
    renderQueue(fakeApi({ listQueue }), '/queue', 30);
    await screen.findByRole('table');
    page = queuePage([c, a, b], { total: 3 });
    const newButton = await screen.findByRole('button', { name: /1 new/ });
    expect(screen.queryByRole('link', { name: 'c' })).toBeNull();
    expect(screen.getByText('3 sessions in review')).toBeTruthy();
    await act(async () => {
      fireEvent.click(newButton);
      await Promise.resolve();
    });
    expect(screen.getByRole('link', { name: 'c' })).toBeTruthy();
  });

  it('shows rows that only extend the list at once, starting from an empty queue', async () => {
    const a = queueItem({ vendorData: 'a' });
    const b = queueItem({ vendorData: 'b' });
    let page = queuePage([]);
    renderQueue(fakeApi({ listQueue: () => Promise.resolve(page) }), '/queue', 30);
    await screen.findByRole('heading', { name: 'No sessions waiting for review' });
    page = queuePage([a], { total: 1 });
    await screen.findByRole('link', { name: 'a' });
    page = queuePage([a, b], { total: 2 });
    await screen.findByRole('link', { name: 'b' });
    expect(screen.queryByRole('button', { name: /new/ })).toBeNull();
  });
});
