import { describe, expect, it } from 'vitest';
import { filtersFromSearch, searchFromFilters } from './audit-url.ts';

describe('the audit filters in the URL', () => {
  it('keeps a known purpose of access and leaves out one the console does not know', () => {
    expect(filtersFromSearch(new URLSearchParams('purpose=legal_request&action=session.media_viewed'))).toEqual({
      action: 'session.media_viewed',
      purpose: 'legal_request',
    });
    expect(filtersFromSearch(new URLSearchParams('purpose=curiosity'))).toEqual({});
    expect(searchFromFilters({ purpose: 'other', actor: '' }).toString()).toBe('purpose=other');
  });
});
