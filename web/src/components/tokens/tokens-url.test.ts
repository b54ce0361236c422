import { describe, expect, it } from 'vitest';
import { highlightedTokenFromSearch } from './tokens-url.ts';

describe('tokens page URL', () => {
  it('reads the token to highlight, and ignores anything that is not a token id', () => {
    const id = '0b7f2c1e-9a8d-4c3b-8e7f-6a5b4c3d2e1f';
    expect(highlightedTokenFromSearch(new URLSearchParams({ token: id }))).toBe(id);
    expect(highlightedTokenFromSearch(new URLSearchParams({ token: 'ci' }))).toBeUndefined();
    expect(highlightedTokenFromSearch(new URLSearchParams())).toBeUndefined();
  });
});
