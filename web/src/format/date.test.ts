import { describe, expect, it } from 'vitest';
import { formatDateTime } from './date.ts';

describe('formatDateTime', () => {
  const utc = { timeZone: 'UTC' };

  it('writes every instant as "29 Nov 2026, 22:10", whatever the browser locale', () => {
    expect(formatDateTime('2026-11-29T22:10:59.999Z', utc)).toBe('29 Nov 2026, 22:10');
    expect(formatDateTime('2026-09-03T00:05:00Z', utc)).toBe('3 Sep 2026, 00:05');
    expect(formatDateTime(new Date('2026-01-01T12:00:00Z'), utc)).toBe('1 Jan 2026, 12:00');
    expect(formatDateTime(Date.parse('2026-01-01T12:00:00Z'), utc)).toBe('1 Jan 2026, 12:00');
  });

  it('adds seconds on request, in the same pattern', () => {
    expect(formatDateTime('2026-11-29T22:10:05Z', { ...utc, seconds: true })).toBe('29 Nov 2026, 22:10:05');
  });

  it("uses the user's time zone", () => {
    expect(formatDateTime('2026-11-29T22:10:00Z', { timeZone: 'Asia/Tokyo' })).toBe('30 Nov 2026, 07:10');
    const local = new Date(2026, 10, 29, 22, 10);
    expect(formatDateTime(local.toISOString())).toBe('29 Nov 2026, 22:10');
  });

  it('shows a dash for nothing and an unparseable value as it came', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime(undefined)).toBe('—');
    expect(formatDateTime('')).toBe('—');
    expect(formatDateTime('yesterday')).toBe('yesterday');
  });
});
