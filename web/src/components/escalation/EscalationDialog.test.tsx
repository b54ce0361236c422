import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client.ts';
import type { EscalationApi } from '../../api/escalation.ts';
import { sessionDetail } from '../session/fixtures.ts';
import { EscalationDialog } from './EscalationDialog.tsx';
import { EscalationPanel } from './EscalationPanel.tsx';

afterEach(cleanup);

const note = () => screen.getByRole('textbox', { name: /What should a lead look at/ });
const sendButton = () => screen.getByRole('button', { name: 'Escalate' });

describe('escalation dialog', () => {
  it('starts in the note and refuses to send an empty or blank one', () => {
    const onSubmit = vi.fn(() => Promise.resolve());
    render(<EscalationDialog mode="escalate" onSubmit={onSubmit} onCancel={() => undefined} />);
    expect(screen.getByRole('dialog', { name: 'Escalate to a lead' })).toBeTruthy();
    expect(document.activeElement).toBe(note());
    expect(note().getAttribute('maxLength')).toBe('2000');
    expect((sendButton() as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(note(), { target: { value: '   \n ' } });
    expect((sendButton() as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(note(), { key: 'Enter', ctrlKey: true });
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('sends the note trimmed, with the button or Ctrl Enter', async () => {
    const onSubmit = vi.fn(() => Promise.resolve());
    render(<EscalationDialog mode="escalate" onSubmit={onSubmit} onCancel={() => undefined} />);
    fireEvent.change(note(), { target: { value: '  Portrait looks older.\nPlease check.  ' } });
    fireEvent.keyDown(note(), { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(onSubmit).toHaveBeenCalledWith('Portrait looks older.\nPlease check.'));
    expect(screen.getByRole('button', { name: 'Escalating…' })).toBeTruthy();
  });

  it('keeps the dialog open with the reason when sending fails, and cancels with Esc', async () => {
    const onCancel = vi.fn();
    render(
      <EscalationDialog
        mode="escalate"
        onSubmit={() => Promise.reject(new Error('Database unavailable.'))}
        onCancel={onCancel}
      />,
    );
    fireEvent.change(note(), { target: { value: 'Looks odd' } });
    fireEvent.click(sendButton());
    expect((await screen.findByRole('alert')).textContent).toBe('Database unavailable.');
    expect((note() as HTMLTextAreaElement).value).toBe('Looks odd');
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalled();
  });

  it('asks a lead for a note for the analysts when returning a session', () => {
    render(<EscalationDialog mode="return" onSubmit={() => Promise.resolve()} onCancel={() => undefined} />);
    expect(screen.getByRole('dialog', { name: 'Return to the analysts’ queue' })).toBeTruthy();
    expect(screen.getByRole('textbox', { name: /Note for the analysts/ })).toBeTruthy();
  });
});

describe('escalation on the session page', () => {
  const fakeApi = (overrides: Partial<EscalationApi> = {}): EscalationApi => ({
    escalate: () => Promise.reject(new Error('not expected')),
    deEscalate: () => Promise.reject(new Error('not expected')),
    ...overrides,
  });

  it('opens the dialog with e, escalates with the version seen, and hands the answer to the page', async () => {
    const session = sessionDetail({
      version: 3,
      allowed: { claim: false, release: true, decide: [], note: true, escalate: true },
    });
    const escalated = {
      ...session,
      version: 4,
      escalation: { at: '2026-11-30T10:00:00.000Z', by: 'analyst@example.test', note: 'Odd' },
    };
    const escalate = vi.fn<EscalationApi['escalate']>(() => Promise.resolve(escalated));
    const onChange = vi.fn();
    const onDialogChange = vi.fn();
    render(
      <EscalationPanel
        session={session}
        onChange={onChange}
        say={() => undefined}
        shortcutsEnabled
        onDialogChange={onDialogChange}
        api={fakeApi({ escalate })}
      />,
    );
    expect(screen.getByRole('button', { name: /Escalate to a lead/ }).getAttribute('aria-keyshortcuts')).toBe('e');
    fireEvent.keyDown(window, { key: 'e' });
    expect(onDialogChange).toHaveBeenLastCalledWith(true);
    fireEvent.change(note(), { target: { value: 'Odd' } });
    fireEvent.click(sendButton());
    await waitFor(() => expect(onChange).toHaveBeenCalledWith(escalated, expect.stringMatching(/^Escalated to a lead/)));
    expect(escalate).toHaveBeenCalledWith(session.id, { note: 'Odd', expectedVersion: 3 });
    expect(onDialogChange).toHaveBeenLastCalledWith(false);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says so when e is pressed on a session the user cannot escalate', () => {
    const say = vi.fn();
    render(
      <EscalationPanel
        session={sessionDetail({ allowed: { claim: false, release: false, decide: [], note: false, escalate: false } })}
        onChange={() => undefined}
        say={say}
        shortcutsEnabled
        api={fakeApi()}
      />,
    );
    expect(screen.queryByRole('button', { name: /Escalate/ })).toBeNull();
    fireEvent.keyDown(window, { key: 'e' });
    expect(say).toHaveBeenCalledWith('You cannot escalate this session now.');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows the escalation as text, and offers a lead "Return to queue" with a note', async () => {
    const note = '<b>Check</b> the portrait\nsecond line';
    const session = sessionDetail({
      version: 5,
      escalation: { at: '2026-11-30T10:00:00.000Z', by: 'analyst@example.test', note },
      allowed: { claim: true, release: false, decide: ['Approved', 'Declined'], note: true, escalate: false, deEscalate: true },
    });
    const deEscalate = vi.fn<EscalationApi['deEscalate']>(() => Promise.resolve({ ...session, escalation: null }));
    const onChange = vi.fn();
    render(
      <EscalationPanel
        session={session}
        onChange={onChange}
        say={() => undefined}
        shortcutsEnabled
        api={fakeApi({ deEscalate })}
      />,
    );
    const banner = screen.getByRole('region', { name: 'Escalated to a lead' });
    expect(banner.textContent).toContain('analyst@example.test');
    expect(banner.querySelector('b')).toBeNull();
    expect(screen.getByText((_, element) => element?.tagName === 'P' && element.textContent === note)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Return to queue' }));
    fireEvent.change(screen.getByRole('textbox', { name: /Note for the analysts/ }), { target: { value: 'Same person.' } });
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Return to queue' }));
    await waitFor(() => expect(deEscalate).toHaveBeenCalledWith(session.id, { note: 'Same person.', expectedVersion: 5 }));
    expect(onChange).toHaveBeenCalledWith({ ...session, escalation: null }, 'Returned to the analysts’ queue.');
  });

  it('tells others who may act on an escalated session, and shows the fresh state after a conflict', async () => {
    const session = sessionDetail({
      escalation: { at: '2026-11-30T10:00:00.000Z', by: 'analyst@example.test', note: null },
      allowed: { claim: false, release: false, decide: [], note: true, escalate: false, deEscalate: false },
    });
    const { unmount } = render(
      <EscalationPanel session={session} onChange={() => undefined} say={() => undefined} shortcutsEnabled api={fakeApi()} />,
    );
    expect(screen.getByText('Only leads and admins can claim and decide it now.')).toBeTruthy();
    expect(screen.getByText(/note was removed/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Return to queue' })).toBeNull();
    unmount();

    const open = sessionDetail({ allowed: { claim: false, release: true, decide: [], note: true, escalate: true } });
    const fresh = { ...open, version: open.version + 1, escalation: session.escalation };
    const onChange = vi.fn();
    const escalate = vi.fn<EscalationApi['escalate']>(() =>
      Promise.reject(
        new ApiError(409, 'conflict', 'This session is already escalated to a lead.', {
          reason: 'already_escalated',
          session: fresh,
        }),
      ),
    );
    render(
      <EscalationPanel session={open} onChange={onChange} say={() => undefined} shortcutsEnabled api={fakeApi({ escalate })} />,
    );
    fireEvent.click(screen.getByRole('button', { name: /Escalate to a lead/ }));
    fireEvent.change(note(), { target: { value: 'Odd' } });
    fireEvent.click(sendButton());
    await waitFor(() => expect(onChange).toHaveBeenCalledWith(fresh, 'Not done: This session is already escalated to a lead.'));
  });
});
