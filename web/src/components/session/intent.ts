/**
 * How a session page was opened. `work`: from the queue or by claim next, to work on it — the page
 * claims it (claim next already has) and, after a decision, moves on to the next session of the
 * view. Anything else (a link, a bookmark, another session's history) only looks: nothing is
 * claimed, and a session someone else holds shows who, with nothing that would conflict.
 */
export type SessionIntent = 'work' | 'look';

/** Router state for links that open a session to work on it. */
export const workIntent = { intent: 'work' } as const;

export function intentOf(state: unknown): SessionIntent {
  return state && typeof state === 'object' && (state as { intent?: unknown }).intent === 'work' ? 'work' : 'look';
}
