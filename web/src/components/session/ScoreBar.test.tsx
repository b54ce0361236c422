import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ScoreBar } from './ScoreBar.tsx';
import { scoreZone } from './score-zone.ts';

afterEach(cleanup);

describe('score zones (Didit: at or below a threshold counts)', () => {
  it('puts a score exactly at the decline threshold in the decline zone', () => {
    expect(scoreZone(50, 70, 50)).toBe('decline');
    expect(scoreZone(50.01, 70, 50)).toBe('review');
  });

  it('puts a score exactly at the review threshold in the review zone', () => {
    expect(scoreZone(70, 70, 50)).toBe('review');
    expect(scoreZone(70.1, 70, 50)).toBe('pass');
  });

  it('works with only one threshold set', () => {
    expect(scoreZone(30, null, 30)).toBe('decline');
    expect(scoreZone(31, null, 30)).toBe('pass');
    expect(scoreZone(70, 70, null)).toBe('review');
  });

  it('has no zone without thresholds', () => {
    expect(scoreZone(12, null, null)).toBe('unknown');
  });
});

describe('ScoreBar', () => {
  it('says the zone and the thresholds in force, in text and on the meter', () => {
    render(<ScoreBar label="Face match" score={70} review={70} decline={50} />);
    const meter = screen.getByRole('meter', { name: 'Face match' });
    expect(meter.getAttribute('aria-valuenow')).toBe('70');
    expect(meter.getAttribute('aria-valuetext')).toBe('70.0, review zone (decline ≤ 50, review ≤ 70)');
    expect(screen.getByText('review zone')).toBeTruthy();
    expect(screen.getByText('Scored against: decline ≤ 50, review ≤ 70')).toBeTruthy();
  });

  it('marks a score at the decline threshold as decline', () => {
    const { container } = render(<ScoreBar label="Liveness" score={50} review={70} decline={50} />);
    expect(container.querySelector('[data-zone]')?.getAttribute('data-zone')).toBe('decline');
  });

  it('shows just the score when the workflow has no thresholds', () => {
    render(<ScoreBar label="Liveness" score={88.4} review={null} decline={null} />);
    expect(screen.getByText('88.4')).toBeTruthy();
    expect(screen.getByText('No thresholds recorded for this workflow')).toBeTruthy();
  });

  it('says "liveness only" when there is no face match', () => {
    render(<ScoreBar label="Face match" score={null} review={70} decline={50} missing="liveness only (no face match)" />);
    expect(screen.getByText('liveness only (no face match)')).toBeTruthy();
    expect(screen.queryByRole('meter')).toBeNull();
  });
});
