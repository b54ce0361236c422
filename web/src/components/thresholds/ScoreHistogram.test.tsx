import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ScoreHistogram } from './ScoreHistogram.tsx';
import { thresholdProblems } from './ThresholdEditor.tsx';

afterEach(cleanup);

const bins = (filled: Record<number, number>) => Array.from({ length: 50 }, (_, i) => filled[i] ?? 0);

describe('threshold editor pieces', () => {
  it('flags decline above review and values outside 0–100 before asking the server', () => {
    expect(thresholdProblems({ livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 })).toEqual([]);
    expect(thresholdProblems({ livenessReview: 70, livenessDecline: 71, faceMatchReview: null, faceMatchDecline: null })).toEqual(
      ['Liveness decline must be at or below liveness review'],
    );
    expect(
      thresholdProblems({ livenessReview: 101, livenessDecline: 50, faceMatchReview: 60, faceMatchDecline: 61 }),
    ).toHaveLength(2);
  });

  it('draws one bar segment per outcome and bin, and names the threshold lines for screen readers', () => {
    const { container } = render(
      <ScoreHistogram
        title="Face-match scores"
        binWidth={2}
        series={{
          approved: bins({ 45: 3 }),
          in_review: bins({ 30: 1 }),
          declined_analyst: bins({ 30: 2 }),
          declined_auto: bins({}),
        }}
        lines={[
          { value: 70, label: 'current review', dashed: true },
          { value: 80, label: 'proposed review' },
        ]}
      />,
    );
    expect(screen.getByRole('img', { name: /Face-match scores/ })).toBeTruthy();
    expect(container.querySelectorAll('rect')).toHaveLength(3);
    expect(container.querySelector('desc')?.textContent).toBe('6 sessions. current review at 70; proposed review at 80.');
    expect(container.querySelectorAll('line[stroke-dasharray]')).toHaveLength(1);
  });
});
