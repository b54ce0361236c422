import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { CapabilityName, MeResponse } from '../../../../server/contract/auth.ts';
import type { QueueQuery } from '../../../../server/contract/review.ts';
import type { SavedView } from '../../../../server/contract/saved-views.ts';
import { ApiError } from '../../api/client.ts';
import type { SavedViewsApi } from '../../api/saved-views.ts';
import { SavedViewsApiProvider } from '../../hooks/use-saved-views-api.tsx';
import { createTestQueryClient, renderWithQuery } from '../../test/render-with-query.tsx';
import { rootRouteId } from '../auth/me.ts';
import { patchQueueQuery, defaultQueueQuery } from './queue-url.ts';
import { SavedViews, savedViewsQueryKey } from './SavedViews.tsx';

afterEach(cleanup);

const analystCapabilities: CapabilityName[] = ['session.read', 'session.claim', 'session.decide', 'queue.views.save'];
const analyst: MeResponse = {
  user: { kind: 'user', id: 'a', label: 'analyst@example.test', role: 'analyst' },
  capabilities: analystCapabilities,
};
const lead: MeResponse = {
  user: { kind: 'user', id: 'l', label: 'lead@example.test', role: 'lead' },
  capabilities: [...analystCapabilities, 'queue.views.share', 'audit.read'],
};
const viewer: MeResponse = {
  user: { kind: 'user', id: 'v', label: 'viewer@example.test', role: 'viewer' },
  capabilities: ['session.read'],
};

function view(overrides: Partial<SavedView> = {}): SavedView {
  return {
    id: 1,
    name: 'Approved, weak liveness',
    filters: { status: 'Approved', warning: ['LOW_LIVENESS_SCORE'], livenessMax: 40 },
    owner: 'analyst@example.test',
    mine: true,
    shared: false,
    sharedBy: null,
    sharedAt: null,
    createdAt: '2026-12-03T09:00:00.000Z',
    updatedAt: '2026-12-03T09:00:00.000Z',
    allowed: { edit: true, delete: true, share: false },
    ...overrides,
  };
}

const teamView = view({
  id: 2,
  name: 'Stale unassigned',
  filters: { assignee: 'unassigned', minAgeMinutes: 120 },
  owner: 'lead@example.test',
  mine: false,
  shared: true,
  sharedBy: 'lead@example.test',
  sharedAt: '2026-12-03T09:30:00.000Z',
  allowed: { edit: false, delete: false, share: false },
});

/** A server in memory: what the API writes, the next list reads. */
type FakeViewsApi = { [K in keyof SavedViewsApi]: Mock<SavedViewsApi[K]> };

function fakeViewsApi(initial: SavedView[], overrides: Partial<FakeViewsApi> = {}): FakeViewsApi {
  let views = [...initial];
  const find = (id: number) => views.find((v) => v.id === id) ?? view({ id });
  const replace = (next: SavedView) => {
    views = views.map((v) => (v.id === next.id ? next : v));
    return Promise.resolve(next);
  };
  return {
    list: vi.fn<SavedViewsApi['list']>(() => Promise.resolve({ views, maxPerPerson: 50 })),
    create: vi.fn<SavedViewsApi['create']>((body) => {
      const created = view({ id: 99, name: body.name, filters: body.filters });
      views = [...views, created];
      return Promise.resolve(created);
    }),
    update: vi.fn<SavedViewsApi['update']>((id, body) => replace({ ...find(id), name: body.name ?? find(id).name })),
    setShared: vi.fn<SavedViewsApi['setShared']>((id, shared) =>
      replace({ ...find(id), shared, sharedBy: shared ? 'lead@example.test' : null }),
    ),
    remove: vi.fn<SavedViewsApi['remove']>((id) => {
      views = views.filter((v) => v.id !== id);
      return Promise.resolve();
    }),
    ...overrides,
  };
}

function renderViews(
  api: SavedViewsApi,
  me: MeResponse = analyst,
  initial: QueueQuery = defaultQueueQuery,
  client = createTestQueryClient(),
) {
  const applied: QueueQuery[] = [];
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <SavedViews
        query={query}
        onApply={(next) => {
          applied.push(next);
          setQuery(next);
        }}
      />
    );
  }
  const router = createMemoryRouter([{ id: rootRouteId, path: '/', loader: () => me, element: <Harness /> }]);
  renderWithQuery(
    <SavedViewsApiProvider api={api}>
      <RouterProvider router={router} />
    </SavedViewsApiProvider>,
    { client },
  );
  return applied;
}

const openViews = async () => {
  fireEvent.click(await screen.findByRole('button', { name: /^Views/ }));
  const panel = await screen.findByRole('region', { name: 'Saved views' });
  await waitFor(() => expect(within(panel).queryByText('Loading views…')).toBeNull());
  return panel;
};

