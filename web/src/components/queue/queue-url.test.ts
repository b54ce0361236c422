import { describe, expect, it } from 'vitest';
import {
  claimNextView,
  defaultQueueQuery,
  isDecidedView,
  parseQueueSearch,
  patchQueueQuery,
  queueFilters,
  queueQueryToSearch,
} from './queue-url.ts';

const parse = (search: string) => parseQueueSearch(new URLSearchParams(search));

describe('queue URL state', () => {
  it('parses the bare /queue as the default view: In Review, oldest first, anyone', () => {
    const { query, ignored } = parse('');
    expect(query).toEqual(defaultQueueQuery);
    expect(query.status).toBe('In Review');
    expect(query.sort).toBe('age');
    expect(query.assignee).toBe('anyone');
    expect(ignored).toEqual([]);
  });

  it('omits every parameter that is at its default', () => {
    expect(queueQueryToSearch(defaultQueueQuery)).toBe('');
    const explicitDefaults = parse('status=In+Review&assignee=anyone&sort=age&dir=asc&limit=50&warning=');
    expect(queueQueryToSearch(explicitDefaults.query)).toBe('');
  });

  it('round-trips a full view through the URL', () => {
    const search =
      'status=Declined&workflow=b1d2c3e4-0000-4000-8000-0000000000aa&method=FLASHING&warning=LOW_LIVENESS_SCORE%2CLOW_FACE_MATCH_SIMILARITY' +
      '&livenessMin=10&livenessMax=70.5&faceMatchMin=0&faceMatchMax=69&assignee=unassigned&minAgeMinutes=30&q=user-42' +
      '&sort=face_match&dir=desc&limit=100&cursor=abc';
    const first = parse(search).query;
    expect(first).toMatchObject({
      status: 'Declined',
      method: 'FLASHING',
      warning: ['LOW_LIVENESS_SCORE', 'LOW_FACE_MATCH_SIMILARITY'],
      livenessMax: 70.5,
      faceMatchMin: 0,
      sort: 'face_match',
      dir: 'desc',
      cursor: 'abc',
    });
    const again = queueQueryToSearch(first);
    expect(again).toBe(search);
    expect(parse(again).query).toEqual(first);
  });

  it('accepts repeated warning parameters as well as a comma list', () => {
    expect(parse('warning=A_B&warning=C_D').query.warning).toEqual(['A_B', 'C_D']);
  });

  it('drops an invalid parameter and keeps the rest of the view', () => {
    const { query, ignored } = parse('sort=liveness&livenessMin=150&method=nope');
    expect(query.sort).toBe('liveness');
    expect(query.livenessMin).toBeUndefined();
    expect(query.method).toBeUndefined();
    expect(ignored.sort()).toEqual(['livenessMin', 'method']);
  });

  it('rejects a min above the max by dropping the min', () => {
    const { query, ignored } = parse('faceMatchMin=80&faceMatchMax=60');
    expect(query.faceMatchMin).toBeUndefined();
    expect(query.faceMatchMax).toBe(60);
    expect(ignored).toEqual(['faceMatchMin']);
  });

  it('restarts from the first page when filters or sort change, but not when paging', () => {
    const paged = parse('cursor=xyz&sort=liveness').query;
    expect(patchQueueQuery(paged, { assignee: 'me' }).cursor).toBeUndefined();
    expect(patchQueueQuery(paged, { sort: 'age' }).cursor).toBeUndefined();
    expect(patchQueueQuery(paged, { cursor: 'next' }).cursor).toBe('next');
  });

  it('treats the default direction as no direction', () => {
    expect(queueQueryToSearch(patchQueueQuery(defaultQueueQuery, { sort: 'liveness', dir: 'asc' }))).toBe('sort=liveness');
    expect(queueQueryToSearch(patchQueueQuery(defaultQueueQuery, { dir: 'desc' }))).toBe('dir=desc');
  });

  it('gives claim-next the filters without page position or size', () => {
    const query = parse('assignee=unassigned&cursor=abc&limit=20&sort=liveness').query;
    expect(queueFilters(query)).toEqual({ assignee: 'unassigned', sort: 'liveness' });
    expect(queueFilters(parse('before=abc&method=PASSIVE').query)).toEqual({ method: 'PASSIVE' });
  });

  it('keeps a previous-page position in the URL, never together with a next-page one', () => {
    const back = parse('sort=liveness&limit=25&before=p1');
    const position = ({ cursor, before }: { cursor?: string; before?: string }) => ({ cursor, before });
    expect(position(back.query)).toEqual({ cursor: undefined, before: 'p1' });
    expect(back.query.limit).toBe(25);
    expect(queueQueryToSearch(back.query)).toBe('sort=liveness&limit=25&before=p1');
    const both = parse('cursor=n1&before=p1');
    expect(position(both.query)).toEqual({ cursor: 'n1', before: undefined });
    expect(both.ignored).toEqual(['before']);
    expect(position(patchQueueQuery(back.query, { cursor: 'n2' }))).toEqual({ cursor: 'n2', before: undefined });
    expect(position(patchQueueQuery(parse('cursor=n1').query, { before: 'p0' }))).toEqual({ cursor: undefined, before: 'p0' });
    expect(position(patchQueueQuery(back.query, { assignee: 'me' }))).toEqual({ cursor: undefined, before: undefined });
  });

  it('takes a page size from the URL within the contract and omits the default', () => {
    expect(parse('limit=100').query.limit).toBe(100);
    expect(queueQueryToSearch(patchQueueQuery(defaultQueueQuery, { limit: 100 }))).toBe('limit=100');
    expect(queueQueryToSearch(patchQueueQuery(parse('limit=100').query, { limit: 50 }))).toBe('');
    expect(parse('limit=500').ignored).toEqual(['limit']);
    expect(parse('limit=0').query.limit).toBe(50);
  });

  it('gives claim next the In Review view of the filters, whatever status is shown', () => {
    expect(claimNextView({ status: 'Declined', method: 'FLASHING', sort: 'liveness' })).toEqual({
      method: 'FLASHING',
      sort: 'liveness',
    });
    expect(claimNextView({ assignee: 'me' })).toEqual({ assignee: 'me' });
    expect(claimNextView({})).toEqual({});
  });

  it('knows the decided views', () => {
    expect(isDecidedView(parse('status=Approved').query)).toBe(true);
    expect(isDecidedView(parse('status=Declined').query)).toBe(true);
    expect(isDecidedView(parse('').query)).toBe(false);
    expect(isDecidedView(parse('status=Expired').query)).toBe(false);
  });
});
