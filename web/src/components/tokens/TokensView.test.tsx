import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiTokenView } from '../../../../server/contract/auth.ts';
import { ApiError } from '../../api/client.ts';
import type { TokensApi } from './tokens-api.ts';
import { TokensView } from './TokensView.tsx';
import { renderWithQuery } from '../../test/render-with-query.tsx';

const live: ApiTokenView = {
  id: '0b7f2c1e-9a8d-4c3b-8e7f-6a5b4c3d2e1f',
  name: 'ci',
  role: 'analyst',
  prefix: 'rct_ab12',
  createdBy: 'admin@example.test',
  createdAt: '2025-03-01T09:00:00.000Z',
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
};
const other: ApiTokenView = { ...live, id: '1c8e3d2f-0b9e-4d4c-9f80-7b6c5d4e3f20', name: 'nightly-export', prefix: 'rct_cd34' };
const revoked: ApiTokenView = {
  ...live,
  id: '2d9f4e30-1caf-4e5d-a091-8c7d6e5f4031',
  name: 'old-script',
  revokedAt: '2025-03-02T09:00:00.000Z',
};

/** A fake server: revoking removes the token from the live list. */
function fakeApi(overrides: Partial<TokensApi> = {}) {
  let tokens = [live, other];
  const api = {
    list: vi.fn<TokensApi['list']>((includeRevoked) => Promise.resolve(includeRevoked ? [...tokens, revoked] : tokens)),
    create: vi.fn<TokensApi['create']>((body) =>
      Promise.resolve({ token: 'rct_secret_once_9f8e7d', record: { ...live, id: 'new', name: body.name, role: body.role } }),
    ),
    revoke: vi.fn<TokensApi['revoke']>((id) => {
      tokens = tokens.filter((token) => token.id !== id);
      return Promise.resolve({ ...live, id, revokedAt: new Date().toISOString() });
    }),
    ...overrides,
  };
  return api;
}

// The page never uses the browser's own dialogs: each test fails if one is called.
const browserDialogs = { confirm: vi.fn(() => true), alert: vi.fn(), prompt: vi.fn(() => null) };
beforeEach(() => {
  for (const [name, fake] of Object.entries(browserDialogs)) {
    fake.mockClear();
    Object.defineProperty(window, name, { value: fake, configurable: true, writable: true });
  }
});
afterEach(() => {
  for (const fake of Object.values(browserDialogs)) expect(fake).not.toHaveBeenCalled();
  cleanup();
  Reflect.deleteProperty(navigator, 'clipboard');
});

function setClipboard(clipboard: unknown) {
  Object.defineProperty(navigator, 'clipboard', { value: clipboard, configurable: true });
}

async function createToken(api: TokensApi) {
  renderWithQuery(<TokensView api={api} />);
  await screen.findByRole('table', { name: 'API tokens' });
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'deploy-bot' } });
  fireEvent.submit(screen.getByRole('form', { name: 'Create a token' }));
  await screen.findByRole('heading', { name: 'Token “deploy-bot” created' });
}

describe('the one-time token', () => {
  it('copies to the clipboard and says so', async () => {
    const writeText = vi.fn<(text: string) => Promise<void>>(() => Promise.resolve());
    setClipboard({ writeText });
    await createToken(fakeApi());
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Token “deploy-bot” created' }));
    expect(screen.getByRole('status').textContent).toBe('');

    fireEvent.click(screen.getByRole('button', { name: 'Copy token' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('✓ Copied'));
    expect(writeText).toHaveBeenCalledWith('rct_secret_once_9f8e7d');
  });

  it('when the clipboard refuses, selects the token and says how to copy it by hand', async () => {
    setClipboard({ writeText: vi.fn(() => Promise.reject(new DOMException('denied', 'NotAllowedError'))) });
    await createToken(fakeApi());
    fireEvent.click(screen.getByRole('button', { name: 'Copy token' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/clipboard is not available.*Ctrl\+C/));
    expect(screen.getByRole('status').textContent).not.toMatch(/Copied/);
    expect(window.getSelection()?.toString()).toBe('rct_secret_once_9f8e7d');
  });

  it('falls back the same way where there is no Clipboard API at all', async () => {
    setClipboard(undefined);
    await createToken(fakeApi());
    fireEvent.click(screen.getByRole('button', { name: 'Copy token' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/clipboard is not available/));
  });
});

describe('revoking a token', () => {
  async function openRevokeDialog(api: TokensApi) {
    renderWithQuery(<TokensView api={api} />);
    const button = await screen.findByRole('button', { name: 'Revoke ci' });
    button.focus();
    fireEvent.click(button);
    const dialog = screen.getByRole('dialog', { name: 'Revoke token “ci”?' });
    return { button, dialog };
  }

  it('asks in an in-page dialog that names the token, with focus moved into it', async () => {
    const { dialog } = await openRevokeDialog(fakeApi());
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(within(dialog).getByText(/Anything using “ci” \(analyst,/)).toBeTruthy();
    expect(within(dialog).getByText('rct_ab12…')).toBeTruthy();
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
  });

  it('revokes on confirm, reloads the list and says what happened', async () => {
    const api = fakeApi();
    const { dialog } = await openRevokeDialog(api);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.revoke).toHaveBeenCalledExactlyOnceWith(live.id);
    expect(screen.queryByRole('button', { name: 'Revoke ci' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Revoke nightly-export' })).toBeTruthy();
    const notice = screen.getByRole('status');
    expect(notice.textContent).toMatch(/Token “ci” revoked/);
    expect(document.activeElement).toBe(notice);
  });

  it('cancels with the Cancel button and returns focus to the Revoke button', async () => {
    const api = fakeApi();
    const { button, dialog } = await openRevokeDialog(api);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.revoke).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(button);
  });

  it('cancels with Esc and returns focus to the Revoke button', async () => {
    const api = fakeApi();
    const { button } = await openRevokeDialog(api);
    fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.revoke).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(button);
  });

  it('keeps the dialog open with the server’s refusal when revoking fails', async () => {
    const api = fakeApi({
      revoke: vi.fn<TokensApi['revoke']>(() => Promise.reject(new ApiError(404, 'not_found', 'No live token with id x.'))),
    });
    const { dialog } = await openRevokeDialog(api);
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
      await Promise.resolve();
    });
    expect((await within(dialog).findByRole('alert')).textContent).toBe('No live token with id x.');
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByRole('button', { name: 'Revoke token' })).toHaveProperty('disabled', false);
  });
});

describe('a token linked from the audit trail', () => {
  it('is marked in the list', async () => {
    renderWithQuery(<TokensView api={fakeApi()} highlightId={other.id} />);
    const row = (await screen.findByText('nightly-export', { selector: 'td' })).closest('tr');
    expect(row?.getAttribute('aria-current')).toBe('true');
    expect(within(row as HTMLElement).getByText('linked')).toBeTruthy();
    expect(screen.getByText('ci', { selector: 'td' }).closest('tr')?.getAttribute('aria-current')).toBeNull();
  });

  it('shows revoked tokens when the linked one is no longer live', async () => {
    const api = fakeApi();
    renderWithQuery(<TokensView api={api} highlightId={revoked.id} />);
    const row = (await screen.findByText('old-script', { selector: 'td' })).closest('tr');
    expect(row?.getAttribute('aria-current')).toBe('true');
    expect(api.list).toHaveBeenLastCalledWith(true, expect.any(AbortSignal));
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: /Show revoked tokens/ }).checked).toBe(true);
  });
});
