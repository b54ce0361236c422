import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MeResponse } from '../../../../server/contract/auth.ts';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import type { ReviewApi } from '../../api/review.ts';
import { rootRouteId } from '../auth/me.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { DecisionForm, emptyDraft, type DecisionDraft } from '../session/DecisionForm.tsx';
import { fakeApi, reasons, sessionDetail } from '../session/fixtures.ts';
import { summarizeAuditDetails } from '../audit/audit-details.ts';
import { AttemptCompare, describeRiskChange } from './AttemptCompare.tsx';

afterEach(cleanup);

const analyst: MeResponse = {
  user: { kind: 'user', id: 'a', label: 'analyst@example.test', role: 'analyst' },
  capabilities: ['session.read', 'session.claim', 'session.decide'],
};

function renderForm(session: SessionDetail, decide: ReviewApi['decide'], onDecided = vi.fn()) {
  function Stateful() {
    const [draft, setDraft] = useState<DecisionDraft>(emptyDraft);
    return (
      <DecisionForm
        session={session}
        reasons={reasons}
        reasonsError={null}
        draft={draft}
        onDraftChange={setDraft}
        onDecided={onDecided}
        onConflict={() => {}}
      />
    );
  }
  const router = createMemoryRouter([{ id: rootRouteId, path: '/', loader: () => analyst, element: <Stateful /> }]);
  render(
    <ReviewApiProvider api={fakeApi({ decide })}>
      <RouterProvider router={router} />
    </ReviewApiProvider>,
  );
  return onDecided;
}

const inReview = (overrides: Partial<SessionDetail> = {}) =>
  sessionDetail({
    allowed: { claim: false, release: true, decide: ['Approved', 'Declined', 'Resubmitted'], note: true },
    ...overrides,
  });

describe('asking the user to try again from the decision form', () => {
  it('sends Resubmitted with its reason and, when ticked, the email address', async () => {
    const session = inReview();
    const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve(session));
    const onDecided = renderForm(session, decide);
    fireEvent.click(await screen.findByRole('button', { name: /Ask to try again/ }));
    expect(screen.getByRole('button', { name: /Ask to try again/ }).getAttribute('aria-keyshortcuts')).toBe('r');
    const reasonList = screen.getByRole('group', { name: 'Reason' });
    fireEvent.click(within(reasonList).getByLabelText(/Poor lighting or blur/));
    fireEvent.click(screen.getByLabelText(/Email the user/));
    // Ticked without an address: nothing is sent.
    fireEvent.click(screen.getByRole('button', { name: 'Ask the user to try again' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('email address'));
    expect(decide).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText(/Email address/), { target: { value: 'person@example.org' } });
    fireEvent.click(screen.getByRole('button', { name: 'Ask the user to try again' }));
    await waitFor(() => expect(onDecided).toHaveBeenCalledWith(session, 'Resubmitted'));
    expect(decide).toHaveBeenCalledWith(session.id, {
      decision: 'Resubmitted',
      reason: 'poor_lighting',
      note: undefined,
      expectedVersion: session.version,
      sendEmail: true,
      emailAddress: 'person@example.org',
    });
  });

  it('sends no email fields when the box is not ticked, and offers no third choice outside In Review', async () => {
    const session = inReview();
    const decide = vi.fn<ReviewApi['decide']>(() => Promise.resolve(session));
    renderForm(session, decide);
    fireEvent.click(await screen.findByRole('button', { name: /Ask to try again/ }));
    fireEvent.click(screen.getByLabelText(/Another attempt needed/));
    fireEvent.click(screen.getByRole('button', { name: 'Ask the user to try again' }));
    await waitFor(() => expect(decide).toHaveBeenCalledTimes(1));
    expect(decide.mock.calls[0]?.[1]).not.toHaveProperty('sendEmail');
    cleanup();
    renderForm(
      sessionDetail({ status: 'Declined', allowed: { claim: false, release: false, decide: ['Approved'], note: true } }),
      decide,
    );
    expect(await screen.findByRole('button', { name: /Approve/ })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Ask to try again/ })).toBeNull();
  });
});

describe('the previous attempt on the session page', () => {
  const previousAttempt = {
    requestedAt: '2026-01-01T10:00:00.000Z',
    requestedBy: 'analyst@example.test',
    reason: 'poor_lighting',
    reasonLabel: 'Poor lighting or blur',
    livenessStatus: 'In Review',
    faceMatchStatus: 'In Review',
    livenessScore: 58,
    faceMatchScore: 60,
    livenessMethod: 'PASSIVE',
    warnings: [{ feature: 'FACEMATCH', risk: 'LOW_FACE_MATCH_SIMILARITY' }],
  };

  it('sets the new attempt against the previous one', () => {
    render(
      <AttemptCompare
        session={sessionDetail({ status: 'Approved', livenessScore: 93, faceMatchScore: 91, warnings: [], previousAttempt })}
      />,
    );
    const table = screen.getByRole('table');
    expect(screen.getByRole('heading', { name: 'Previous attempt vs this attempt' })).toBeTruthy();
    const liveness = within(table).getByRole('row', { name: /Liveness score/ });
    expect(liveness.textContent).toContain('58');
    expect(liveness.textContent).toContain('93');
    expect(liveness.textContent).toContain('+35');
    expect(within(table).getByRole('row', { name: /Warnings/ }).textContent).toContain('gone: LOW_FACE_MATCH_SIMILARITY');
  });

  it('says the new attempt is awaited while the session is Resubmitted', () => {
    render(<AttemptCompare session={sessionDetail({ status: 'Resubmitted', pushState: 'confirmed', previousAttempt })} />);
    expect(screen.getByText(/Awaiting the new attempt/)).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('names the warnings that went away and the new ones', () => {
    expect(describeRiskChange(new Set(['A', 'B']), new Set(['B', 'C']))).toBe('gone: A; new: C');
    expect(describeRiskChange(new Set(['A']), new Set(['A']))).toBe('same');
  });
});

describe('the audit summary of a resubmission request', () => {
  it('says whether Didit emails the user, never to whom', () => {
    expect(
      summarizeAuditDetails('session.resubmission_requested', {
        reason: 'poor_lighting',
        nodes: ['feature_liveness'],
        emailSent: true,
        emailLanguage: 'fr',
        reviewEventId: 12,
      }),
    ).toBe(
      'asked the user to try again · reason poor_lighting · steps feature_liveness · emailed by Didit (fr) · review event 12',
    );
    expect(
      summarizeAuditDetails('session.resubmission_requested', { reason: 'other_attempt', emailSent: false, reviewEventId: 13 }),
    ).toBe('asked the user to try again · reason other_attempt · no email · review event 13');
  });
});
