import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeclineAndBlockRequest, FaceBlockInfo, UnblockFaceRequest } from '../../../../server/contract/face-block.ts';
import type { SessionDetail } from '../../../../server/contract/review.ts';
import type { FaceBlockApi } from '../../api/face-block.ts';
import { summarizeAuditDetails } from '../audit/audit-details.ts';
import { FaceBlockPanel } from './FaceBlockPanel.tsx';
import { reasons, sessionDetail, uuid } from './fixtures.ts';

afterEach(cleanup);

const noActions = { declineAndBlock: false, unblock: false, retry: false };

function info(overrides: Partial<FaceBlockInfo> = {}): FaceBlockInfo {
  return { own: null, inBlocklist: false, matched: null, allowed: noActions, ...overrides };
}

function renderPanel(session: SessionDetail, onChange = vi.fn()) {
  const mocks = {
    declineAndBlock: vi.fn((_id: string, _body: DeclineAndBlockRequest) => Promise.resolve(session)),
    unblockFace: vi.fn((_id: string, _body: UnblockFaceRequest) => Promise.resolve(session)),
    retry: vi.fn((_id: string) => Promise.resolve(session)),
  };
  const api: FaceBlockApi = mocks;
  const router = createMemoryRouter(
    [{ path: '*', element: <FaceBlockPanel session={session} reasons={reasons} onChange={onChange} api={api} /> }],
    { initialEntries: ['/sessions/x'] },
  );
  render(<RouterProvider router={router} />);
  return { mocks, onChange };
}

describe('FaceBlockPanel', () => {
  it('declines and blocks only after the dialog has a reason and a note, at the version the analyst saw', async () => {
    const session = sessionDetail({ version: 4, faceBlock: info({ allowed: { ...noActions, declineAndBlock: true } }) });
    const { mocks, onChange } = renderPanel(session);
    fireEvent.click(screen.getByRole('button', { name: 'Decline and block this face' }));
    const dialog = screen.getByRole('dialog', { name: 'Decline and block this face?' });
    expect(dialog.textContent).toContain('FACE_IN_BLOCKLIST');
    const confirm = screen.getByRole('button', { name: 'Decline and block' });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    const code = reasons.Declined[0]!.code;
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: code } });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Note (required)'), { target: { value: '  Same stranger as last week.  ' } });
    fireEvent.click(confirm);
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(mocks.declineAndBlock).toHaveBeenCalledWith(session.id, {
      reason: code,
      note: 'Same stranger as last week.',
      expectedVersion: 4,
    });
  });

  it('shows a refused block with a retry, and the link back from a FACE_IN_BLOCKLIST session', () => {
    const blocked = uuid();
    renderPanel(
      sessionDetail({
        faceBlock: info({
          inBlocklist: true,
          matched: {
            sessionId: blocked,
            source: 'didit',
            block: {
              state: 'blocked',
              reasonLabel: 'Different person',
              blockedBy: 'analyst@example.test',
              blockedAt: '2026-12-03T10:00:00.000Z',
            },
          },
        }),
      }),
    );
    const link = screen.getByRole('link', { name: `session ${blocked.slice(0, 8)}` });
    expect(link.getAttribute('href')).toBe(`/sessions/${blocked}`);
    expect(screen.getByTestId('face-block-link').textContent).toMatch(/Face on the blocklist since .* by analyst@example\.test/);
  });

  it('offers a lead the unblock, which needs a note', async () => {
    const session = sessionDetail({
      faceBlock: info({
        own: {
          id: 3,
          state: 'blocked',
          failedAction: null,
          reason: 'different_person',
          reasonLabel: 'Different person',
          note: 'Stranger.',
          noteRemovedAt: null,
          blockedBy: 'analyst@example.test',
          blockedAt: '2026-12-03T10:00:00.000Z',
          confirmedAt: '2026-12-03T10:00:05.000Z',
          unblockedBy: null,
          unblockedAt: null,
          unblockNote: null,
          unblockConfirmedAt: null,
          pushAttempts: 1,
          pushError: null,
        },
        allowed: { ...noActions, unblock: true },
      }),
    });
    const { mocks } = renderPanel(session);
    expect(screen.getByText(/Didit confirmed the block/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Unblock face' }));
    expect(screen.getAllByRole('button', { name: 'Unblock face' })).toHaveLength(2);
    fireEvent.change(screen.getByLabelText('Why lift the block (required)'), { target: { value: 'Twin, verified.' } });
    fireEvent.click(screen.getAllByRole('button', { name: 'Unblock face' })[1]!);
    await waitFor(() => expect(mocks.unblockFace).toHaveBeenCalledWith(session.id, { note: 'Twin, verified.' }));
  });

  it('describes the audit entries in words', () => {
    expect(summarizeAuditDetails('session.face_blocked', { faceBlockId: 3, reviewEventId: 9, reason: 'different_person' })).toBe(
      'declined and face blocked · reason different_person · face block 3',
    );
    expect(summarizeAuditDetails('session.face_unblocked', { faceBlockId: 3 })).toBe('face unblocked · face block 3');
    expect(summarizeAuditDetails('session.face_block_pushed', { faceBlockId: 3, action: 'unblock' })).toBe(
      'unblock confirmed by Didit · face block 3',
    );
    expect(
      summarizeAuditDetails('session.face_block_push_failed', { faceBlockId: 3, action: 'block', error: 'Didit answered 404' }),
    ).toBe('Didit refused the block · Didit answered 404 · face block 3');
  });
});
