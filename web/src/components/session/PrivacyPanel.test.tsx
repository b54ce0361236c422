import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CapabilityName, MeResponse } from '../../../../server/contract/auth.ts';
import type { ErasureStatus } from '../../../../server/contract/privacy.ts';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { ApiError } from '../../api/client.ts';
import type { PrivacyApi } from '../../api/privacy.ts';
import { formatDateTime } from '../../format/date.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { rootRouteId } from '../auth/me.ts';
import { fakeApi, sessionDetail } from './fixtures.ts';
import { PrivacyPanel } from './PrivacyPanel.tsx';

afterEach(cleanup);

const leadCapabilities: CapabilityName[] = ['session.read', 'media.view', 'session.decide', 'audit.read'];
const lead: MeResponse = {
  user: { kind: 'user', id: 'l', label: 'lead@example.test', role: 'lead' },
  capabilities: leadCapabilities,
};
const admin: MeResponse = {
  user: { kind: 'user', id: 'a', label: 'dpo@example.test', role: 'admin' },
  capabilities: [...leadCapabilities, 'token.manage', 'privacy.erase'],
};

function erasureStatus(overrides: Partial<ErasureStatus> = {}): ErasureStatus {
  return {
    id: 7,
    reference: 'DSAR-2026-0042',
    scope: 'person',
    requestedAt: '2026-12-03T10:00:00.000Z',
    requestedBy: 'dpo@example.test',
    state: 'in_progress',
    diditSearch: 'pending',
    diditSearchedAt: null,
    completedAt: null,
    lastError: null,
    counts: { total: 2, pending: 2, deleted: 0, gone: 0, failed: 0 },
    sessions: [],
    ...overrides,
  };
}

function renderPanel({
  me = admin,
  session = sessionDetail(),
  api = { requestErasure: vi.fn(), getErasure: vi.fn() },
  onChange = vi.fn(),
  getSession = vi.fn(() => Promise.resolve(session)),
}: {
  me?: MeResponse;
  session?: SessionDetail;
  api?: PrivacyApi;
  onChange?: (fresh: SessionDetail, message: string) => void;
  getSession?: (id: string) => Promise<SessionDetail>;
} = {}) {
  const panel = <PrivacyPanel session={session} api={api} onChange={onChange} pollMs={5} />;
  const router = createMemoryRouter([{ id: rootRouteId, path: '/', loader: () => me, element: panel }]);
  render(
    <ReviewApiProvider api={fakeApi({ getSession })}>
      <RouterProvider router={router} />
    </ReviewApiProvider>,
  );
}

const heldRow = (label: string) => screen.getByText(label).nextElementSibling?.textContent;

