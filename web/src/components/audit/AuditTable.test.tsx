import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider, useLocation, useParams } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntryView } from '../../../../server/contract/audit.ts';
import { AuditTable } from './AuditTable.tsx';

afterEach(cleanup);

const sessionId = '7f1e5a56-64a4-4d2c-9d9f-0d3e0a4d6c11';
const tokenId = '0b7f2c1e-9a8d-4c3b-8e7f-6a5b4c3d2e1f';

let nextId = 1;
function entry(overrides: Partial<AuditEntryView>): AuditEntryView {
  return {
    id: nextId++,
    occurredAt: '2025-03-04T10:15:00.000Z',
    actorType: 'user',
    actorId: 'u1',
    actorLabel: 'lead@example.test',
    action: 'session.claimed',
    targetType: null,
    targetId: null,
    ip: '10.0.0.7',
    details: {},
    ...overrides,
  };
}

function Landed({ page }: { page: string }) {
  const { id } = useParams();
  const location = useLocation();
  return (
    <p>
      {page} {id ?? location.search}
    </p>
  );
}

function renderTable(entries: AuditEntryView[], { canManageTokens = true } = {}) {
  const router = createMemoryRouter(
    [
      { path: '/audit', element: <AuditTable entries={entries} canManageTokens={canManageTokens} /> },
      { path: '/sessions/:id', element: <Landed page="session" /> },
      { path: '/workflows/:id', element: <Landed page="workflow" /> },
      { path: '/admin/tokens', element: <Landed page="tokens" /> },
      { path: '/sync', element: <Landed page="sync" /> },
    ],
    { initialEntries: ['/audit'] },
  );
  render(<RouterProvider router={router} />);
  return router;
}

const rowOf = (action: string) => {
  const cell = screen.getByText(action, { selector: 'td' });
  const row = cell.closest('tr');
  if (!row) throw new Error(`no row for ${action}`);
  return row;
};

describe('audit table targets', () => {
  it('links each target to the page that shows it; unknown target types stay text', () => {
    renderTable([
      entry({ action: 'session.decided', targetType: 'session', targetId: sessionId }),
      entry({ action: 'threshold.applied', targetType: 'workflow', targetId: 'wf-liveness' }),
      entry({ action: 'token.revoked', targetType: 'api_token', targetId: tokenId }),
      entry({ action: 'webhook.replay', targetType: 'webhook_event', targetId: '981' }),
      entry({ action: 'auth.login', targetType: 'user', targetId: 'u-42' }),
      entry({ action: 'token.used', targetType: 'http', targetId: 'GET /api/me' }),
      entry({ action: 'auth.login_failed' }),
    ]);
    const link = (action: string) => within(rowOf(action)).getByRole('link');
    expect(link('session.decided').getAttribute('href')).toBe(`/sessions/${sessionId}`);
    expect(link('session.decided').textContent).toBe(sessionId);
    expect(link('threshold.applied').getAttribute('href')).toBe('/workflows/wf-liveness');
    expect(link('token.revoked').getAttribute('href')).toBe(`/admin/tokens?token=${tokenId}`);
    expect(link('webhook.replay').getAttribute('href')).toBe('/sync');

    for (const action of ['auth.login', 'token.used', 'auth.login_failed']) {
      expect(within(rowOf(action)).queryByRole('link')).toBeNull();
    }
    expect(within(rowOf('auth.login')).getByText('u-42')).toBeTruthy();
    expect(within(rowOf('token.used')).getByText('GET /api/me')).toBeTruthy();
  });

  it('opens the session a target names', async () => {
    renderTable([entry({ action: 'session.media_viewed', targetType: 'session', targetId: sessionId })]);
    fireEvent.click(screen.getByRole('link', { name: sessionId }));
    expect(await screen.findByText(`session ${sessionId}`)).toBeTruthy();
  });

  it('opens the tokens page on the token a target names', async () => {
    renderTable([entry({ action: 'token.created', targetType: 'api_token', targetId: tokenId })]);
    fireEvent.click(screen.getByRole('link', { name: tokenId }));
    expect(await screen.findByText(`tokens ?token=${tokenId}`)).toBeTruthy();
  });

  it('shows a token target as text to someone who cannot manage tokens', () => {
    renderTable([entry({ action: 'token.created', targetType: 'api_token', targetId: tokenId })], { canManageTokens: false });
    expect(screen.queryByRole('link')).toBeNull();
    expect(screen.getByText(tokenId)).toBeTruthy();
  });

  it('escapes ids in the link path', () => {
    renderTable([entry({ action: 'session.noted', targetType: 'session', targetId: 'a/b?c' })]);
    expect(screen.getByRole('link', { name: 'a/b?c' }).getAttribute('href')).toBe('/sessions/a%2Fb%3Fc');
  });
});

describe('audit table details', () => {
  it('reads as one line of text that opens onto every recorded field, never JSON or markup', () => {
    renderTable([
      entry({
        action: 'session.decided',
        targetType: 'session',
        targetId: sessionId,
        details: {
          decision: 'Declined',
          reason: 'different_person',
          override: true,
          fromStatus: 'Approved',
          reviewEventId: 41,
          withoutEvidence: ['selfie'],
        },
      }),
      entry({ action: 'vendor.surprise', details: { note: '<img src=x onerror=alert(1)>', nested: { deep: true } } }),
      entry({ action: 'session.claimed', targetType: 'session', targetId: sessionId }),
    ]);
    const decided = rowOf('session.decided');
    const summary = decided.querySelector('summary');
    expect(summary?.textContent).toBe('Declined · reason different_person · override of Approved · without images: selfie');
    const details = decided.querySelector('details');
    expect(details?.open).toBe(false);
    if (summary) fireEvent.click(summary);
    expect(details?.open).toBe(true);
    const list = decided.querySelector('dl');
    const pairs = [...(list?.querySelectorAll('div') ?? [])].map((pair) => [
      pair.querySelector('dt')?.textContent,
      pair.querySelector('dd')?.textContent,
    ]);
    expect(pairs).toEqual([
      ['decision', 'Declined'],
      ['reason', 'different_person'],
      ['override', 'yes'],
      ['from status', 'Approved'],
      ['review event id', '41'],
      ['without evidence', 'selfie'],
    ]);

    const surprise = rowOf('vendor.surprise');
    expect(surprise.querySelector('summary')?.textContent).toBe('note <img src=x onerror=alert(1)> · nested deep yes');
    expect(surprise.querySelector('img')).toBeNull();
    expect(surprise.textContent).not.toMatch(/[{}"]/);

    expect(within(rowOf('session.claimed')).getAllByText('—').length).toBeGreaterThan(0);
    expect(rowOf('session.claimed').querySelector('details')).toBeNull();
  });
});
