import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import { ApiError, type ReviewApi } from '../../api/review.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { Component as SessionRoute } from '../../routes/session.tsx';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { fakeApi, reasons, sessionDetail } from './fixtures.ts';
import { workIntent } from './intent.ts';

afterEach(cleanup);

function QueueStub() {
  const location = useLocation();
  return <p>queue page {location.search}</p>;
}

function renderSession(
  session: SessionDetail,
  overrides: Partial<ReviewApi> = {},
  search = '',
  path = `/sessions/${session.id}`,
  state: unknown = null,
) {
  const api = fakeApi({ getSession: () => Promise.resolve(session), ...overrides });
  const router = createMemoryRouter(
    [
      { path: '/sessions/:id', element: <SessionRoute /> },
      { path: '/queue', element: <QueueStub /> },
    ],
    { initialEntries: [{ pathname: path, search, state }] },
  );
  renderWithQuery(
    <ReviewApiProvider api={api}>
      <RouterProvider router={router} />
    </ReviewApiProvider>,
  );
  return router;
}

/** The page has rendered and its evidence images have loaded (happy-dom loads none by itself). */
async function openedWithImages() {
  await screen.findByRole('heading', { level: 1 });
  for (const image of within(screen.getByRole('region', { name: 'Evidence images' })).queryAllByRole('img'))
    fireEvent.load(image);
}

const key = (k: string, target: Element = document.activeElement ?? document.body) => fireEvent.keyDown(target, { key: k });
const decisionForm = () => screen.getByRole('form', { name: 'Decision' });

/**
 * `a`/`d`, then a reason digit, once the reason catalogue has loaded (it arrives after the page,
 * and a digit pressed before it is ignored, as it would be for a person).
 */
async function chooseByKeys(decisionKey: 'a' | 'd', reasonKey: string) {
  key(decisionKey, document.body);
  await screen.findAllByRole('radio');
  key(reasonKey, document.body);
}

