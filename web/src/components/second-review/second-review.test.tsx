import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionDetail, TimelineEntry } from '../../../../server/contract/review.ts';
import type { SecondReviewAnswer, SecondReviewResolve, SessionSecondReview } from '../../../../server/contract/second-review.ts';
import { ApiError } from '../../api/client.ts';
import { queryKeys } from '../../api/queries.ts';
import type { SecondReviewAnswerResult, SecondReviewApi, SecondReviewResolveResult } from '../../api/second-review.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { Component as SessionRoute } from '../../routes/session.tsx';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { DecisionColumn } from '../session/DecisionColumn.tsx';
import { emptyDraft } from '../session/DecisionForm.tsx';
import { describeChanges } from '../session/diff.ts';
import { fakeApi, reasons, sessionDetail } from '../session/fixtures.ts';
import { PushState } from '../session/PushState.tsx';
import { Timeline } from '../session/Timeline.tsx';
import { FourEyesNotice } from './FourEyesNotice.tsx';
import { SecondReviewPanel } from './SecondReviewPanel.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const firstAt = '2026-12-03T10:00:00.000Z';
const first = {
  verdict: 'Approved' as const,
  by: 'analyst@example.test',
  at: firstAt,
  reason: 'same_person',
  reasonLabel: 'Same person, good capture',
  note: 'Looks like <b>her</b>.',
};
const second = {
  verdict: 'Declined' as const,
  by: 'analyst2@example.test',
  at: '2026-12-03T10:20:00.000Z',
  reason: 'different_person',
  reasonLabel: 'Different person',
  note: null,
};
const faceFloor = { rule: 'face_match_floor' as const, detail: 'Face match 58 is below this workflow’s floor of 65.' };
const repeat = { rule: 'repeat_attempt' as const, detail: 'Third attempt by <i>user-7</i> within 24 hours.' };

/** A blind review as a second analyst sees it: nothing about the first decision. */
function blindReview(overrides: Partial<SessionSecondReview> = {}): SessionSecondReview {
  return {
    id: 7,
    state: 'open',
    blind: true,
    mayAnswer: true,
    mayResolve: false,
    purpose: null,
    triggers: null,
    first: null,
    second: null,
    resolution: null,
    ...overrides,
  };
}

/** The same review once both sides may be shown. */
function openReview(overrides: Partial<SessionSecondReview> = {}): SessionSecondReview {
  return blindReview({ blind: false, mayAnswer: false, purpose: 'four_eyes', triggers: [faceFloor], first, ...overrides });
}

function consoleEntry(overrides: Partial<Extract<TimelineEntry, { source: 'console' }>>): TimelineEntry {
  return {
    source: 'console',
    at: firstAt,
    kind: 'approve',
    actor: 'analyst@example.test',
    reason: null,
    reasonLabel: null,
    note: null,
    pushState: null,
    pushError: null,
    ...overrides,
  };
}

