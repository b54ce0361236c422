import { describe, expect, it } from 'vitest';
import { formatDuration, minutesInReview, slaLevel } from './sla.ts';

describe('SLA colouring', () => {
  it('is green under half the SLA, amber under the SLA, red at or past it', () => {
    expect(slaLevel(0, 60)).toBe('ok');
    expect(slaLevel(29.9, 60)).toBe('ok');
    expect(slaLevel(30, 60)).toBe('warn');
    expect(slaLevel(59.9, 60)).toBe('warn');
    expect(slaLevel(60, 60)).toBe('breach');
    expect(slaLevel(600, 60)).toBe('breach');
  });

  it('uses each workflow its own SLA', () => {
    expect(slaLevel(20, 30)).toBe('warn');
    expect(slaLevel(20, 240)).toBe('ok');
  });

  it('measures time in review from in_review_since', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(minutesInReview('2026-01-01T11:15:00Z', now)).toBe(45);
    expect(minutesInReview(null, now)).toBeNull();
  });

  it('formats durations compactly', () => {
    expect(formatDuration(0.5)).toBe('<1 m');
    expect(formatDuration(45)).toBe('45 m');
    expect(formatDuration(125)).toBe('2 h 05 m');
    expect(formatDuration(60 * 27)).toBe('1 d 03 h');
  });
});
