import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ScoreHistogram } from './ScoreHistogram.tsx';
import { checkThresholds, draftsFrom } from './threshold-form.ts';

afterEach(cleanup);

const bins = (filled: Record<number, number>) => Array.from({ length: 50 }, (_, i) => filled[i] ?? 0);

describe('threshold editor pieces', () => {
  it('checks drafts with the contract: decline above review, outside 0–100, fractions, empty boxes', () => {
    const valid = draftsFrom({ livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 });
    expect(checkThresholds(valid)).toEqual({
      ok: true,
      value: { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 },
    });
    const texts = (drafts: Parameters<typeof checkThresholds>[0]) => {
      const check = checkThresholds(drafts);
      return check.ok ? [] : check.problems.map((p) => p.text);
    };
    expect(texts({ ...valid, livenessDecline: '71' })).toEqual([
      'Liveness decline: the decline threshold must be at or below the review threshold',
    ]);
    expect(texts({ ...valid, livenessReview: '70.5' })).toEqual(['Liveness review: must be a whole number']);
    expect(texts({ ...valid, livenessReview: '101', faceMatchDecline: '81' })).toEqual([
      'Liveness review: must be between 0 and 100',
      'Face-match decline: the decline threshold must be at or below the review threshold',
    ]);
    expect(texts({ ...valid, faceMatchReview: '' })).toEqual(['Face-match review: enter a whole number from 0 to 100']);
    // A liveness-only workflow has no face-match pair.
    expect(checkThresholds({ ...valid, faceMatchReview: null, faceMatchDecline: null }).ok).toBe(true);
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