const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected call: ${name}`));

function renderPanel(session: SessionDetail, api: Partial<SecondReviewApi> = {}) {
  const calls = {
    answer: vi.fn<SecondReviewApi['answer']>(api.answer ?? unexpected('answer')),
    resolve: vi.fn<SecondReviewApi['resolve']>(api.resolve ?? unexpected('resolve')),
  };
  const onChange = vi.fn<(fresh: SessionDetail, message: string) => void>();
  render(<SecondReviewPanel session={session} reasons={reasons} onChange={onChange} api={calls} />);
  return { calls, onChange };
}

const panel = () => screen.getByTestId('second-review');
const reasonSelect = () => screen.getByLabelText<HTMLSelectElement>('Reason');
const optionLabels = (select: HTMLSelectElement) => [...select.options].map((option) => option.textContent);

describe('the four-eyes notice', () => {
  it('lists, as text, each rule approving this session meets', () => {
    render(<FourEyesNotice session={sessionDetail({ fourEyes: [faceFloor, repeat] })} />);
    const notice = screen.getByTestId('four-eyes');
    expect(notice.textContent).toContain("Approving needs a second analyst's confirmation:");
    expect(
      within(notice)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual([faceFloor.detail, repeat.detail]);
    expect(notice.querySelector('i')).toBeNull();
  });

  it('says nothing when no rule is met or the person may not approve', () => {
    render(<FourEyesNotice session={sessionDetail({ fourEyes: [] })} />);
    render(<FourEyesNotice session={sessionDetail({ fourEyes: undefined })} />);
    render(
      <FourEyesNotice
        session={sessionDetail({
          fourEyes: [faceFloor],
          allowed: { claim: false, release: true, decide: ['Declined'], note: true },
        })}
      />,
    );
    expect(screen.queryByTestId('four-eyes')).toBeNull();
  });
});

describe('the decision column', () => {
  function renderColumn(session: SessionDetail) {
    const column = (
      <DecisionColumn
        session={session}
        reasons={reasons}
        reasonsError={null}
        draft={emptyDraft}
        onDraftChange={() => {}}
        onDecided={() => {}}
        onConflict={() => {}}
        pushCheckError={null}
        onChange={() => {}}
      />
    );
    const router = createMemoryRouter([{ path: '*', element: column }], { initialEntries: ['/sessions/x'] });
    renderWithQuery(
      <ReviewApiProvider api={fakeApi()}>
        <RouterProvider router={router} />
      </ReviewApiProvider>,
    );
  }

  it('puts the four-eyes notice above the decision form, and approving is still offered', () => {
    renderColumn(sessionDetail({ fourEyes: [faceFloor] }));
    const notice = screen.getByTestId('four-eyes');
    const form = screen.getByRole('form', { name: 'Decision' });
    expect(notice.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: /Approve/ }).disabled).toBe(false);
  });

  it('gives a blind second reviewer the review form instead of the decision form', () => {
    renderColumn(
      sessionDetail({
        secondReview: blindReview(),
        fourEyes: [],
        allowed: { claim: false, release: false, decide: [], note: true },
      }),
    );
    expect(screen.getByRole('form', { name: 'Give second review' })).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Decision' })).toBeNull();
  });
});

describe('second review panel', () => {
  it('shows nothing on a session without a second review', () => {
    renderPanel(sessionDetail({ secondReview: null }));
    expect(screen.queryByTestId('second-review')).toBeNull();
  });

  it('asks a second analyst for their own verdict, blind, with the reasons that fit it and the session', () => {
    renderPanel(sessionDetail({ hasFaceMatch: false, secondReview: blindReview() }));
    expect(within(panel()).getByRole('heading', { name: 'Second review' })).toBeTruthy();
    expect(panel().textContent).toContain(
      'Decide this session on its own evidence: the first verdict is hidden until you give yours.',
    );
    const radios = within(screen.getByRole('group', { name: 'Your verdict' })).getAllByRole<HTMLInputElement>('radio');
    expect(radios.map((radio) => radio.checked)).toEqual([false, false]);
    expect(reasonSelect().disabled).toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: 'Decline' }));
    expect(reasonSelect().disabled).toBe(false);
    // Liveness only: "Different person" needs a face match and is not offered.
    expect(optionLabels(reasonSelect())).toEqual(['Choose a reason…', 'Presentation attack', 'Capture unusable']);
    fireEvent.click(screen.getByRole('radio', { name: 'Approve' }));
    expect(optionLabels(reasonSelect())).toEqual(['Choose a reason…', 'Known device and context']);
  });

  it('sends the blind verdict with its reason and note, then says the first verdict and that a lead settles it', async () => {
    const session = sessionDetail({ secondReview: blindReview({ id: 12 }) });
    const answered = sessionDetail({ id: session.id, secondReview: openReview({ id: 12, state: 'disagreed', second }) });
    const { calls, onChange } = renderPanel(session, {
      answer: () =>
        Promise.resolve<SecondReviewAnswerResult>({
          secondReviewId: 12,
          outcome: 'disagreed',
          firstVerdict: 'Approved',
          released: false,
          session: answered,
        }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Give second review' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose Approve or Decline.');
    fireEvent.click(screen.getByRole('radio', { name: 'Decline' }));
    fireEvent.click(screen.getByRole('button', { name: 'Give second review' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose a reason.');
    expect(calls.answer).not.toHaveBeenCalled();
    fireEvent.change(reasonSelect(), { target: { value: 'different_person' } });
    fireEvent.change(screen.getByLabelText('Note (optional)'), { target: { value: '  Older face, other ears.  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Give second review' }));
    expect(await screen.findByText('You disagreed with the first verdict (Approved). It goes to a lead.')).toBeTruthy();
    expect(calls.answer).toHaveBeenCalledWith<[string, SecondReviewAnswer]>(session.id, {
      secondReviewId: 12,
      verdict: 'Declined',
      reason: 'different_person',
      note: 'Older face, other ears.',
    });
    expect(onChange).toHaveBeenCalledWith(answered, 'Second review recorded.');
  });

  it('says an agreed four-eyes decision is on its way to Didit, and sends no empty note', async () => {
    const session = sessionDetail({ secondReview: blindReview() });
    const { calls } = renderPanel(session, {
      answer: () =>
        Promise.resolve<SecondReviewAnswerResult>({
          secondReviewId: 7,
          outcome: 'agreed',
          firstVerdict: 'Approved',
          released: true,
          session,
        }),
    });
    fireEvent.click(screen.getByRole('radio', { name: 'Approve' }));
    fireEvent.change(reasonSelect(), { target: { value: 'same_person' } });
    fireEvent.change(screen.getByLabelText('Note (optional)'), { target: { value: '   ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Give second review' }));
    expect((await screen.findByRole('status')).textContent).toBe(
      'You agreed with the first verdict (Approved). The decision is on its way to Didit.',
    );
    expect(calls.answer).toHaveBeenCalledWith(session.id, { secondReviewId: 7, verdict: 'Approved', reason: 'same_person' });
  });

  it('on a 409 shows the server’s words and the session as it is now', async () => {
    const session = sessionDetail({ secondReview: blindReview() });
    const fresh = sessionDetail({ id: session.id, version: 5, secondReview: openReview({ state: 'agreed', second: first }) });
    const { onChange } = renderPanel(session, {
      answer: () =>
        Promise.reject(
          new ApiError(409, 'conflict', 'Another analyst has already given this second review.', {
            reason: 'already_answered',
            session: fresh,
          }),
        ),
    });
    fireEvent.click(screen.getByRole('radio', { name: 'Approve' }));
    fireEvent.change(reasonSelect(), { target: { value: 'same_person' } });
    fireEvent.click(screen.getByRole('button', { name: 'Give second review' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Your second review was not recorded: Another analyst has already given this second review.',
    );
    expect(onChange).toHaveBeenCalledWith(fresh, expect.stringContaining('Another analyst has already given'));
  });

  it('tells those who may not answer that a second analyst reviews it blind', () => {
    renderPanel(sessionDetail({ secondReview: blindReview({ mayAnswer: false }) }));
    expect(panel().textContent).toContain('A second analyst is reviewing this decision blind.');
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.queryByRole('radio')).toBeNull();
  });

  it('tells the first analyst a four-eyes decision waits, and why', () => {
    renderPanel(sessionDetail({ secondReview: openReview({ triggers: [faceFloor, repeat] }) }));
    expect(panel().textContent).toContain("Waiting for a second analyst's confirmation before it goes to Didit.");
    expect(
      within(panel())
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual([faceFloor.detail, repeat.detail]);
    expect(screen.queryByRole('form')).toBeNull();
  });

  it('tells the first analyst a decision was picked for a quality check', () => {
    renderPanel(
      sessionDetail({
        secondReview: openReview({ purpose: 'quality', triggers: [{ rule: 'sample', detail: 'Picked at random (10 %).' }] }),
      }),
    );
    expect(panel().textContent).toContain('Picked for a quality check by a second analyst.');
    expect(panel().textContent).not.toContain('before it goes to Didit');
  });

  it('once answered, shows both verdicts with who, reason, note and time, and the disagreement', () => {
    renderPanel(sessionDetail({ secondReview: openReview({ state: 'disagreed', second }) }));
    const terms = within(panel())
      .getAllByRole('term')
      .map((term) => term.textContent);
    expect(terms).toEqual(['First verdict', 'Second verdict']);
    const [firstRow, secondRow] = within(panel()).getAllByRole('definition');
    expect(firstRow!.textContent).toMatch(/^Approved by analyst@example\.test on .+ · Same person, good capture/);
    // The note is text, never markup.
    expect(firstRow!.querySelector('q')!.textContent).toBe('Looks like <b>her</b>.');
    expect(firstRow!.querySelector('b')).toBeNull();
    expect(firstRow!.querySelector('time')!.getAttribute('dateTime')).toBe(firstAt);
    expect(secondRow!.textContent).toMatch(/^Declined by analyst2@example\.test on .+ · Different person$/);
    expect(panel().textContent).toContain('Disagreement: a lead settles it.');
    expect(screen.queryByRole('form')).toBeNull();
  });

  it('shows an agreement, and a settled disagreement with who settled it and their note', () => {
    renderPanel(sessionDetail({ secondReview: openReview({ state: 'agreed', second: { ...second, verdict: 'Approved' } }) }));
    expect(panel().textContent).toContain('Agreed: both analysts reached the same verdict.');
    cleanup();
    renderPanel(
      sessionDetail({
        secondReview: openReview({
          state: 'resolved',
          second,
          resolution: {
            verdict: 'Declined',
            by: 'lead@example.test',
            at: '2026-12-03T11:00:00.000Z',
            reason: 'different_person',
            reasonLabel: 'Different person',
            note: 'Ears differ.',
          },
        }),
      }),
    );
    expect(
      within(panel())
        .getAllByRole('term')
        .map((term) => term.textContent),
    ).toEqual(['First verdict', 'Second verdict', 'Settled']);
    expect(within(panel()).getAllByRole('definition')[2]!.textContent).toMatch(
      /^Declined by lead@example\.test on .+ · Different personEars differ\.$/,
    );
    expect(panel().textContent).toContain('Settled by a lead.');
    expect(panel().textContent).not.toContain('Disagreement');
  });
});

describe('a lead settles a disagreement', () => {
  const disagreed = () =>
    sessionDetail({ version: 9, secondReview: openReview({ id: 21, state: 'disagreed', second, mayResolve: true }) });

  function resolved(session: SessionDetail, upheld: 'first' | 'second'): SecondReviewResolveResult {
    return { secondReviewId: 21, upheld, reviewEventId: upheld === 'second' ? 55 : null, session };
  }

  it('upholds the first verdict with a required note and no reason, at the version the lead saw', async () => {
    const session = disagreed();
    const { calls, onChange } = renderPanel(session, { resolve: () => Promise.resolve(resolved(session, 'first')) });
    const form = screen.getByRole('form', { name: 'Settle the disagreement' });
    const radios = within(within(form).getByRole('group', { name: 'Verdict that stands' })).getAllByRole<HTMLInputElement>(
      'radio',
    );
    expect(radios.map((radio) => radio.checked)).toEqual([false, false]);
    fireEvent.click(within(form).getByRole('button', { name: 'Settle' }));
    expect(within(form).getByRole('alert').textContent).toBe('Choose the verdict that stands.');
    fireEvent.click(within(form).getByRole('radio', { name: 'Approve' }));
    // Keeping the first verdict is not a new decision: no reason is asked for.
    expect(within(form).queryByLabelText('Reason')).toBeNull();
    fireEvent.click(within(form).getByRole('button', { name: 'Settle' }));
    expect(within(form).getByRole('alert').textContent).toBe('Write a note: why this verdict stands.');
    fireEvent.change(within(form).getByLabelText('Note (required)'), { target: { value: ' Portrait is 10 years old. ' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Settle' }));
    expect(
      await screen.findByText('Settled: the first verdict (Approved) stands. The decision is on its way to Didit.'),
    ).toBeTruthy();
    expect(calls.resolve).toHaveBeenCalledWith<[string, SecondReviewResolve]>(session.id, {
      secondReviewId: 21,
      verdict: 'Approved',
      note: 'Portrait is 10 years old.',
      expectedVersion: 9,
    });
    expect(onChange).toHaveBeenCalledWith(session, 'Second review settled.');
  });

  it('asks for a reason when the verdict that stands differs from the first', async () => {
    const session = disagreed();
    const { calls } = renderPanel(session, { resolve: () => Promise.resolve(resolved(session, 'second')) });
    fireEvent.click(screen.getByRole('radio', { name: 'Decline' }));
    expect(reasonSelect().getAttribute('aria-required')).toBe('true');
    expect(optionLabels(reasonSelect())).toEqual([
      'Choose a reason…',
      'Different person',
      'Presentation attack',
      'Capture unusable',
    ]);
    fireEvent.change(screen.getByLabelText('Note (required)'), { target: { value: 'Ears differ.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Settle' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose a reason: this verdict replaces the first one.');
    expect(calls.resolve).not.toHaveBeenCalled();
    fireEvent.change(reasonSelect(), { target: { value: 'different_person' } });
    fireEvent.click(screen.getByRole('button', { name: 'Settle' }));
    expect(await screen.findByText('Settled: Declined replaces the first verdict and goes to Didit.')).toBeTruthy();
    expect(calls.resolve).toHaveBeenCalledWith(session.id, {
      secondReviewId: 21,
      verdict: 'Declined',
      reason: 'different_person',
      note: 'Ears differ.',
      expectedVersion: 9,
    });
  });

  it('shows why settling was refused, and the fresh session', async () => {
    const session = disagreed();
    const fresh = sessionDetail({ id: session.id, version: 10 });
    const { onChange } = renderPanel(session, {
      resolve: () =>
        Promise.reject(
          new ApiError(409, 'conflict', 'The first decision has not reached Didit yet; settle this once Didit shows it.', {
            reason: 'first_not_at_didit',
            session: fresh,
          }),
        ),
    });
    fireEvent.click(screen.getByRole('radio', { name: 'Decline' }));
    fireEvent.change(reasonSelect(), { target: { value: 'spoof' } });
    fireEvent.change(screen.getByLabelText('Note (required)'), { target: { value: 'Mask.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Settle' }));
    await waitFor(() => expect(onChange).toHaveBeenCalledWith(fresh, expect.stringContaining('has not reached Didit yet')));
    expect(screen.getAllByRole('alert').some((alert) => alert.textContent?.includes('has not reached Didit yet'))).toBe(true);
  });

  it('is not offered to those who may not settle', () => {
    renderPanel(sessionDetail({ secondReview: openReview({ state: 'disagreed', second, mayResolve: false }) }));
    expect(screen.queryByRole('form', { name: 'Settle the disagreement' })).toBeNull();
  });
});

describe('the session record', () => {
  it('names second reviews and held decisions in the timeline', () => {
    render(
      <Timeline
        entries={[
          consoleEntry({ kind: 'approve', pushState: 'held' }),
          consoleEntry({
            kind: 'second_review',
            at: '2026-12-03T10:20:00.000Z',
            actor: 'analyst2@example.test',
            reasonLabel: 'Different person',
          }),
          consoleEntry({ kind: 'second_review_resolved', at: '2026-12-03T11:00:00.000Z', actor: 'lead@example.test' }),
        ]}
      />,
    );
    const items = screen.getAllByRole('listitem').map((item) => item.textContent);
    expect(items[0]).toContain('analyst@example.test approvedheld for a second analyst');
    expect(items[1]).toContain('analyst2@example.test gave a second review — Different person');
    expect(items[2]).toContain('lead@example.test settled the second review');
  });

  it('says what changed when a second review arrived meanwhile', () => {
    const before = sessionDetail({ pushState: 'held' });
    const after = {
      ...before,
      version: before.version + 1,
      pushState: 'pending' as const,
      timeline: [
        ...before.timeline,
        consoleEntry({ kind: 'second_review', actor: 'analyst2@example.test', reasonLabel: 'Same person, good capture' }),
      ],
    };
    expect(describeChanges(before, after)).toEqual([
      'Push to Didit: held → pending',
      'analyst2@example.test gave a second review (Same person, good capture)',
    ]);
  });

  it('says a held decision waits for a second analyst', () => {
    render(<PushState session={sessionDetail({ pushState: 'held' })} onChange={() => {}} />);
    expect(screen.getByText("Waiting for a second analyst's confirmation.")).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Retry push' })).toBeNull();
  });
});

describe('the session page', () => {
  it('answers through the console API and shows the session it answers, no longer blind', async () => {
    const blind = sessionDetail({
      status: 'In Review',
      secondReview: blindReview({ id: 31 }),
      fourEyes: [],
      allowed: { claim: false, release: false, decide: [], note: true },
    });
    const answered: SessionDetail = {
      ...blind,
      status: 'Approved',
      version: blind.version + 1,
      pushState: 'pending',
      secondReview: openReview({ id: 31, state: 'agreed', second: { ...second, verdict: 'Approved', reason: 'same_person' } }),
    };
    const requests: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      requests.push({ url, init });
      return Promise.resolve(
        Response.json(
          { secondReviewId: 31, outcome: 'agreed', firstVerdict: 'Approved', released: true, session: answered },
          { status: 201 },
        ),
      );
    });
    const router = createMemoryRouter([{ path: '/sessions/:id', element: <SessionRoute /> }], {
      initialEntries: [`/sessions/${blind.id}`],
    });
    const { client } = renderWithQuery(
      <ReviewApiProvider api={fakeApi({ getSession: () => Promise.resolve(blind) })}>
        <RouterProvider router={router} />
      </ReviewApiProvider>,
    );
    // The page first (role queries on the whole page are slow while it is still rendering), then the panel in it.
    await screen.findByRole('heading', { level: 1 });
    const form = within(await screen.findByTestId('second-review')).getByRole('form', { name: 'Give second review' });
    expect(screen.queryByRole('form', { name: 'Decision' })).toBeNull();
    fireEvent.click(within(form).getByRole('radio', { name: 'Approve' }));
    fireEvent.change(within(form).getByLabelText('Reason'), { target: { value: 'same_person' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Give second review' }));
    await waitFor(() => expect(within(panel()).queryByRole('form', { name: 'Give second review' })).toBeNull());
    expect(within(panel()).getByRole('status').textContent).toBe(
      'You agreed with the first verdict (Approved). The decision is on its way to Didit.',
    );
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.url).toBe(`/api/sessions/${blind.id}/second-review`);
    expect(request!.init.method).toBe('POST');
    expect(new Headers(request!.init.headers).get('X-Requested-With')).toBe('review-console');
    expect(JSON.parse(request!.init.body as string)).toEqual({ secondReviewId: 31, verdict: 'Approved', reason: 'same_person' });
    // The page now shows the session the answer carried: both verdicts, on its way to Didit.
    expect(client.getQueryData(queryKeys.session(blind.id))).toEqual(answered);
    expect(screen.queryByRole('form', { name: 'Give second review' })).toBeNull();
    expect(
      within(panel())
        .getAllByRole('term')
        .map((term) => term.textContent),
    ).toEqual(['First verdict', 'Second verdict']);
    expect(screen.getByText(/waiting for Didit to confirm it/)).toBeTruthy();
  });
});
