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

  it('marks the results stale while a box is invalid, naming the thresholds they are for, and clears it once valid', async () => {
    const { api } = renderEditor();
    const results = await screen.findByTestId('simulation-results');
    expect(results.getAttribute('data-stale')).toBe('false');
    expect(screen.getByRole('status').textContent).toBe('');

    // Decline above review: the numbers still shown are those of 70/50 · 80/60.
    fireEvent.change(box('Face-match decline'), { target: { value: '85' } });
    expect(screen.getByTestId('simulation-results').getAttribute('data-stale')).toBe('true');
    expect(screen.getByRole('status').textContent).toBe(
      'Results for the last valid thresholds (70/50 · 80/60); fix the highlighted value to update.',
    );
    expect(screen.getByTestId('simulation-results').className).toMatch(/stale/);
    expect(screen.getByRole('table', { name: 'Transition matrix' }).closest('[class*="staleBody"]')).not.toBeNull();
    expect(box('Face-match decline').getAttribute('aria-invalid')).toBe('true');

    // A valid value: the mark goes at once and the new thresholds are simulated.
    fireEvent.change(box('Face-match decline'), { target: { value: '65' } });
    expect(screen.getByTestId('simulation-results').getAttribute('data-stale')).toBe('false');
    expect(screen.getByRole('status').textContent).toBe('');
    expect(screen.getByRole('table', { name: 'Transition matrix' }).closest('[class*="staleBody"]')).toBeNull();
    await waitFor(() => expect(api.simulateThresholds).toHaveBeenCalledTimes(2));

    // Out of range after a valid change: the note names the last valid set, 80/65 now.
    await waitFor(() => expect(screen.getByText(/Reviews per day/)).toBeTruthy());
    fireEvent.change(box('Liveness review'), { target: { value: '101' } });
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe(
        'Results for the last valid thresholds (70/50 · 80/65); fix the highlighted value to update.',
      ),
    );
  });

  it('labels the current and proposed lines on the plots, titles the axes, and keeps the descriptions in step', async () => {
    renderEditor();
    const plot = await screen.findByRole('img', { name: /^Face-match scores/ });
    const labels = () => [...plot.querySelectorAll('text[data-line-label]')].map((text) => text.textContent).sort();
    expect(labels()).toEqual(['decline 60, unchanged', 'review 80, unchanged']);
    expect(plot.querySelector('text[data-axis="x"]')?.textContent).toBe('Face-match score (0–100)');
    expect(plot.querySelector('text[data-axis="y"]')?.textContent).toBe('Sessions per 2-point bin');
    const liveness = screen.getByRole('img', { name: /^Liveness scores/ });
    expect(liveness.querySelector('text[data-axis="x"]')?.textContent).toBe('Liveness score (0–100)');

    fireEvent.change(box('Face-match review'), { target: { value: '85' } });
    expect(labels()).toEqual(['current review 80', 'decline 60, unchanged', 'proposed review 85']);
    expect(plot.querySelector('desc')?.textContent).toMatch(
      /current review at 80; current decline at 60; proposed review at 85; proposed decline at 60\.$/,
    );

    // A value the server would refuse has no proposed line or label; the current one stays.
    fireEvent.change(box('Face-match review'), { target: { value: '85.5' } });
    expect(labels()).toEqual(['current review 80', 'decline 60, unchanged']);
    expect(plot.querySelector('desc')?.textContent).toMatch(/no valid proposed review/);
  });
});