describe('the queue’s saved views', () => {
  it('lists my views, then the team’s with who shared them, and applies one to the queue', async () => {
    const applied = renderViews(fakeViewsApi([view(), teamView]), analyst, patchQueueQuery(defaultQueueQuery, { limit: 100 }));
    const panel = await openViews();
    const mine = within(panel).getByRole('list', { name: 'My views' });
    const team = within(panel).getByRole('list', { name: 'Shared with the team' });
    expect(within(mine).getByRole('button', { name: 'Approved, weak liveness' })).toBeTruthy();
    expect(within(team).getByText('Shared by lead@example.test')).toBeTruthy();
    // Someone else's shared view: apply only.
    expect(within(team).queryByRole('button', { name: /Rename|Delete/ })).toBeNull();
    expect(within(panel).queryByRole('switch')).toBeNull();
    // The panel opens with focus on its first view.
    expect(document.activeElement).toBe(within(mine).getByRole('button', { name: 'Approved, weak liveness' }));

    fireEvent.click(within(mine).getByRole('button', { name: 'Approved, weak liveness' }));
    expect(applied.at(-1)).toMatchObject({
      status: 'Approved',
      warning: ['LOW_LIVENESS_SCORE'],
      livenessMax: 40,
      // The analyst's page size stays: the view has none.
      limit: 100,
    });
    expect(screen.queryByRole('region', { name: 'Saved views' })).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('Showing the view “Approved, weak liveness”.');
    // The button names the view on screen, and focus is back on it.
    const toggle = screen.getByRole('button', { name: /View: Approved, weak liveness/ });
    expect(document.activeElement).toBe(toggle);
    fireEvent.click(toggle);
    expect(
      within(await screen.findByRole('region', { name: 'Saved views' }))
        .getByRole('button', { name: 'Approved, weak liveness' })
        .getAttribute('aria-current'),
    ).toBe('true');
  });

  it('saves the current filters under a name; a name in use is said in the dialog, which stays open', async () => {
    const create = vi
      .fn<SavedViewsApi['create']>()
      .mockRejectedValueOnce(new ApiError(409, 'view_name_taken', 'taken'))
      .mockImplementation((body) => Promise.resolve(view({ id: 7, name: body.name })));
    const query = patchQueueQuery(defaultQueueQuery, { status: 'Declined', sort: 'liveness', warning: ['A_B', 'C_D'] });
    renderViews(fakeViewsApi([], { create }), analyst, query);
    fireEvent.click(await screen.findByRole('button', { name: 'Save view…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Save the current view' });
    const name = within(dialog).getByRole('textbox', { name: 'Name' });
    expect(document.activeElement).toBe(name);
    const save = within(dialog).getByRole('button', { name: 'Save view' });
    expect((save as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: '  Declined by liveness  ' } });
    fireEvent.submit(name.closest('form') as HTMLFormElement);
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/already have a view with this name/);
    expect(create).toHaveBeenLastCalledWith({
      name: 'Declined by liveness',
      filters: { status: 'Declined', warning: 'A_B,C_D', sort: 'liveness' },
    });
    fireEvent.submit(name.closest('form') as HTMLFormElement);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByRole('status').textContent).toBe('Saved the view “Declined by liveness”.');
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('renames and deletes my own views through dialogs', async () => {
    const api = fakeViewsApi([view()]);
    renderViews(api);
    let panel = await openViews();
    fireEvent.click(within(panel).getByRole('button', { name: 'Rename Approved, weak liveness' }));
    const rename = await screen.findByRole('dialog', { name: 'Rename “Approved, weak liveness”' });
    const field = within(rename).getByRole<HTMLInputElement>('textbox', { name: 'Name' });
    expect(field.value).toBe('Approved, weak liveness');
    fireEvent.change(field, { target: { value: 'Weak approvals' } });
    fireEvent.click(within(rename).getByRole('button', { name: 'Rename' }));
    await waitFor(() => expect(api.update).toHaveBeenCalledWith(1, { name: 'Weak approvals' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    panel = screen.getByRole('region', { name: 'Saved views' });
    fireEvent.click(within(panel).getByRole('button', { name: /^Delete / }));
    const confirm = await screen.findByRole('dialog', { name: /Delete the view/ });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete view' }));
    await waitFor(() => expect(api.remove).toHaveBeenCalledWith(1));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('gives leads a “Share with team” switch on their own views', async () => {
    const leadView = view({ owner: 'lead@example.test', allowed: { edit: true, delete: true, share: true } });
    const api = fakeViewsApi([leadView]);
    renderViews(api, lead);
    const panel = await openViews();
    const toggle = within(panel).getByRole('switch', { name: 'Share Approved, weak liveness with the team' });
    expect((toggle as HTMLInputElement).checked).toBe(false);
    fireEvent.click(toggle);
    await waitFor(() => expect(api.setShared).toHaveBeenCalledWith(1, true));
    await waitFor(() => expect((toggle as HTMLInputElement).checked).toBe(true));
    expect(within(panel).getByText('Shared with the team', { selector: 'span' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('“Approved, weak liveness” is shared with the team.');
  });

  it('keeps the share switch where it was moved while a list fetched before the change comes back', async () => {
    const leadView = view({ owner: 'lead@example.test', allowed: { edit: true, delete: true, share: true } });
    const api = fakeViewsApi([leadView]);
    // The server takes its time over the change.
    let answerShare = () => {};
    const share = api.setShared.getMockImplementation()!;
    api.setShared.mockImplementationOnce((id, shared) =>
      new Promise<void>((resolve) => (answerShare = resolve)).then(() => share(id, shared)),
    );
    let answerList = () => {};
    const client = createTestQueryClient();
    renderViews(api, lead, defaultQueueQuery, client);
    const panel = await openViews();
    // A refetch is under way (as after saving a view) and answers with the list as it was before the switch moved.
    api.list.mockImplementationOnce(
      () => new Promise((resolve) => (answerList = () => resolve({ views: [leadView], maxPerPerson: 50 }))),
    );
    void client.invalidateQueries({ queryKey: savedViewsQueryKey });
    await waitFor(() => expect(api.list).toHaveBeenCalledTimes(2));
    const toggle = within(panel).getByRole<HTMLInputElement>('switch', { name: 'Share Approved, weak liveness with the team' });
    fireEvent.click(toggle);
    expect(toggle.checked).toBe(true);
    expect(toggle.getAttribute('aria-busy')).toBe('true');
    answerList();
    await waitFor(() => expect(client.isFetching({ queryKey: savedViewsQueryKey })).toBe(0));
    expect(toggle.checked).toBe(true);
    answerShare();
    await waitFor(() => expect(toggle.getAttribute('aria-busy')).toBeNull());
    expect(toggle.checked).toBe(true);
    expect(screen.getByRole('status').textContent).toBe('“Approved, weak liveness” is shared with the team.');
  });

  it('puts the share switch back, and says why, when the server refuses the change', async () => {
    const leadView = view({ owner: 'lead@example.test', allowed: { edit: true, delete: true, share: true } });
    const api = fakeViewsApi([leadView], {
      setShared: vi.fn(() => Promise.reject(new ApiError(403, 'forbidden', 'Only leads share views.'))),
    });
    renderViews(api, lead);
    const panel = await openViews();
    const toggle = within(panel).getByRole<HTMLInputElement>('switch', { name: 'Share Approved, weak liveness with the team' });
    fireEvent.click(toggle);
    expect(toggle.checked).toBe(true);
    expect((await within(panel).findByRole('alert')).textContent).toBe('Only leads share views.');
    expect(toggle.checked).toBe(false);
    expect(toggle.getAttribute('aria-busy')).toBeNull();
  });

  it('offers viewers the team’s views but no “Save view…”', async () => {
    renderViews(fakeViewsApi([teamView]), viewer);
    const panel = await openViews();
    expect(within(panel).getByRole('button', { name: 'Stale unassigned' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save view…' })).toBeNull();
  });

  it('closes on Esc with focus back on its button, and keeps typed keys from the queue’s shortcuts', async () => {
    renderViews(fakeViewsApi([view()]));
    const shortcut = vi.fn();
    window.addEventListener('keydown', shortcut);
    try {
      const panel = await openViews();
      const first = within(panel).getByRole('button', { name: 'Approved, weak liveness' });
      fireEvent.keyDown(first, { key: 'c' });
      expect(shortcut).not.toHaveBeenCalled();
      act(() => {
        fireEvent.keyDown(first, { key: 'Escape' });
      });
      expect(screen.queryByRole('region', { name: 'Saved views' })).toBeNull();
      expect(document.activeElement).toBe(screen.getByRole('button', { name: /^Views/ }));
      expect(screen.getByRole('button', { name: /^Views/ }).getAttribute('aria-expanded')).toBe('false');
    } finally {
      window.removeEventListener('keydown', shortcut);
    }
  });

  it('says when the views cannot be loaded', async () => {
    renderViews(fakeViewsApi([], { list: vi.fn(() => Promise.reject(new ApiError(503, 'database_unavailable', 'Try later.'))) }));
    const panel = await openViews();
    expect((await within(panel).findByRole('alert')).textContent).toMatch(/could not be loaded: Try later/);
  });
});
