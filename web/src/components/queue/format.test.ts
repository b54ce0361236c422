import { describe, expect, it } from 'vitest';
import { formatThreshold } from '../thresholds/format.ts';
import { formatScore } from './format.ts';

describe('formatScore', () => {
  it('writes scores with one decimal, whole ones included', () => {
    expect(formatScore(58.6)).toBe('58.6');
    expect(formatScore(70)).toBe('70.0');
    expect(formatScore(0)).toBe('0.0');
    expect(formatScore(100)).toBe('100.0');
    expect(formatScore(61.549)).toBe('61.5');
  });

  it('shows a dash when there is no score', () => {
    expect(formatScore(null)).toBe('—');
    expect(formatScore(undefined)).toBe('—');
    expect(formatScore(Number.NaN)).toBe('—');
  });

  it('leaves thresholds as whole numbers', () => {
    expect(formatThreshold(70)).toBe('70');
  });
});
