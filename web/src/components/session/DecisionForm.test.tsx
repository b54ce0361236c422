import { cleanup, render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { MeResponse } from '../../../../server/contract/auth.ts';
import { rootRouteId } from '../auth/me.ts';
import { ReviewApiProvider } from '../../hooks/use-review-api.tsx';
import { DecisionForm, emptyDraft } from './DecisionForm.tsx';
import { fakeApi, reasons, sessionDetail } from './fixtures.ts';

afterEach(cleanup);

function renderAs(me: MeResponse, session = sessionDetail()) {
  const form = (
    <DecisionForm
      session={session}
      reasons={reasons}
      reasonsError={null}
      draft={emptyDraft}
      onDraftChange={() => {}}
      onDecided={() => {}}
      onConflict={() => {}}
    />
  );
  const router = createMemoryRouter([{ id: rootRouteId, path: '/', loader: () => me, element: form }]);
  render(
    <ReviewApiProvider api={fakeApi()}>
      <RouterProvider router={router} />
    </ReviewApiProvider>,
  );
}

describe('the decision panel says why it offers no decision', () => {
  const claimedByOther = sessionDetail({
    claim: {
      userId: 'other',
      label: 'analyst2@example.test',
      claimedAt: '2026-01-01T10:00:00.000Z',
      expiresAt: '2026-01-01T10:15:00.000Z',
    },
    allowed: { claim: false, release: false, decide: [], note: false },
  });

  it('to a viewer: their role cannot decide, not that someone else is working', async () => {
    renderAs(
      { user: { kind: 'user', id: 'v', label: 'viewer@example.test', role: 'viewer' }, capabilities: ['session.read'] },
      claimedByOther,
    );
    expect(await screen.findByText('Your role can read this session but not decide it.')).toBeTruthy();
    expect(screen.queryByText(/is working on this session/)).toBeNull();
  });

  it('to the analyst whose approval is held for four eyes: that a second analyst confirms it', async () => {
    renderAs(
      {
        user: { kind: 'user', id: 'a', label: 'analyst@example.test', role: 'analyst' },
        capabilities: ['session.read', 'session.claim', 'session.decide'],
      },
      sessionDetail({ pushState: 'held', allowed: { claim: false, release: false, decide: [], note: true } }),
    );
    expect(await screen.findByText('Decided: a second analyst confirms it before it goes to Didit.')).toBeTruthy();
  });

  it('to an analyst: who is working on it', async () => {
    renderAs(
      {
        user: { kind: 'user', id: 'a', label: 'analyst@example.test', role: 'analyst' },
        capabilities: ['session.read', 'session.claim', 'session.decide'],
      },
      claimedByOther,
    );
    expect(await screen.findByText('analyst2@example.test is working on this session.')).toBeTruthy();
  });
});
