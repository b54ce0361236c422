import { describe, expect, it } from 'vitest';
import { additionalText } from './WarningList.tsx';

describe("Didit's additional data, in words", () => {
  it('reads a threshold warning as a sentence', () => {
    const data = (score: number) => ({ score, review_threshold: 70, decline_threshold: 50 });
    expect(additionalText({ feature: 'LIVENESS', additionalData: data(58.6) })).toBe(
      'Liveness 58.6: at or below review 70, above decline 50',
    );
    expect(additionalText({ feature: 'FACEMATCH', additionalData: data(41.25) })).toBe('Face match 41.3: at or below decline 50');
    expect(additionalText({ feature: 'LIVENESS', additionalData: data(88) })).toBe('Liveness 88.0: above review 70');
  });

  it('reads anything else as key and value, never raw JSON', () => {
    expect(additionalText({ feature: 'LIVENESS', additionalData: { matched_session: 'abc', similarity: 91.27 } })).toBe(
      'matched session abc · similarity 91.3',
    );
    expect(additionalText({ feature: null, additionalData: 'free text' })).toBe('free text');
    expect(additionalText({ feature: null, additionalData: null })).toBeNull();
  });
});
