import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RevealResponse, SessionDetail } from '../../../../server/contract/review.ts';
import { ApiError, type ReviewApi } from '../../api/review.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { Component as SessionRoute } from '../../routes/session.tsx';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { QueueRoute } from '../queue/QueueRoute.tsx';
import { fakeApi, queueItem, queuePage, sessionDetail } from './fixtures.ts';

afterEach(cleanup);

function renderSession(session: SessionDetail, overrides: Partial<ReviewApi> = {}) {
  const api = fakeApi({ getSession: () => Promise.resolve(session), ...overrides });
  const router = createMemoryRouter([{ path: '/sessions/:id', element: <SessionRoute /> }], {
    initialEntries: [`/sessions/${session.id}`],
  });
  renderWithQuery(
    <ReviewApiProvider api={api}>
      <RouterProvider router={router} />
    </ReviewApiProvider>,
  );
}

const key = (k: string) => fireEvent.keyDown(document.activeElement ?? document.body, { key: k });
const selfie = () => screen.getByRole('img', { name: 'Live selfie' });
const portrait = () => screen.getByRole('img', { name: 'Reference portrait' });
const blurred = () => [selfie(), portrait()].map((image) => image.getAttribute('data-blurred'));
const answered = (session: SessionDetail, purpose: RevealResponse['purpose'] = null): RevealResponse => ({
  sessionId: session.id,
  purpose,
  claimed: purpose === null,
  recorded: true,
});

