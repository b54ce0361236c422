import { describe, expect, it } from 'vitest';
import { defaultQueueQuery, parseQueueSearch, patchQueueQuery, queueFilters, queueQueryToSearch } from './queue-url.ts';

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
  });
});
