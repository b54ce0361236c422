import { describe, expect, it } from 'vitest';
import type { Media } from '../../../../server/contract/review.ts';
import { staleNotice } from './MediaCompare.tsx';

const media: Media = { selfie: 'https://m/s.jpg', portrait: null, video: null, expiresAt: null, stale: false };

describe('why the media links are old: distinct messages', () => {
  it('rate-limited, with the wait Didit asked for', () => {
    expect(staleNotice({ ...media, stale: true, staleReason: 'rate_limited', retryAfterSeconds: 20 }, null, 20)).toBe(
      'Didit is rate-limiting; showing the previous links, retrying in 20 s.',
    );
  });

  it("past the person's refresh limit, without blaming Didit", () => {
    expect(staleNotice({ ...media, stale: true, staleReason: 'refresh_limit', retryAfterSeconds: 12 }, null, 12)).toBe(
      'You have asked for new links often in the last minute; showing the previous links, retrying in 12 s.',
    );
  });

  it('Didit unavailable', () => {
    expect(staleNotice({ ...media, stale: true, staleReason: 'didit_unavailable' }, null, 30)).toBe(
      'Didit is unavailable; showing the previous links, retrying in 30 s.',
    );
  });

  it("the console's own answer, such as too many refreshes, is not blamed on Didit", () => {
    expect(staleNotice(media, 'Network error', null)).toBe(
      'Fresh links could not be fetched (Network error); showing the previous links, retrying shortly.',
    );
    const tooMany = 'Too many requests for new media links: at most 20 a minute per person. Try again in 12 s.';
    expect(staleNotice(media, tooMany, 12)).toBe(
      `Fresh links could not be fetched (${tooMany}); showing the previous links, retrying in 12 s.`,
    );
  });

  it('nothing to say when the links are fresh', () => {
    expect(staleNotice(media, null, null)).toBe('');
  });
});
