import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Warning } from '../../../../server/contract/review.ts';
import { additionalText, WarningList } from './WarningList.tsx';

afterEach(cleanup);

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

describe('warnings the console raised', () => {
  it('shows a score Didit sent outside 0–100 as a sentence, marked as the console’s and not Didit’s', () => {
    const outOfRange: Warning = {
      feature: 'LIVENESS',
      risk: 'SCORE_OUT_OF_RANGE',
      logType: 'error',
      shortDescription: 'Didit sent a liveness score of 1e+308, outside 0–100.',
      longDescription: 'The console did not store this liveness score.',
      additionalData: null,
    };
    const didit: Warning = { ...outOfRange, risk: 'LOW_FACE_MATCH_SIMILARITY', shortDescription: 'Low face match similarity' };
    render(<WarningList warnings={[outOfRange, didit]} />);
    const [first, second] = screen.getAllByRole('listitem');
    expect(first?.textContent).toContain('Didit sent a liveness score of 1e+308, outside 0–100.');
    expect(first?.textContent).toContain('raised by the console');
    expect(second?.textContent).not.toContain('raised by the console');
  });
});