describe('blur until reveal (issue 19)', () => {
  it('shows the faces blurred on the same images until v reveals them (after the server recorded it); v blurs again', async () => {
    const session = sessionDetail({ reveal: { allowed: true, purposeRequired: false } });
    const reveal = vi.fn<ReviewApi['reveal']>(() => Promise.resolve(answered(session)));
    renderSession(session, { reveal });
    await screen.findByRole('heading', { level: 1 });
    expect(blurred()).toEqual(['true', 'true']);
    expect(selfie().getAttribute('src')).toBe(session.media.selfie);
    expect(screen.getAllByRole('img')).toHaveLength(2);

    key('v');
    await waitFor(() => expect(blurred()).toEqual(['false', 'false']));
    expect(reveal).toHaveBeenCalledExactlyOnceWith(session.id, {});
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('button', { name: /Blur faces/ }).getAttribute('aria-pressed')).toBe('true');

    key('v');
    expect(blurred()).toEqual(['true', 'true']);
    expect(reveal).toHaveBeenCalledTimes(1);
    // The button does the same as the key.
    fireEvent.click(screen.getByRole('button', { name: /Reveal faces/ }));
    await waitFor(() => expect(blurred()).toEqual(['false', 'false']));
    expect(reveal).toHaveBeenCalledTimes(2);
  });

  it('stays blurred, saying why, when the server does not record the reveal', async () => {
    const session = sessionDetail({ reveal: { allowed: true, purposeRequired: false } });
    const reveal = vi.fn<ReviewApi['reveal']>(() => Promise.reject(new ApiError(503, 'database_unavailable', 'Try again.')));
    renderSession(session, { reveal });
    await screen.findByRole('heading', { level: 1 });
    key('v');
    expect((await screen.findByRole('alert')).textContent).toBe('The faces stay blurred: Try again.');
    expect(blurred()).toEqual(['true', 'true']);
  });

  it('asks for a purpose of access before revealing a session that is not yours, and sends it', async () => {
    const session = sessionDetail({ reveal: { allowed: true, purposeRequired: true } });
    const reveal = vi.fn<ReviewApi['reveal']>((_id, body) => Promise.resolve(answered(session, body.purpose ?? null)));
    renderSession(session, { reveal });
    await screen.findByRole('heading', { level: 1 });

    key('v');
    const dialog = await screen.findByRole('dialog', { name: 'Purpose of access' });
    expect(reveal).not.toHaveBeenCalled();
    expect(blurred()).toEqual(['true', 'true']);
    // Focus starts on the first reason; the page's keys are off while the dialog is open.
    expect(document.activeElement).toBe(within(dialog).getByRole('radio', { name: 'Fraud or security investigation' }));
    key('v');
    expect(reveal).not.toHaveBeenCalled();

    const submit = within(dialog).getByRole('button', { name: 'Reveal faces' });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(dialog).getByRole('radio', { name: 'Other (describe)' }));
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Details/ }), { target: { value: ' Ticket SUP-7 ' } });
    fireEvent.click(within(dialog).getByRole('radio', { name: 'Legal or regulatory request' }));
    fireEvent.click(submit);

    await waitFor(() => expect(blurred()).toEqual(['false', 'false']));
    expect(reveal).toHaveBeenCalledExactlyOnceWith(session.id, { purpose: 'legal_request', purposeNote: 'Ticket SUP-7' });
    expect(screen.queryByRole('dialog')).toBeNull();

    // Blurred again and revealed again: the same purpose, not asked twice.
    key('v');
    expect(blurred()).toEqual(['true', 'true']);
    key('v');
    await waitFor(() => expect(blurred()).toEqual(['false', 'false']));
    expect(reveal).toHaveBeenLastCalledWith(session.id, { purpose: 'legal_request', purposeNote: 'Ticket SUP-7' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('keeps the dialog open with the refusal, and the faces blurred, when the reveal fails; Escape cancels', async () => {
    const session = sessionDetail({ reveal: { allowed: true, purposeRequired: true } });
    const reveal = vi.fn<ReviewApi['reveal']>(() => Promise.reject(new ApiError(403, 'forbidden', 'Faces are hidden.')));
    renderSession(session, { reveal });
    await screen.findByRole('heading', { level: 1 });
    fireEvent.click(screen.getByRole('button', { name: /Reveal faces…/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Purpose of access' });
    fireEvent.click(within(dialog).getByRole('radio', { name: 'Quality review of a decision' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reveal faces' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('The faces stay blurred: Faces are hidden.');
    expect(blurred()).toEqual(['true', 'true']);
    fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(blurred()).toEqual(['true', 'true']);
  });

  it('shows no image at all, and says why, where viewers may not reveal faces', async () => {
    const session = sessionDetail({
      reveal: { allowed: false, purposeRequired: true },
      media: { selfie: null, portrait: null, video: null, expiresAt: null, stale: false },
      allowed: { claim: false, release: false, decide: [], note: false },
    });
    const reveal = vi.fn<ReviewApi['reveal']>();
    renderSession(session, { reveal });
    await screen.findByRole('heading', { level: 1 });
    expect(screen.getByText('Faces are hidden: viewers see scores and warnings only in this workflow.')).toBeTruthy();
    expect(document.querySelectorAll('img, video')).toHaveLength(0);
    expect(screen.queryByRole('region', { name: 'Evidence images' })).toBeNull();
    key('v');
    expect(reveal).not.toHaveBeenCalled();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('lists v among the session shortcuts', async () => {
    renderSession(sessionDetail());
    await screen.findByRole('heading', { level: 1 });
    key('?');
    const help = await screen.findByRole('dialog', { name: 'Session shortcuts' });
    expect(within(help).getByText(/Reveal the faces/)).toBeTruthy();
  });
});

describe('once the personal data is gone', () => {
  const gone = { decision: false, mediaLinks: false, vendorData: false, notes: false };
  const noLinks = { selfie: null, portrait: null, video: null, expiresAt: null, stale: false };

  it('an erased session says so instead of showing empty images, and offers no decision or reveal', async () => {
    const session = sessionDetail({
      vendorData: null,
      media: noLinks,
      privacy: {
        heldLocally: gone,
        removedAt: '2026-11-30T11:02:00.000Z',
        removal: 'erasure',
        erasureReference: 'DSAR-2026-0042',
        retentionDays: 90,
        removableAfter: null,
      },
      allowed: { claim: false, release: false, decide: [], note: false },
    });
    renderSession(session);
    expect(await screen.findByText(/erased on request DSAR-2026-0042/)).toBeTruthy();
    expect(screen.getByText('This person was erased on request: there is nothing left to decide.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Reveal faces/ })).toBeNull();
    expect(document.querySelectorAll('img, video')).toHaveLength(0);
  });

  it('a session past retention says the images are only at Didit now', async () => {
    const session = sessionDetail({
      media: noLinks,
      privacy: {
        heldLocally: gone,
        removedAt: '2026-11-30T11:02:00.000Z',
        removal: 'retention',
        erasureReference: null,
        retentionDays: 90,
        removableAfter: null,
      },
    });
    renderSession(session);
    expect(await screen.findByText(/removed 90 days after the final decision/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Reveal faces/ })).toBeNull();
  });
});

describe('no list shows a face', () => {
  it('the queue renders no image, whatever its sessions hold', async () => {
    const items = [queueItem({ vendorData: 'alice' }), queueItem({ vendorData: 'bob' })];
    const router = createMemoryRouter([{ path: '/queue', element: <QueueRoute pollMs={0} /> }], { initialEntries: ['/queue'] });
    renderWithQuery(
      <ReviewApiProvider api={fakeApi({ listQueue: () => Promise.resolve(queuePage(items)) })}>
        <RouterProvider router={router} />
      </ReviewApiProvider>,
    );
    const table = await screen.findByRole('table', { name: /Review queue/ });
    expect(within(table).getByRole('link', { name: 'alice' })).toBeTruthy();
    expect(document.querySelectorAll('img, video, picture, [style*="background-image"]')).toHaveLength(0);
  });
});
