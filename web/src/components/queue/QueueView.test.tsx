import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReviewApi } from '../../api/review.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { formatDateTime } from '../../format/date.ts';
import { fakeApi, queueItem, queuePage, sessionDetail } from '../session/fixtures.ts';
import { renderWithQuery } from '../../test/render-with-query.tsx';
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
  renderWithQuery(
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

  describe('paging', () => {
    const pagedApi = () => {
      const listQueue = vi.fn<ReviewApi['listQueue']>((search) => {
        const params = new URLSearchParams(search);
        if (params.has('cursor'))
          return Promise.resolve(queuePage([queueItem({ vendorData: 'second page' })], { prevCursor: 'p2' }));
        if (params.has('before'))
          return Promise.resolve(queuePage([queueItem({ vendorData: 'back' })], { prevCursor: null, nextCursor: 'n1' }));
        return Promise.resolve(queuePage([queueItem({ vendorData: 'first page' })], { nextCursor: 'n1' }));
      });
      return listQueue;
    };

    it('disables Previous on the first page and goes back with before= from a later one', async () => {
      const listQueue = pagedApi();
      const router = renderQueue(fakeApi({ listQueue }), '/queue?sort=liveness');
      await screen.findByRole('link', { name: 'first page' });
      expect(screen.getByRole('button', { name: /Previous page/ }).hasAttribute('disabled')).toBe(true);
      fireEvent.click(screen.getByRole('button', { name: /Next page/ }));
      await screen.findByRole('link', { name: 'second page' });
      expect(router.state.location.search).toBe('?sort=liveness&cursor=n1');
      const previous = screen.getByRole('button', { name: /Previous page/ });
      expect(previous.hasAttribute('disabled')).toBe(false);
      fireEvent.click(previous);
      await waitFor(() => expect(listQueue).toHaveBeenCalledWith('sort=liveness&before=p2', expect.anything()));
    });

    it('gives the first page its own URL when going back reaches it', async () => {
      const listQueue = pagedApi();
      const router = renderQueue(fakeApi({ listQueue }), '/queue?cursor=n1');
      await screen.findByRole('link', { name: 'second page' });
      fireEvent.click(screen.getByRole('button', { name: /Previous page/ }));
      await waitFor(() => expect(router.state.location.search).toBe(''));
      await screen.findByRole('link', { name: 'first page' });
      expect(screen.getByRole('button', { name: /Previous page/ }).hasAttribute('disabled')).toBe(true);
      expect(screen.queryByRole('button', { name: /First page/ })).toBeNull();
      // Replaced, not pushed: Back returns to the second page, not to the intermediate before= URL.
      await act(() => router.navigate(-1));
      expect(router.state.location.search).toBe('?cursor=n1');
    });

    it('offers the way back from a page emptied meanwhile', async () => {
      const listQueue = vi.fn<ReviewApi['listQueue']>(() => Promise.resolve(queuePage([], { prevCursor: 'p1' })));
      renderQueue(fakeApi({ listQueue }), '/queue?cursor=gone');
      await screen.findByRole('heading', { name: 'Nothing left on this page' });
      expect(screen.getByRole('button', { name: /Previous page/ }).hasAttribute('disabled')).toBe(false);
      expect(screen.getByRole('button', { name: /First page/ })).toBeTruthy();
    });

    it('keeps the page size in the URL, omitted at the default, from the same position', async () => {
      const listQueue = pagedApi();
      const router = renderQueue(fakeApi({ listQueue }), '/queue?cursor=n1');
      const size = await screen.findByRole<HTMLSelectElement>('combobox', { name: 'Rows per page' });
      expect(size.value).toBe('50');
      expect(
        within(size)
          .getAllByRole('option')
          .map((option) => option.textContent),
      ).toEqual(['25', '50', '100']);
      fireEvent.change(size, { target: { value: '100' } });
      await waitFor(() => expect(router.state.location.search).toBe('?limit=100&cursor=n1'));
      await waitFor(() => expect(listQueue).toHaveBeenLastCalledWith('limit=100&cursor=n1', expect.anything()));
      fireEvent.change(screen.getByRole('combobox', { name: 'Rows per page' }), { target: { value: '50' } });
      await waitFor(() => expect(router.state.location.search).toBe('?cursor=n1'));
    });

    it('shows a page size from a link among the choices, and ignores one out of range', async () => {
      renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage([queueItem()])) }), '/queue?limit=20');
      const size = await screen.findByRole<HTMLSelectElement>('combobox', { name: 'Rows per page' });
      expect(size.value).toBe('20');
      cleanup();
      renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage([queueItem()])) }), '/queue?limit=5000');
      expect(await screen.findByText(/Ignored invalid link parameters: limit/)).toBeTruthy();
      // The pager comes with the rows, which arrive after the URL's notice.
      expect((await screen.findByRole<HTMLSelectElement>('combobox', { name: 'Rows per page' })).value).toBe('50');
    });
  });

  it('resets the sort with the filters, keeping the page size', async () => {
    const router = renderQueue(
      fakeApi({ listQueue: () => Promise.resolve(queuePage([])) }),
      '/queue?status=Declined&assignee=me&sort=liveness&dir=desc&limit=100&cursor=zz',
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Reset' }));
    await waitFor(() => expect(router.state.location.search).toBe('?limit=100'));
    await screen.findByRole('heading', { name: 'No sessions waiting for review' });
  });

  it('claims from a decided view into In Review, and the session page carries that view', async () => {
    const next = sessionDetail();
    const claimNext = vi.fn<ReviewApi['claimNext']>(() => Promise.resolve(next));
    const items = [queueItem({ status: 'Approved', decidedAt: '2026-11-29T22:10:00.000Z' })];
    const router = renderQueue(
      fakeApi({ listQueue: () => Promise.resolve(queuePage(items)), claimNext }),
      '/queue?status=Approved&method=FLASHING&sort=liveness',
    );
    await screen.findByRole('table');
    fireEvent.click(screen.getByRole('button', { name: /Claim next/ }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/sessions/${next.id}`));
    expect(claimNext).toHaveBeenCalledWith({ method: 'FLASHING', sort: 'liveness' });
    expect(router.state.location.search).toBe('?method=FLASHING&sort=liveness');
  });

  it('shows when each session was decided in a decided view, and no such column in review', async () => {
    const decidedAt = '2026-11-29T22:10:00.000Z';
    const items = [
      queueItem({ vendorData: 'approved', status: 'Approved', inReviewSince: null, decidedAt }),
      queueItem({ vendorData: 'unknown', status: 'Approved', inReviewSince: null, decidedAt: null }),
    ];
    renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage(items)) }), '/queue?status=Approved');
    const table = await screen.findByRole('table');
    expect(within(table).getByRole('columnheader', { name: 'Decided' })).toBeTruthy();
    const time = within(screen.getByRole('link', { name: 'approved' }).closest('tr')!).getByText(formatDateTime(decidedAt));
    expect(time.tagName).toBe('TIME');
    expect(time.getAttribute('datetime')).toBe(decidedAt);
    expect(time.textContent).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
    cleanup();
    renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage([queueItem({ decidedAt: null })])) }));
    const inReview = await screen.findByRole('table');
    expect(within(inReview).queryByRole('columnheader', { name: 'Decided' })).toBeNull();
  });

  it('writes scores with one decimal and dates in the one format of the console', async () => {
    const claimedAt = '2026-11-29T21:55:00.000Z';
    const items = [
      queueItem({
        vendorData: 'scored',
        livenessScore: 70,
        faceMatchScore: 58.64,
        claim: { userId: 'u2', label: 'Dana', claimedAt, expiresAt: '2026-11-29T22:10:00.000Z' },
      }),
    ];
    renderQueue(fakeApi({ listQueue: () => Promise.resolve(queuePage(items)) }));
    const row = (await screen.findByRole('link', { name: 'scored' })).closest('tr')!;
    expect(within(row).getByText('70.0')).toBeTruthy();
    expect(within(row).getByText('58.6')).toBeTruthy();
    expect(within(row).getByText('Dana').getAttribute('title')).toBe(`Claimed ${formatDateTime(claimedAt)}`);
    expect(formatDateTime(claimedAt, { timeZone: 'UTC' })).toBe('29 Nov 2026, 21:55');
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

  it('says when live updates fail, keeping the rows, and stops saying so once a poll succeeds', async () => {
    const a = queueItem({ vendorData: 'a' });
    let failing = false;
    const listQueue = vi.fn<ReviewApi['listQueue']>(() =>
      failing ? Promise.reject(new Error('network down')) : Promise.resolve(queuePage([a])),
    );
    renderQueue(fakeApi({ listQueue }), '/queue', 30);
    await screen.findByRole('link', { name: 'a' });
    failing = true;
    expect(await screen.findByText(/Live updates failed \(network down\)/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'a' })).toBeTruthy();
    failing = false;
    await waitFor(() => expect(screen.queryByText(/Live updates failed/)).toBeNull());
  });
});
