import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { layoutLineLabels, ScoreHistogram, type ThresholdPair } from './ScoreHistogram.tsx';
import { checkThresholds, draftsFrom, reasonProblem, rejectionNoteProblem } from './threshold-form.ts';

afterEach(cleanup);

const bins = (filled: Record<number, number>) => Array.from({ length: 50 }, (_, i) => filled[i] ?? 0);
const series = {
  approved: bins({ 45: 3 }),
  approved_analyst: bins({ 36: 2 }),
  in_review: bins({ 30: 1 }),
  declined_analyst: bins({ 30: 2 }),
  declined_auto: bins({}),
};

function renderHistogram(current: ThresholdPair, proposed: ThresholdPair) {
  return render(
    <ScoreHistogram
      title="Face-match scores"
      scoreLabel="Face-match score"
      binWidth={2}
      series={series}
      current={current}
      proposed={proposed}
    />,
  ).container;
}

const labelsOf = (container: HTMLElement) =>
  Object.fromEntries(
    [...container.querySelectorAll('text[data-line-label]')].map((text) => [
      text.textContent,
      { x: Number(text.getAttribute('x')), y: Number(text.getAttribute('y')), anchor: text.getAttribute('text-anchor') },
    ]),
  );

describe('threshold editor pieces', () => {
  it('checks drafts with the contract: decline above review, outside 0–100, fractions, empty boxes, the workflow', () => {
    const valid = draftsFrom({ livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 });
    expect(checkThresholds(valid, true)).toEqual({
      ok: true,
      value: { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 },
    });
    const texts = (drafts: Parameters<typeof checkThresholds>[0], hasFaceMatch = true) => {
      const check = checkThresholds(drafts, hasFaceMatch);
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
    // A liveness-only workflow has no face match pair.
    expect(checkThresholds({ ...valid, faceMatchReview: null, faceMatchDecline: null }, false).ok).toBe(true);
    expect(texts(valid, false)).toEqual(['Face-match review: the workflow is liveness only']);
    expect(texts({ ...valid, faceMatchReview: null, faceMatchDecline: null })).toEqual([
      'Face-match review: required for a face-match workflow',
    ]);
  });

  it("checks a proposal's reason and a rejection's note with the contract's rules", () => {
    expect(reasonProblem('  ab  ')).toBe('Say why (at least 3 characters).');
    expect(reasonProblem('Fewer reviews on weekends')).toBeNull();
    expect(reasonProblem('x'.repeat(2001))).not.toBeNull();
    expect(rejectionNoteProblem('no')).toBe('Say why it is rejected (at least 3 characters).');
    expect(rejectionNoteProblem('Too loose for face match')).toBeNull();
  });

  it('draws one bar segment per outcome and bin, and names the threshold lines for screen readers', () => {
    const container = renderHistogram({ review: 70, decline: 50 }, { review: 80, decline: null });
    expect(screen.getByRole('img', { name: /^Face-match scores/ })).toBeTruthy();
    expect(container.querySelectorAll('rect[data-outcome]')).toHaveLength(4);
    expect(container.querySelector('desc')?.textContent).toBe(
      '8 sessions in 2-point bins (3 approved automatically, 2 approved by an analyst, 1 still in review, ' +
        '2 declined by an analyst, 0 declined automatically). ' +
        'current review at 70; current decline at 50; proposed review at 80; no valid proposed decline.',
    );
    // Current lines dashed, proposed solid; nothing drawn for the invalid proposed decline.
    expect(container.querySelectorAll('line[stroke-dasharray]')).toHaveLength(2);
    expect(container.querySelectorAll('line[stroke-width]')).toHaveLength(3);
  });

  it('labels each line with its value, proposed apart from current, and says when a value is unchanged', () => {
    const container = renderHistogram({ review: 70, decline: 50 }, { review: 80, decline: 50 });
    const labels = labelsOf(container);
    expect(Object.keys(labels).sort()).toEqual(['current review 70', 'decline 50, unchanged', 'proposed review 80']);
    // Proposed in the text colour and bold; current muted, like its dashed line.
    const proposed = container.querySelector<SVGTextElement>('text[data-line-label="proposed-review"]');
    const current = container.querySelector<SVGTextElement>('text[data-line-label="current-review"]');
    expect(proposed?.getAttribute('font-weight')).toBe('600');
    expect(proposed?.style.fill).toBe('var(--color-text)');
    expect(current?.getAttribute('font-weight')).toBeNull();
    expect(current?.style.fill).toBe('var(--color-text-muted)');
    // The description follows the same values.
    expect(container.querySelector('desc')?.textContent).toMatch(
      /current review at 70; current decline at 50; proposed review at 80; proposed decline at 50\.$/,
    );
  });

  it('stacks labels of close lines in separate rows, and keeps far-apart ones on one row', () => {
    const close = labelsOf(renderHistogram({ review: 70, decline: 50 }, { review: 72, decline: 52 }));
    const ys = Object.values(close).map((label) => label.y);
    // 70 and 72 (both right of their lines) and 50 and 52 (both left) would overlap: two rows each.
    expect(close['current review 70']?.y).not.toBe(close['proposed review 72']?.y);
    expect(close['current decline 50']?.y).not.toBe(close['proposed decline 52']?.y);
    expect(new Set(ys).size).toBe(2);
    cleanup();

    const far = labelsOf(renderHistogram({ review: 70, decline: 20 }, { review: 70, decline: 20 }));
    expect(far['review 70, unchanged']?.y).toBe(far['decline 20, unchanged']?.y);
    // Decline labels sit left of their line, review labels right: they part rather than collide.
    expect(far['decline 20, unchanged']?.anchor).toBe('end');
    expect(far['review 70, unchanged']?.anchor).toBe('start');
  });

  it('never lets a line rise through another label on its way to its own, wherever the proposal moves', () => {
    const x = (score: number) => 44 + (score / 100) * 426;
    for (let review = 0; review <= 100; review += 2)
      for (let decline = 0; decline <= review; decline += 3) {
        const labels = layoutLineLabels({ review: 70, decline: 50 }, { review, decline });
        for (const upper of labels)
          for (const lower of labels)
            if (lower.row < upper.row) expect(x(upper.value) < lower.left || x(upper.value) > lower.right).toBe(true);
      }
  });

  it('keeps labels inside the plot at the edges and never lets two labels overlap', () => {
    for (const [current, proposed] of [
      [
        { review: 100, decline: 0 },
        { review: 99, decline: 1 },
      ],
      [
        { review: 70, decline: 69 },
        { review: 71, decline: 70 },
      ],
      [
        { review: 40, decline: 38 },
        { review: 41, decline: 39 },
      ],
    ] satisfies [ThresholdPair, ThresholdPair][]) {
      const labels = layoutLineLabels(current, proposed);
      expect(labels).toHaveLength(4);
      for (const label of labels) {
        expect(label.left).toBeGreaterThanOrEqual(0);
        expect(label.right).toBeLessThanOrEqual(480);
      }
      for (const a of labels)
        for (const b of labels) if (a !== b && a.row === b.row) expect(a.right <= b.left || b.right <= a.left).toBe(true);
    }
  });

  it('titles both axes with the score and the bin width', () => {
    const container = renderHistogram({ review: 70, decline: 50 }, { review: 70, decline: 50 });
    expect(container.querySelector('text[data-axis="x"]')?.textContent).toBe('Face-match score (0–100)');
    expect(container.querySelector('text[data-axis="y"]')?.textContent).toBe('Sessions per 2-point bin');
  });

  it('shows approvals by an analyst as their own series, apart from automatic approvals', () => {
    const container = renderHistogram({ review: 70, decline: 50 }, { review: 70, decline: 50 });
    const legend = container.querySelector('figcaption')?.textContent ?? '';
    expect(legend).toContain('Approved automatically');
    expect(legend).toContain('Approved by an analyst');
    const analyst = container.querySelector<SVGRectElement>('rect[data-outcome="approved_analyst"]');
    const auto = container.querySelector<SVGRectElement>('rect[data-outcome="approved"]');
    expect(analyst?.querySelector('title')?.textContent).toBe('72–74: 2 approved by an analyst');
    expect(auto?.querySelector('title')?.textContent).toBe('90–92: 3 approved automatically');
    // Hatched with the approval colour, where automatic approvals are solid.
    expect(analyst?.style.fill).toMatch(/^url\(#.+-hatch\)$/);
    expect(auto?.style.fill).toBe('var(--color-approved)');
    const pattern = container.querySelector('pattern');
    expect(analyst?.style.fill).toBe(`url(#${pattern?.id})`);
  });
});
