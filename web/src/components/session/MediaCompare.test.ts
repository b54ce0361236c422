import { describe, expect, it } from 'vitest';
import type { Media } from '../../../../server/contract/review.ts';
import { staleNotice } from './MediaCompare.tsx';

const media: Media = { selfie: 'https://m/s.jpg', portrait: null, video: null, expiresAt: null, stale: false };

describe('why the media links are old: three distinct messages', () => {
  it('rate-limited, with the wait Didit asked for', () => {
    expect(staleNotice({ ...media, stale: true, staleReason: 'rate_limited', retryAfterSeconds: 20 }, null, 20)).toBe(
      'Didit is rate-limiting; showing the previous links, retrying in 20 s.',
    );
  });

  it('unavailable, from Didit or from the console', () => {
    expect(staleNotice({ ...media, stale: true, staleReason: 'didit_unavailable' }, null, 30)).toBe(
      'Didit is unavailable; showing the previous links, retrying in 30 s.',
    );
    expect(staleNotice(media, 'Network error', null)).toBe(
      'Didit is unavailable (Network error); showing the previous links, retrying shortly.',
    );
  });

  it('nothing to say when the links are fresh', () => {
    expect(staleNotice(media, null, null)).toBe('');
  });
});