describe('session detail', () => {
  it('draws the scores against the thresholds the session was scored under, and says when newer ones are in force', async () => {
    const base = sessionDetail();
    renderSession({ ...base, thresholds: { ...base.thresholds, version: 2, nowInForce: { versionId: 9, version: 3 } } });
    expect((await screen.findByTestId('scored-under')).textContent).toBe('Scored under v2; v3 now in force.');
    cleanup();
    renderSession(sessionDetail());
    await screen.findByRole('heading', { level: 1 });
    expect(screen.queryByTestId('scored-under')).toBeNull();
  });

  it('shows evidence, scores against thresholds, warnings with descriptions, and the timeline', async () => {
    const session = sessionDetail({ vendorData: '<b>user-42</b>', faceMatchScore: 50 });
    renderSession(session);
    expect(await screen.findByRole('heading', { level: 1, name: '<b>user-42</b>' })).toBeTruthy();
    expect(screen.getByRole('img', { name: 'Live selfie' }).getAttribute('src')).toBe(session.media.selfie);
    expect(screen.getByRole('img', { name: 'Reference portrait' }).getAttribute('src')).toBe(session.media.portrait);
    expect(screen.getByRole('meter', { name: 'Face match' }).getAttribute('aria-valuetext')).toMatch(/^50.0, decline zone/);
    expect(screen.getByText('Low face match similarity')).toBeTruthy();
    expect(screen.getByText(/less similar than the review threshold/)).toBeTruthy();
    expect(screen.getByText('status.updated', { exact: false })).toBeTruthy();
    // Vendor data is text, never markup.
    expect(document.querySelector('h1 b')).toBeNull();
  });

  it("opens a session by a Didit id that is not an RFC 4122 UUID (as in Didit's docs), and refuses what is not an id", async () => {
    const id = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    const session = sessionDetail({ id, vendorData: 'from-didit-docs' });
    const getSession = vi.fn<ReviewApi['getSession']>(() => Promise.resolve(session));
    // Either case is accepted; the id is asked for as Postgres prints it.
    renderSession(session, { getSession }, '', `/sessions/${id.toUpperCase()}`);
    expect(await screen.findByRole('heading', { level: 1, name: 'from-didit-docs' })).toBeTruthy();
    expect(getSession).toHaveBeenCalledWith(id, expect.any(AbortSignal));
    cleanup();

    const notAnId = vi.fn<ReviewApi['getSession']>(() => Promise.resolve(session));
    renderSession(session, { getSession: notAnId }, '', '/sessions/aaaaaaaa-bbbb-cccc-dddd');
    expect(await screen.findByText('That is not a session id.')).toBeTruthy();
    expect(notAnId).not.toHaveBeenCalled();
  });

  it('shows who holds a session claimed by someone else, and since when', async () => {
    const claimedAt = '2026-01-01T10:00:00.000Z';
    const session = sessionDetail({
      claim: { userId: 'u2', label: 'Dana Analyst', claimedAt, expiresAt: '2026-01-01T10:30:00.000Z' },
      allowed: { claim: false, release: false, decide: [], note: true },
    });
    renderSession(session);
    const holder = await screen.findByText('Dana Analyst');
    expect(holder.closest('span')?.querySelector(`time[datetime="${claimedAt}"]`)).toBeTruthy();
    expect(screen.getByText('Dana Analyst is working on this session.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
  });

  it('drives the decision with a, d and 1-9, ignoring keys typed into the note', async () => {
    renderSession(sessionDetail());
    await screen.findByRole('heading', { level: 1 });
    key('d', document.body);
    expect(within(decisionForm()).getByRole('button', { name: 'Decline' }).getAttribute('aria-pressed')).toBe('true');
    await screen.findAllByRole('radio'); // the reason catalogue loads asynchronously
    key('2', document.body);
    await waitFor(() => expect(screen.getByRole<HTMLInputElement>('radio', { name: /Presentation attack/ }).checked).toBe(true));
    key('a', document.body);
    expect(within(decisionForm()).getByRole('button', { name: 'Approve' }).getAttribute('aria-pressed')).toBe('true');
    key('1', document.body);
    expect(screen.getByRole<HTMLInputElement>('radio', { name: /Same person/ }).checked).toBe(true);
    const note = screen.getByLabelText(/^Note/, { selector: 'textarea[aria-required]' });
    note.focus();
    key('d', note);
    key('2', note);
    expect(within(decisionForm()).getByRole('button', { name: 'Approve' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole<HTMLInputElement>('radio', { name: /Same person/ }).checked).toBe(true);
  });

  it('requires a note when overriding an automatic verdict', async () => {
    const session = sessionDetail({ status: 'Declined', version: 7 });
    const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve({ ...session, status: 'Approved', pushState: 'pending' }));
    renderSession(session, { decide });
    await openedWithImages();
    await chooseByKeys('a', '1');
    expect(screen.getByText(/required: overrides the automatic Declined/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Approve session' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/A note is required/);
    expect(decide).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText(/^Note/, { selector: 'textarea[aria-required]' }), {
      target: { value: 'Same person; poor light.' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Approve session' }));
    await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
    expect(decide).toHaveBeenCalledWith(session.id, {
      decision: 'Approved',
      reason: 'same_person',
      note: 'Same person; poor light.',
      expectedVersion: 7,
    });
  });

  it('does not require a note for a session in review', async () => {
    const session = sessionDetail();
    const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve({ ...session, status: 'Declined' }));
    renderSession(session, { decide });
    await openedWithImages();
    await chooseByKeys('d', '1');
    key('Enter', document.body);
    await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
    expect(decide.mock.calls[0]?.[1]).toEqual({
      decision: 'Declined',
      reason: 'different_person',
      note: undefined,
      expectedVersion: 1,
    });
  });

  it('on 409 shows what changed and the fresh state, without retrying', async () => {
    const session = sessionDetail({ version: 3 });
    const fresh: SessionDetail = {
      ...session,
      status: 'Approved',
      version: 4,
      decisionSource: 'outside',
      decidedAt: '2026-01-01T11:00:00.000Z',
      allowed: { claim: false, release: false, decide: ['Declined'], note: true },
      timeline: [
        ...session.timeline,
        { source: 'didit', at: '2026-01-01T11:00:00.000Z', status: 'Approved', webhookType: 'status.updated' },
      ],
    };
    const decide = vi.fn<ReviewApi['decide']>(() =>
      Promise.reject(new ApiError(409, 'version_conflict', 'Session changed', { session: fresh })),
    );
    renderSession(session, { decide });
    await openedWithImages();
    await chooseByKeys('d', '1');
    fireEvent.click(await screen.findByRole('button', { name: 'Decline session' }));
    const alert = await screen.findByText(/This session changed since you opened it/);
    const notice = alert.closest('[role="alert"]')!;
    expect(within(notice as HTMLElement).getByText('Status: In Review → Approved')).toBeTruthy();
    expect(within(notice as HTMLElement).getByText('Decided outside the console (in Didit)')).toBeTruthy();
    // The page now shows the fresh state: its status, the outside decision, and a note is now required.
    expect(screen.getAllByText('Approved').some((el) => el.closest('header'))).toBe(true);
    expect(screen.getByText(/in Didit's own console/)).toBeTruthy();
    expect(screen.getByText(/required: overrides the automatic Approved/)).toBeTruthy();
    expect(decide).toHaveBeenCalledTimes(1);
  });

  it('claims the next session with the queue filters after a decision and opens it', async () => {
    const session = sessionDetail();
    const next = sessionDetail({ vendorData: 'next-user' });
    const claimNext = vi.fn<ReviewApi['claimNext']>(() => Promise.resolve(next));
    const router = renderSession(
      session,
      { decide: () => Promise.resolve({ ...session, status: 'Approved', pushState: 'pending' }), claimNext },
      '?assignee=unassigned&sort=liveness',
      undefined,
      workIntent,
    );
    await openedWithImages();
    await chooseByKeys('a', '1');
    key('Enter', document.body);
    await screen.findByRole('heading', { level: 1, name: 'next-user' });
    expect(claimNext).toHaveBeenCalledWith({ assignee: 'unassigned', sort: 'liveness' });
    expect(router.state.location.pathname).toBe(`/sessions/${next.id}`);
    expect(router.state.location.search).toBe('?assignee=unassigned&sort=liveness');
    expect(screen.getByText(/^Approved .*\./, { selector: '[role="status"]' })).toBeTruthy();
  });

  it('asks before a verdict without the images, records which were missing, and can wait for them', async () => {
    const session = sessionDetail();
    const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve({ ...session, status: 'Declined' }));
    renderSession(session, { decide, claimNext: () => Promise.resolve(null) });
    await screen.findByRole('heading', { level: 1 });
    await chooseByKeys('d', '1');
    fireEvent.click(screen.getByRole('button', { name: 'Decline session' }));
    const ask = await screen.findByRole('alertdialog');
    expect(ask.textContent).toMatch(/The selfie and reference portrait have not loaded/);
    expect(decide).not.toHaveBeenCalled();
    fireEvent.click(within(ask).getByRole('button', { name: 'Wait for the images' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    // The selfie arrives; the portrait does not.
    fireEvent.load(screen.getByRole('img', { name: 'Live selfie' }));
    fireEvent.click(screen.getByRole('button', { name: 'Decline session' }));
    const again = await screen.findByRole('alertdialog');
    expect(again.textContent).toMatch(/The reference portrait has not loaded/);
    fireEvent.click(within(again).getByRole('button', { name: 'Decide without images' }));
    await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
    expect(decide.mock.calls[0]?.[1]).toMatchObject({ decision: 'Declined', evidenceMissing: ['portrait'] });
  });

  it('says so when the images a held decision waited for arrive, and sends nothing until asked again', async () => {
    const session = sessionDetail();
    const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve({ ...session, status: 'Declined' }));
    renderSession(session, { decide, claimNext: () => Promise.resolve(null) });
    await screen.findByRole('heading', { level: 1 });
    await chooseByKeys('d', '1');
    key('Enter', document.body);
    expect(await screen.findByRole('alertdialog')).toBeTruthy();
    fireEvent.load(screen.getByRole('img', { name: 'Live selfie' }));
    fireEvent.load(screen.getByRole('img', { name: 'Reference portrait' }));
    expect(await screen.findByText('The images have loaded: look at them, then send the decision.')).toBeTruthy();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(decide).not.toHaveBeenCalled();
    key('Enter', document.body);
    await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
    expect(decide.mock.calls[0]?.[1]).not.toHaveProperty('evidenceMissing');
  });

  it('decides a liveness-only session once the selfie has loaded, without asking about a portrait', async () => {
    const session = sessionDetail({ hasFaceMatch: false, media: { ...sessionDetail().media, portrait: null } });
    const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve({ ...session, status: 'Declined' }));
    renderSession(session, { decide, claimNext: () => Promise.resolve(null) });
    await openedWithImages();
    await chooseByKeys('d', '1');
    fireEvent.click(screen.getByRole('button', { name: 'Decline session' }));
    await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
    expect(decide.mock.calls[0]?.[1]).not.toHaveProperty('evidenceMissing');
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  describe('claims follow how the session was opened', () => {
    const unclaimed = () =>
      sessionDetail({ claim: null, allowed: { claim: true, release: false, decide: ['Approved', 'Declined'], note: true } });

    it('opened from the queue to work on it, it is claimed for the analyst', async () => {
      const session = unclaimed();
      const claim = vi.fn<ReviewApi['claim']>(() =>
        Promise.resolve({
          ...session,
          claim: {
            userId: 'me',
            label: 'analyst@example.test',
            claimedAt: '2026-01-01T10:00:00.000Z',
            expiresAt: '2026-01-01T10:15:00.000Z',
          },
        }),
      );
      renderSession(session, { claim }, '', undefined, workIntent);
      await waitFor(() => expect(claim).toHaveBeenCalledTimes(1));
      expect(await screen.findByText('Claimed for you: you are working on this session.')).toBeTruthy();
    });

    it('opened from a link, nothing is claimed, and after a decision the page stays without claiming another', async () => {
      const session = unclaimed();
      const claim = vi.fn<ReviewApi['claim']>(() => Promise.resolve(session));
      const claimNext = vi.fn<ReviewApi['claimNext']>(() => Promise.resolve(null));
      const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve({ ...session, status: 'Declined' }));
      const router = renderSession(session, { claim, claimNext, decide });
      await openedWithImages();
      await chooseByKeys('d', '1');
      key('Enter', document.body);
      await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
      expect(await screen.findByText(/^Declined .*\.$/, { selector: '[role="status"]' })).toBeTruthy();
      expect(claim).not.toHaveBeenCalled();
      expect(claimNext).not.toHaveBeenCalled();
      expect(router.state.location.pathname).toBe(`/sessions/${session.id}`);
    });

    it('opened from the queue while someone else holds it: shows who and claims nothing', async () => {
      const session = sessionDetail({
        claim: {
          userId: 'other',
          label: 'analyst2@example.test',
          claimedAt: '2026-01-01T10:00:00.000Z',
          expiresAt: '2026-01-01T10:15:00.000Z',
        },
        allowed: { claim: false, release: false, decide: [], note: true },
      });
      const claim = vi.fn<ReviewApi['claim']>(() => Promise.resolve(session));
      renderSession(session, { claim }, '', undefined, workIntent);
      expect(await screen.findByText('analyst2@example.test is working on this session.')).toBeTruthy();
      expect(claim).not.toHaveBeenCalled();
      expect(screen.queryByRole('button', { name: /Approve/ })).toBeNull();
    });
  });

  it('fits a liveness-only session: no portrait frame, no face-match reasons', async () => {
    const session = sessionDetail({ hasFaceMatch: false, media: { ...sessionDetail().media, portrait: null } });
    renderSession(session);
    await screen.findByRole('heading', { level: 1 });
    const evidence = screen.getByRole('region', { name: 'Evidence images' });
    expect(within(evidence).queryByText('Reference portrait')).toBeNull();
    expect(within(evidence).getByRole('img', { name: 'Live selfie' })).toBeTruthy();
    key('d', document.body);
    const radios = await screen.findAllByRole('radio');
    expect(radios.map((radio) => radio.closest('label')?.textContent)).toEqual(['1Presentation attack', '2Capture unusable']);
  });

  it('returns to the queue when nothing is left to claim', async () => {
    const session = sessionDetail();
    renderSession(
      session,
      { decide: () => Promise.resolve({ ...session, status: 'Declined' }) },
      '?method=PASSIVE',
      undefined,
      workIntent,
    );
    await openedWithImages();
    await chooseByKeys('d', '3');
    key('Enter', document.body);
    expect(await screen.findByText('queue page ?method=PASSIVE')).toBeTruthy();
  });

  it('shows a failed push with its reason and retries it on request', async () => {
    const session = sessionDetail({
      status: 'Approved',
      pushState: 'failed',
      pushError: 'Didit answered 503',
      allowed: { claim: false, release: false, decide: [], note: true },
    });
    const retryPush = vi.fn<ReviewApi['retryPush']>(() => Promise.resolve({ ...session, pushState: 'pending', pushError: null }));
    renderSession(session, { retryPush, getSession: () => Promise.resolve(session) });
    expect(await screen.findByText(/Sending the decision to Didit failed: Didit answered 503/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Retry push' }));
    expect(await screen.findByText(/waiting for Didit to confirm/)).toBeTruthy();
    expect(retryPush).toHaveBeenCalledWith(session.id, {});
    // A verdict's retry has nothing to email.
    expect(screen.queryByRole('checkbox', { name: /Email the user/ })).toBeNull();
  });

  it('asks again for the email when retrying a failed request to try again (the first address is not kept)', async () => {
    const resubmit = {
      source: 'console' as const,
      at: '2026-01-01T10:00:00.000Z',
      kind: 'resubmit' as const,
      actor: 'analyst@example.test',
      reason: 'poor_lighting',
      reasonLabel: 'Poor lighting or blur',
      note: null,
      pushState: 'failed' as const,
      pushError: 'Didit answered 400',
    };
    const session = sessionDetail({
      status: 'In Review',
      pushState: 'failed',
      pushError: 'Didit answered 400',
      timeline: [resubmit],
      allowed: { claim: false, release: false, decide: [], note: true },
    });
    const retryPush = vi.fn<ReviewApi['retryPush']>(() => Promise.resolve({ ...session, pushState: 'pending', pushError: null }));
    renderSession(session, { retryPush, getSession: () => Promise.resolve(session) });
    expect(await screen.findByText(/Sending the request to try again to Didit failed: Didit answered 400/)).toBeTruthy();
    fireEvent.click(screen.getByRole('checkbox', { name: /Email the user a link to try again with this retry/ }));
    const address = screen.getByRole('textbox', { name: /Email address/ });
    fireEvent.change(address, { target: { value: 'not an address' } });
    fireEvent.click(screen.getByRole('button', { name: 'Retry push' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Enter the email address/);
    expect(retryPush).not.toHaveBeenCalled();
    fireEvent.change(address, { target: { value: ' person@example.org ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Retry push' }));
    expect(await screen.findByText(/waiting for Didit to confirm/)).toBeTruthy();
    expect(retryPush).toHaveBeenCalledWith(session.id, { sendEmail: true, emailAddress: 'person@example.org' });
  });

  it('says a confirmed push was the request to try again, not a verdict, when that is what was sent', async () => {
    const session = sessionDetail({
      status: 'Approved',
      pushState: 'confirmed',
      decidedAt: '2026-01-01T11:00:00.000Z',
      timeline: [
        {
          source: 'console',
          at: '2026-01-01T10:00:00.000Z',
          kind: 'resubmit',
          actor: 'analyst@example.test',
          reason: 'poor_lighting',
          reasonLabel: 'Poor lighting or blur',
          note: null,
          pushState: 'confirmed',
          pushError: null,
        },
      ],
      allowed: { claim: false, release: false, decide: [], note: true },
    });
    renderSession(session);
    expect(await screen.findByText('Didit confirmed the request to try again.')).toBeTruthy();
    expect(screen.queryByText(/^Decision confirmed by Didit/)).toBeNull();
  });

  it('has one note box: Ctrl+Enter adds it on its own, or sends it with the chosen decision', async () => {
    const session = sessionDetail();
    const addNote = vi.fn<ReviewApi['addNote']>(() => Promise.resolve(session));
    const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve({ ...session, status: 'Declined' }));
    renderSession(session, { addNote, decide, claimNext: () => Promise.resolve(null) });
    await openedWithImages();
    const panel = screen.getByRole('complementary', { name: 'Scores and decision' });
    expect(panel.querySelectorAll('textarea')).toHaveLength(1);
    key('n', document.body);
    const note = document.activeElement as HTMLTextAreaElement;
    fireEvent.change(note, { target: { value: 'Called the user.' } });
    fireEvent.keyDown(note, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(addNote).toHaveBeenCalledWith(session.id, 'Called the user.'));
    expect(decide).not.toHaveBeenCalled();

    await chooseByKeys('d', '1');
    expect(panel.querySelectorAll('textarea')).toHaveLength(1);
    const same = screen.getByRole('textbox', { name: /^Note/ });
    fireEvent.change(same, { target: { value: 'Different jawline.' } });
    fireEvent.keyDown(same, { key: 'Enter', metaKey: true });
    await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
    expect(decide.mock.calls[0]?.[1]).toMatchObject({ decision: 'Declined', note: 'Different jawline.' });
    expect(addNote).toHaveBeenCalledTimes(1);
  });

  it('lists Enter, Esc and Ctrl+Enter in the shortcuts dialog', async () => {
    renderSession(sessionDetail());
    await screen.findByRole('heading', { level: 1 });
    key('?', document.body);
    const dialog = await screen.findByRole('dialog');
    const rows = within(dialog)
      .getAllByRole('term')
      .map((term) => term.textContent);
    expect(rows).toEqual(expect.arrayContaining(['Enter', 'Esc', 'CtrlEnter']));
  });

  it("names who decided in Didit's own console and shows their comment as text", async () => {
    const session = sessionDetail({
      status: 'Declined',
      decisionSource: 'outside',
      decidedAt: '2026-01-01T11:00:00.000Z',
      diditReview: { by: 'risk.lead@company.example', comment: '<b>Second account</b>', at: '2026-01-01T11:00:00.000Z' },
      allowed: { claim: false, release: false, decide: ['Approved'], note: true },
    });
    renderSession(session);
    expect(await screen.findByText(/in Didit's own console\) by risk.lead@company.example/)).toBeTruthy();
    expect(screen.getByText('“<b>Second account</b>”')).toBeTruthy();
  });

  it('adds a note without a decision (n focuses it)', async () => {
    const session = sessionDetail();
    const addNote = vi.fn<ReviewApi['addNote']>(() => Promise.resolve(session));
    renderSession(session, { addNote });
    await screen.findByRole('heading', { level: 1 });
    key('n', document.body);
    const note = document.activeElement as HTMLTextAreaElement;
    expect(note.tagName).toBe('TEXTAREA');
    fireEvent.change(note, { target: { value: 'Called the user.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    await waitFor(() => expect(addNote).toHaveBeenCalledWith(session.id, 'Called the user.'));
    expect(await screen.findByText('Note added.')).toBeTruthy();
  });

  it('keeps a verdict chosen while a note was on its way: the late answer clears only that note', async () => {
    const session = sessionDetail();
    let answer: (fresh: typeof session) => void = () => {};
    const addNote = vi.fn<ReviewApi['addNote']>(() => new Promise((resolve) => (answer = resolve)));
    renderSession(session, { addNote });
    await screen.findByRole('heading', { level: 1 });
    key('n', document.body);
    fireEvent.change(document.activeElement as HTMLTextAreaElement, { target: { value: 'Called the user.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    await waitFor(() => expect(addNote).toHaveBeenCalledTimes(1));

    await chooseByKeys('a', '1');
    fireEvent.change(screen.getByRole('textbox', { name: /^Note/ }), { target: { value: 'Second thought.' } });
    act(() => answer(session));
    expect(await screen.findByText('Note added.')).toBeTruthy();
    expect(screen.getByRole('button', { name: /^Approve/, pressed: true })).toBeTruthy();
    expect(screen.getAllByRole('radio', { checked: true })).toHaveLength(1);
    expect(screen.getByRole<HTMLTextAreaElement>('textbox', { name: /^Note/ }).value).toBe('Second thought.');
  });

  it('refreshes media links that are about to expire and says when Didit refused', async () => {
    const session = sessionDetail();
    session.media = { ...session.media, expiresAt: new Date(Date.now() + 30_000).toISOString() };
    const refreshMedia = vi.fn<ReviewApi['refreshMedia']>(() =>
      Promise.resolve({ ...session.media, stale: true, staleReason: 'rate_limited', retryAfterSeconds: 20 }),
    );
    renderSession(session, { refreshMedia });
    await waitFor(() => expect(refreshMedia).toHaveBeenCalledTimes(1));
    expect(await screen.findByText(/^Didit is rate-limiting; showing the previous links, retrying in (20|19) s\./)).toBeTruthy();
  });

  it('refreshes once when an image fails to load', async () => {
    const session = sessionDetail();
    const freshMedia = { ...session.media, selfie: 'https://media.example/selfie-2.jpg' };
    const refreshMedia = vi.fn<ReviewApi['refreshMedia']>(() => Promise.resolve(freshMedia));
    renderSession(session, { refreshMedia });
    const selfie = await screen.findByRole('img', { name: 'Live selfie' });
    fireEvent.error(selfie);
    fireEvent.error(selfie);
    await waitFor(() => expect(screen.getByRole('img', { name: 'Live selfie' }).getAttribute('src')).toBe(freshMedia.selfie));
    expect(refreshMedia).toHaveBeenCalledTimes(1);
  });

  it('refreshes by itself once when fresh links fail too (the media host is down), not in a loop', async () => {
    const session = sessionDetail();
    let n = 0;
    const refreshMedia = vi.fn<ReviewApi['refreshMedia']>(() =>
      Promise.resolve({ ...session.media, selfie: `https://media.example/selfie-${++n}.jpg` }),
    );
    renderSession(session, { refreshMedia });
    fireEvent.error(await screen.findByRole('img', { name: 'Live selfie' }));
    await waitFor(() =>
      expect(screen.getByRole('img', { name: 'Live selfie' }).getAttribute('src')).toBe('https://media.example/selfie-1.jpg'),
    );
    fireEvent.error(screen.getByRole('img', { name: 'Live selfie' }));
    const evidence = screen.getByRole('region', { name: 'Evidence images' });
    expect(await within(evidence).findByText(/The image did not load/)).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(refreshMedia).toHaveBeenCalledTimes(1);
    fireEvent.click(within(evidence).getAllByRole('button', { name: 'Retry now' })[0]!);
    await waitFor(() => expect(refreshMedia).toHaveBeenCalledTimes(2));
  });

  it('says when an image still does not load after the automatic refresh, and retries on request', async () => {
    const session = sessionDetail();
    // Didit is down: the refresh answers the same (stale) links.
    const refreshMedia = vi.fn<ReviewApi['refreshMedia']>(() => Promise.resolve({ ...session.media, stale: true }));
    renderSession(session, { refreshMedia });
    fireEvent.error(await screen.findByRole('img', { name: 'Live selfie' }));
    await waitFor(() => expect(refreshMedia).toHaveBeenCalledTimes(1));
    const evidence = screen.getByRole('region', { name: 'Evidence images' });
    expect(within(evidence).getByText(/The image did not load/)).toBeTruthy();
    const retry = await within(evidence).findAllByRole('button', { name: 'Retry now' });
    fireEvent.click(retry[0]!);
    await waitFor(() => expect(refreshMedia).toHaveBeenCalledTimes(2));
  });

  it('reports which link failed when an image fails, and nothing when the links only near expiry', async () => {
    const session = sessionDetail();
    const freshMedia = { ...session.media, selfie: 'https://media.example/selfie-2.jpg' };
    const refreshMedia = vi.fn<ReviewApi['refreshMedia']>(() => Promise.resolve(freshMedia));
    renderSession(session, { refreshMedia });
    fireEvent.error(await screen.findByRole('img', { name: 'Live selfie' }));
    await waitFor(() => expect(refreshMedia).toHaveBeenCalledWith(session.id, session.media.selfie));
    cleanup();

    const expiring = sessionDetail();
    expiring.media = { ...expiring.media, expiresAt: new Date(Date.now() + 30_000).toISOString() };
    const onExpiry = vi.fn<ReviewApi['refreshMedia']>(() => Promise.resolve(freshMedia));
    renderSession(expiring, { refreshMedia: onExpiry });
    await waitFor(() => expect(onExpiry).toHaveBeenCalledTimes(1));
    expect(onExpiry).toHaveBeenCalledWith(expiring.id, undefined);
  });

  it('"Retry now" loads the same links again when the server keeps them (new links were forced a moment ago)', async () => {
    const session = sessionDetail();
    // The server answers the current links: a report forced new ones for this session within the minute.
    const refreshMedia = vi.fn<ReviewApi['refreshMedia']>(() => Promise.resolve(session.media));
    renderSession(session, { refreshMedia });
    fireEvent.error(await screen.findByRole('img', { name: 'Live selfie' }));
    await waitFor(() => expect(refreshMedia).toHaveBeenCalledTimes(1));
    // Loaded again, and failing again: the frame says so (no second automatic refresh).
    fireEvent.error(await screen.findByRole('img', { name: 'Live selfie' }));
    const evidence = screen.getByRole('region', { name: 'Evidence images' });
    expect(await within(evidence).findByText(/The image did not load/)).toBeTruthy();
    expect(refreshMedia).toHaveBeenCalledTimes(1);
    fireEvent.click(within(evidence).getAllByRole('button', { name: 'Retry now' })[0]!);
    await waitFor(() => expect(refreshMedia).toHaveBeenCalledTimes(2));
    expect(refreshMedia).toHaveBeenLastCalledWith(session.id, session.media.selfie);
    expect(await screen.findByRole('img', { name: 'Live selfie' })).toBeTruthy();
  });

  it('says when the console refuses more refreshes (429), without blaming Didit, and waits as long as it asks', async () => {
    const session = sessionDetail();
    session.media = { ...session.media, expiresAt: new Date(Date.now() + 30_000).toISOString() };
    const message = 'Too many requests for new media links: at most 20 a minute per person. Try again in 45 s.';
    const refreshMedia = vi.fn<ReviewApi['refreshMedia']>(() =>
      Promise.reject(new ApiError(429, 'rate_limited', message, { retryAfterSeconds: 45 })),
    );
    renderSession(session, { refreshMedia });
    await waitFor(() => expect(refreshMedia).toHaveBeenCalledTimes(1));
    expect(
      await screen.findByText(
        /^Fresh links could not be fetched \(Too many requests for new media links: .*\); showing the previous links, retrying in (45|44) s\./,
      ),
    ).toBeTruthy();
  });

  it('zooms both images together with + / - / 0 and the buttons', async () => {
    renderSession(sessionDetail());
    await screen.findByRole('heading', { level: 1 });
    const transforms = () => screen.getAllByRole('img').map((img) => (img as HTMLImageElement).style.transform);
    key('+', document.body);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
      await Promise.resolve();
    });
    const [selfie, portrait] = transforms();
    expect(selfie).toContain('scale(1.5625)');
    expect(portrait).toBe(selfie);
    key('-', document.body);
    expect(transforms()[0]).toContain('scale(1.25)');
    key('0', document.body);
    expect(transforms()).toEqual(['translate(0px, 0px) scale(1)', 'translate(0px, 0px) scale(1)']);
  });

  it('lists the reasons of the chosen decision from the catalogue', async () => {
    renderSession(sessionDetail());
    await screen.findByRole('heading', { level: 1 });
    key('d', document.body);
    const radios = await screen.findAllByRole('radio');
    expect(radios.map((radio) => (radio as HTMLInputElement).value)).toEqual(reasons.Declined.map((r) => r.code));
  });
});
