import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmDialog } from './ConfirmDialog.tsx';

afterEach(cleanup);

function Harness({ onConfirm = () => undefined }: { onConfirm?: () => Promise<void> | void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Delete widget
      </button>
      {open ? (
        <ConfirmDialog
          title="Delete widget “w1”?"
          confirmLabel="Delete"
          tone="danger"
          onConfirm={async () => {
            await onConfirm();
            setOpen(false);
          }}
          onCancel={() => setOpen(false)}
        >
          <p>It is gone for good.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function open() {
  const opener = screen.getByRole('button', { name: 'Delete widget' });
  opener.focus();
  fireEvent.click(opener);
  return { opener, dialog: screen.getByRole('dialog', { name: 'Delete widget “w1”?' }) };
}

describe('confirmation dialog', () => {
  it('is described by its body and keeps Tab inside it', () => {
    render(<Harness />);
    const { dialog } = open();
    expect(dialog.getAttribute('aria-describedby')).toBe(screen.getByText('It is gone for good.').parentElement?.id);
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    const confirm = screen.getByRole('button', { name: 'Delete' });
    expect(document.activeElement).toBe(cancel);
    confirm.focus();
    fireEvent.keyDown(confirm, { key: 'Tab' });
    expect(document.activeElement).toBe(cancel);
    fireEvent.keyDown(cancel, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(confirm);
  });

  it('cancels on a click outside it, not on a click inside it', () => {
    render(<Harness />);
    const { dialog, opener } = open();
    fireEvent.mouseDown(dialog);
    expect(screen.getByRole('dialog')).toBe(dialog);
    const backdrop = dialog.parentElement;
    if (backdrop) fireEvent.mouseDown(backdrop);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('ignores Esc while the confirmed action is running', async () => {
    let finish: () => void = () => undefined;
    const onConfirm = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    render(<Harness onConfirm={onConfirm} />);
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(await screen.findByRole('button', { name: 'Working…' })).toHaveProperty('disabled', true);
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(screen.getByRole('dialog')).toBeTruthy();
    finish();
    await screen.findByRole('button', { name: 'Delete widget' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onConfirm).toHaveBeenCalledOnce();
  });
});
