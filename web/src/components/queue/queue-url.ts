import {
  decisionValues,
  defaultDirection,
  queueQuerySchema,
  type QueueQuery,
  type QueueQueryInput,
} from '../../../../server/contract/review.ts';

/** The query every field defaults to: `/queue` with no parameters. */
export const defaultQueueQuery: QueueQuery = queueQuerySchema.parse({});

/** Parameter order in generated URLs (stable links, readable diffs). */
const keys = [
  'status',
  'workflow',
  'method',
  'warning',
  'livenessMin',
  'livenessMax',
  'faceMatchMin',
  'faceMatchMax',
  'assignee',
  'escalated',
  'minAgeMinutes',
  'q',
  'sort',
  'dir',
  'limit',
  'cursor',
  'before',
] as const satisfies readonly (keyof QueueQuery)[];

export interface ParsedQueueSearch {
  query: QueueQuery;
  /** Parameters that were present but invalid and were ignored. */
  ignored: string[];
}

/**
 * URL → queue state, through the contract's `queueQuerySchema` (the same parser the server uses).
 * An invalid parameter is dropped (and reported) rather than failing the whole page: a hand-edited
 * link still shows a queue.
 */
export function parseQueueSearch(params: URLSearchParams): ParsedQueueSearch {
  const raw: Record<string, string | string[]> = {};
  for (const key of keys) {
    const values = params.getAll(key);
    if (values.length === 0) continue;
    raw[key] = key === 'warning' ? values.flatMap((value) => value.split(',')) : (values[0] ?? '');
  }
  const ignored: string[] = [];
  for (let attempt = 0; attempt < keys.length; attempt++) {
    const result = queueQuerySchema.safeParse(raw);
    if (result.success) return { query: normalise(result.data), ignored };
    const bad = new Set(result.error.issues.map((issue) => String(issue.path[0] ?? '')));
    let removed = false;
    for (const key of bad) {
      if (key in raw) {
        delete raw[key];
        ignored.push(key);
        removed = true;
      }
    }
    if (!removed) break;
  }
  return { query: defaultQueueQuery, ignored: Object.keys(raw).concat(ignored) };
}

function isDefault(query: QueueQuery, key: (typeof keys)[number]): boolean {
  const value = query[key];
  if (value === undefined) return true;
  switch (key) {
    case 'warning':
      return query.warning.length === 0;
    case 'dir':
      return value === defaultDirection(query.sort);
    default:
      return value === defaultQueueQuery[key];
  }
}

/** Queue state → URL search params, every parameter at its default left out. */
export function queueQueryToSearchParams(query: QueueQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of keys) {
    if (isDefault(query, key)) continue;
    const value = query[key];
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return params;
}

export function queueQueryToSearch(query: QueueQuery): string {
  return queueQueryToSearchParams(query).toString();
}

/**
 * A new query with `patch` applied. Any change other than the page position itself restarts from
 * the first page (a cursor belongs to one filter/sort combination).
 */
export function patchQueueQuery(query: QueueQuery, patch: Partial<QueueQueryInput>): QueueQuery {
  const next: Record<string, unknown> = { ...query, cursor: undefined, before: undefined, ...patch };
  const result = queueQuerySchema.safeParse(next);
  return result.success ? normalise(result.data) : query;
}

/** One representation per view: an explicit default direction is the same as none. */
function normalise(query: QueueQuery): QueueQuery {
  return query.dir === defaultDirection(query.sort) ? { ...query, dir: undefined } : query;
}

/** The filters `claim-next` applies: the queue view without its page position. */
export function queueFilters(query: QueueQuery): Record<string, string> {
  const params = queueQueryToSearchParams({ ...query, cursor: undefined, before: undefined });
  params.delete('limit');
  return Object.fromEntries(params);
}

/**
 * The view claim next really claims from: the same filters in In Review (it claims nothing
 * else), whatever status the analyst was looking at. The session it opens carries this view, so
 * "back to the queue" and the next claim go to the queue the session came from.
 */
export function claimNextView(filters: Record<string, string>): Record<string, string> {
  return queueFilters({ ...parseQueueSearch(new URLSearchParams(filters)).query, status: 'In Review' });
}

/** Whether the view lists decided sessions (Approved, Declined), which have a decision time to show. */
export function isDecidedView(query: QueueQuery): boolean {
  // Resubmitted is a decision the console sends, not a verdict: that view shows who asked instead.
  return (decisionValues as readonly string[]).includes(query.status) && query.status !== 'Resubmitted';
}
