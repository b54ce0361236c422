import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Modal } from './Modal.tsx';

afterEach(cleanup);

function Choice({ onCancel = () => undefined, checked }: { onCancel?: () => void; checked?: string }) {
  return (
    <Modal title="Pick one" onCancel={onCancel} closeKeys={['Escape', '?']}>
      {['a', 'b', 'c'].map((value) => (
        <label key={value}>
          <input type="radio" name="pick" value={value} defaultChecked={value === checked} />
          {value}
        </label>
      ))}
      <button type="button">Done</button>
    </Modal>
  );
}

describe('modal', () => {
  it('starts on its first Tab stop, and counts a group of radio buttons as one stop, the checked one', () => {
    render(<Choice checked="b" />);
    const dialog = screen.getByRole('dialog', { name: 'Pick one' });
    expect(dialog.hasAttribute('aria-describedby')).toBe(false);
    const [, b] = screen.getAllByRole('radio');
    const done = screen.getByRole('button', { name: 'Done' });
    expect(document.activeElement).toBe(b);
    fireEvent.keyDown(b!, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(done);
    fireEvent.keyDown(done, { key: 'Tab' });
    expect(document.activeElement).toBe(b);
  });

  it('takes the first radio button of a group with none checked as its stop', () => {
    render(<Choice />);
    const [a] = screen.getAllByRole('radio');
    expect(document.activeElement).toBe(a);
    fireEvent.keyDown(a!, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Done' }));
  });

  it('cancels on each of its close keys and not on others', () => {
    const onCancel = vi.fn();
    render(<Choice onCancel={onCancel} />);
    fireEvent.keyDown(document.body, { key: 'x' });
    expect(onCancel).not.toHaveBeenCalled();
    fireEvent.keyDown(document.body, { key: '?' });
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(2);
  });
});