describe('the privacy panel', () => {
  it('says what is held here and when retention removes it', async () => {
    const removableAfter = '2027-03-01T10:00:00.000Z';
    renderPanel({
      session: sessionDetail({
        privacy: {
          heldLocally: { decision: true, mediaLinks: true, vendorData: true, notes: false },
          removedAt: null,
          removal: null,
          erasureReference: null,
          retentionDays: 90,
          removableAfter,
        },
      }),
    });
    await screen.findByRole('heading', { name: 'Personal data' });
    expect(heldRow("Didit's decision data")).toBe('Held here');
    expect(heldRow('Media links')).toBe('Held here');
    expect(heldRow("The person's id (vendor_data)")).toBe('Held here');
    expect(heldRow("Analysts' notes")).toBe('None here');
    expect(
      screen.getByText(`Retention removes it on ${formatDateTime(removableAfter)} (90 days after the final decision).`),
    ).toBeTruthy();
    expect(screen.getByText(/Images and video are never stored here/)).toBeTruthy();
  });

  it('says when an erasure removed it, under which request', async () => {
    const removedAt = '2026-12-03T10:00:00.000Z';
    renderPanel({
      session: sessionDetail({
        privacy: {
          heldLocally: { decision: false, mediaLinks: false, vendorData: false, notes: false },
          removedAt,
          removal: 'erasure',
          erasureReference: 'DSAR-2026-0042',
          retentionDays: 90,
          removableAfter: null,
        },
      }),
    });
    const note = await screen.findByText(/Erased on request/);
    expect(note.textContent).toBe(`Erased on request DSAR-2026-0042 on ${formatDateTime(removedAt)}.`);
    expect(heldRow("Didit's decision data")).toBe('Erased here');
    expect(screen.queryByText(/Retention removes it/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Run the erasure again…' })).toBeTruthy();
  });

  it('says when retention removed it', async () => {
    const removedAt = '2026-11-01T10:00:00.000Z';
    renderPanel({
      me: lead,
      session: sessionDetail({
        privacy: {
          heldLocally: { decision: false, mediaLinks: false, vendorData: false, notes: true },
          removedAt,
          removal: 'retention',
          erasureReference: null,
          retentionDays: 30,
          removableAfter: null,
        },
      }),
    });
    expect((await screen.findByText(/Removed by retention/)).textContent).toBe(
      `Removed by retention on ${formatDateTime(removedAt)} (30 days after the final decision).`,
    );
    expect(heldRow('Media links')).toBe('Removed here');
    expect(heldRow("Analysts' notes")).toBe('Held here');
  });

  it('offers erasure to admins only', async () => {
    renderPanel({ me: lead });
    await screen.findByRole('heading', { name: 'Personal data' });
    expect(screen.queryByRole('button', { name: /Erase this person/ })).toBeNull();
  });

  it('erases the person after a confirmation with a reference, then follows the request until Didit confirms', async () => {
    const session = sessionDetail();
    const fresh = sessionDetail({ id: session.id, vendorData: null });
    const requestErasure = vi.fn(() => Promise.resolve({ erasure: erasureStatus(), resumed: false }));
    const getErasure = vi.fn(() =>
      Promise.resolve(
        erasureStatus({
          state: 'completed',
          diditSearch: 'done',
          counts: { total: 3, pending: 0, deleted: 2, gone: 1, failed: 0 },
        }),
      ),
    );
    const onChange = vi.fn();
    renderPanel({ session, api: { requestErasure, getErasure }, onChange, getSession: () => Promise.resolve(fresh) });

    fireEvent.click(await screen.findByRole('button', { name: 'Erase this person…' }));
    const dialog = screen.getByRole('dialog', { name: 'Erase this person?' });
    expect(dialog.textContent).toContain("all of this person's sessions, here and at Didit");
    expect(dialog.textContent).toContain('It cannot be undone.');
    const confirm = within(dialog).getByRole('button', { name: 'Erase irreversibly' });
    expect(confirm).toHaveProperty('disabled', true);
    const reference = within(dialog).getByLabelText(/Request reference/);
    fireEvent.change(reference, { target: { value: 'jane.doe@example.com' } });
    expect(within(dialog).getByText(/a ticket number, not the person\)$/)).toBeTruthy();
    expect(confirm).toHaveProperty('disabled', true);
    fireEvent.change(reference, { target: { value: 'DSAR-2026-0042' } });
    fireEvent.click(confirm);

    expect(await screen.findByText(/completed\. Didit confirmed every session deleted/)).toBeTruthy();
    expect(requestErasure).toHaveBeenCalledWith(session.id, { reference: 'DSAR-2026-0042', scope: 'person' });
    expect(getErasure).toHaveBeenCalledWith(7, expect.any(AbortSignal));
    expect(screen.getByRole('status').textContent).toContain('At Didit: 3 of 3 sessions confirmed deleted.');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onChange).toHaveBeenCalledWith(fresh, 'Erased here on request DSAR-2026-0042; Didit is deleting the sessions.');
  });

  it('shows sessions Didit refused, with its answer', async () => {
    const blocked = erasureStatus({
      state: 'failed',
      diditSearch: 'done',
      lastError: 'Didit refused to delete 1 session; run the erasure again to retry.',
      counts: { total: 2, pending: 0, deleted: 1, gone: 0, failed: 1 },
      sessions: [
        {
          sessionId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
          diditState: 'failed',
          attempts: 1,
          lastError: 'bad_request: Didit delete_session answered 409: in_filed_report: part of a filed report',
          confirmedAt: null,
        },
      ],
    });
    renderPanel({ api: { requestErasure: () => Promise.resolve({ erasure: blocked, resumed: true }), getErasure: vi.fn() } });
    fireEvent.click(await screen.findByRole('button', { name: 'Erase this person…' }));
    fireEvent.change(screen.getByLabelText(/Request reference/), { target: { value: 'DSAR-9' } });
    fireEvent.click(screen.getByRole('button', { name: 'Erase irreversibly' }));
    const state = await screen.findByRole('status');
    expect(state.textContent).toContain('blocked. Didit refused to delete some sessions; run the erasure again to retry them.');
    expect(state.textContent).toContain('1 of 2 sessions confirmed deleted, 1 refused.');
    expect(state.textContent).toContain(
      'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee: bad_request: Didit delete_session answered 409: in_filed_report',
    );
  });

  it('keeps the dialog open with the reason when the erasure is refused', async () => {
    const requestErasure = vi.fn(() =>
      Promise.reject(
        new ApiError(
          409,
          'conflict',
          'An erasure of this person is already under way as request 3 (DSAR-1); run it again with that reference to resume it.',
        ),
      ),
    );
    renderPanel({ api: { requestErasure, getErasure: vi.fn() } });
    fireEvent.click(await screen.findByRole('button', { name: 'Erase this person…' }));
    fireEvent.change(screen.getByLabelText(/Request reference/), { target: { value: 'DSAR-2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Erase irreversibly' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/already under way as request 3 \(DSAR-1\)/);
    expect(screen.getByRole('dialog')).toBeTruthy();
  });
});
