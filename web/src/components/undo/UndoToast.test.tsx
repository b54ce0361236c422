import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ReviewApi } from '../../api/review.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { summarizeAuditDetails } from '../audit/audit-details.ts';
import { fakeApi, sessionDetail } from '../session/fixtures.ts';
import { clearUndo, offerUndo } from './undo-store.ts';
import { UndoToast } from './UndoToast.tsx';

afterEach(() => {
  cleanup();
  clearUndo();
  vi.useRealTimers();
});

/** Where the undo took the analyst, and what it handed over. */
function Reopened() {
  const location = useLocation();
  const state = location.state as { notice?: string; intent?: string } | null;
  return (
    <p>
      reopened {location.pathname}
      {location.search} · {state?.intent} · {state?.notice}
    </p>
  );
}

function renderToast(overrides: Partial<ReviewApi> = {}) {
  const router = createMemoryRouter(
    [
      { path: '/queue', element: <UndoToast /> },
      { path: '/sessions/:id', element: <Reopened /> },
    ],
    { initialEntries: ['/queue'] },
  );
  render(
    <ReviewApiProvider api={fakeApi(overrides)}>
      <RouterProvider router={router} />
    </ReviewApiProvider>,
  );
}

const decided = (secondsLeft: number) =>
  sessionDetail({
    version: 4,
    pushState: 'pending',
    undoUntil: new Date(Date.now() + secondsLeft * 1000).toISOString(),
    allowed: { claim: false, release: false, decide: [], note: true, undo: true },
  });

describe('undo the last decision (issue 20)', () => {
  it('counts down, and u undoes: the session reopens (same filters), claimed again, with the server answer handed over', async () => {
    const session = decided(27);
    const undoDecision = vi.fn<ReviewApi['undoDecision']>(() =>
      Promise.resolve({ ...session, pushState: null, version: 5, undoUntil: null, claim: null }),
    );
    offerUndo(session, 'Approved', 'user-7', { sort: 'liveness' });
    renderToast({ undoDecision });
    expect(screen.getByRole('status').textContent).toMatch(/^Approved user-7·Undo \((27|26) s\)u$/);
    fireEvent.keyDown(document.body, { key: 'u' });
    await screen.findByText(/^reopened/);
    expect(undoDecision).toHaveBeenCalledWith(session.id, { expectedVersion: 4 });
    expect(screen.getByText(/^reopened/).textContent).toBe(
      `reopened /sessions/${session.id}?sort=liveness · work · Decision undone: user-7 is In Review again. Didit was not told.`,
    );
  });

  it('says when the decision waits for a second analyst (four eyes)', () => {
    offerUndo({ ...decided(20), pushState: 'held' }, 'Approved', 'user-9', {});
    renderToast();
    expect(screen.getByRole('status').textContent).toMatch(
      /^Approved user-9, waiting for a second analyst’s confirmation·Undo \((20|19) s\)u$/,
    );
  });

  it('is gone once the window closes, and u does nothing then', () => {
    vi.useFakeTimers();
    const undoDecision = vi.fn<ReviewApi['undoDecision']>();
    offerUndo(decided(3), 'Declined', 'user-8', {});
    renderToast({ undoDecision });
    expect(screen.getByRole('button', { name: /Undo \(3 s\)/ })).toBeTruthy();
    act(() => void vi.advanceTimersByTime(3_500));
    expect(screen.queryByRole('button', { name: /Undo/ })).toBeNull();
    fireEvent.keyDown(document.body, { key: 'u' });
    expect(undoDecision).not.toHaveBeenCalled();
  });

  it('offers nothing when the server does not let the caller undo', () => {
    offerUndo(
      { ...decided(20), allowed: { claim: false, release: false, decide: [], note: true, undo: false } },
      'Approved',
      'x',
      {},
    );
    renderToast();
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('says so when it is too late (409 undo_window_closed), and takes the button away', async () => {
    const undoDecision = vi.fn<ReviewApi['undoDecision']>(() =>
      Promise.reject(
        new ApiError(409, 'conflict', 'The time to undo this decision has passed.', { reason: 'undo_window_closed' }),
      ),
    );
    offerUndo(decided(10), 'Approved', 'user-9', {});
    renderToast({ undoDecision });
    fireEvent.click(screen.getByRole('button', { name: /Undo/ }));
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe('Too late to undo: the decision is on its way to Didit.'),
    );
    expect(screen.queryByRole('button', { name: /Undo/ })).toBeNull();
  });

  it('describes the audit entry', () => {
    expect(
      summarizeAuditDetails('session.decision_undone', {
        decision: 'Approved',
        reason: 'same_person',
        reviewEventId: 41,
        undoEventId: 42,
        secondsLeft: 24,
      }),
    ).toBe('Approved undone · reason was same_person · review event 41 · 24 s before its push · never sent to Didit');
  });
});
