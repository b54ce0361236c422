import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ThresholdEditorApi } from '../../api/thresholds.ts';
import { histogram, simulation, thresholdVersion, workflowDetail } from './fixtures.ts';
import { ThresholdEditor } from './ThresholdEditor.tsx';

afterEach(cleanup);

function fakeEditorApi() {
  return {
    getScoreDistribution: vi.fn<ThresholdEditorApi['getScoreDistribution']>(() => Promise.resolve(histogram)),
    simulateThresholds: vi.fn<ThresholdEditorApi['simulateThresholds']>((_id, thresholds) =>
      Promise.resolve(simulation(thresholds)),
    ),
    proposeThresholds: vi.fn<ThresholdEditorApi['proposeThresholds']>((_id, thresholds, reason) =>
      Promise.resolve(thresholdVersion({ version: 2, state: 'proposed', thresholds, reason, diditVersion: null })),
    ),
  };
}

function renderEditor(api = fakeEditorApi()) {
  const onProposed = vi.fn();
  render(
    <MemoryRouter>
      <ThresholdEditor workflow={workflowDetail()} canPropose onProposed={onProposed} api={api} />
    </MemoryRouter>,
  );
  return { api, onProposed };
}

const box = (name: string) => screen.getByRole<HTMLInputElement>('spinbutton', { name });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('threshold editor', () => {
  it('steps every threshold slider and box by 1, as Didit takes whole numbers', () => {
    renderEditor();
    const sliders = screen.getAllByRole<HTMLInputElement>('slider');
    const boxes = screen.getAllByRole<HTMLInputElement>('spinbutton');
    expect(sliders).toHaveLength(4);
    expect(boxes).toHaveLength(4);
    for (const input of [...sliders, ...boxes]) expect(input.getAttribute('step')).toBe('1');
  });

  it('refuses 70.5 with the contract message, and sends neither a simulation nor a proposal', async () => {
    const { api } = renderEditor();
    // The current thresholds are simulated once, as whole numbers.
    await waitFor(() => expect(api.simulateThresholds).toHaveBeenCalledTimes(1));
    fireEvent.change(screen.getByLabelText('Reason (required)'), { target: { value: 'Fewer reviews on weekends' } });

    fireEvent.change(box('Liveness review'), { target: { value: '70.5' } });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Liveness review: must be a whole number');
    expect(box('Liveness review').value).toBe('70.5');
    expect(box('Liveness review').getAttribute('aria-invalid')).toBe('true');
    expect(box('Liveness review').getAttribute('aria-describedby')).toBe(alert.id);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Propose version' }).disabled).toBe(true);
    // Past the simulation's debounce: still nothing sent.
    await pause(400);
    expect(api.simulateThresholds).toHaveBeenCalledTimes(1);
    expect(api.proposeThresholds).not.toHaveBeenCalled();

    fireEvent.change(box('Liveness review'), { target: { value: '72' } });
    await waitFor(() => expect(api.simulateThresholds).toHaveBeenCalledTimes(2));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(box('Liveness review').getAttribute('aria-invalid')).toBeNull();
    expect(api.simulateThresholds.mock.calls[1]?.[1]).toEqual({
      livenessReview: 72,
      livenessDecline: 50,
      faceMatchReview: 80,
      faceMatchDecline: 60,
    });
  });

  it('moves the box with the slider in whole steps and proposes whole numbers only', async () => {
    const { api, onProposed } = renderEditor();
    fireEvent.change(screen.getByRole('slider', { name: 'Face-match decline (slider)' }), { target: { value: '65' } });
    expect(box('Face-match decline').value).toBe('65');
    fireEvent.change(screen.getByLabelText('Reason (required)'), { target: { value: 'Tighter face match' } });
    fireEvent.click(screen.getByRole('button', { name: 'Propose version' }));
    await waitFor(() => expect(onProposed).toHaveBeenCalled());
    expect(api.proposeThresholds).toHaveBeenCalledWith(
      'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 65 },
      'Tighter face match',
    );
    for (const [, thresholds] of api.simulateThresholds.mock.calls) {
      expect(Object.values(thresholds).every((value) => value === null || Number.isInteger(value))).toBe(true);
    }
  });

  it('says an emptied box needs a number instead of treating it as 0', async () => {
    renderEditor();
    fireEvent.change(box('Liveness decline'), { target: { value: '' } });
    expect((await screen.findByRole('alert')).textContent).toBe('Liveness decline: enter a whole number from 0 to 100');
  });
});
