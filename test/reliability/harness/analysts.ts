import { setTimeout as sleep } from 'node:timers/promises';
import { csrfHeader, csrfHeaderValue } from '../../../server/auth/csrf.ts';
import { queuePageSchema, type QueueItem } from '../../../server/contract/review.ts';
import type { Random } from '../../../server/didit-sandbox/prng.ts';
import { TestBrowser } from '../../helpers/test-browser.ts';

/**
 * Analysts working the console over HTTP, through the balancer: with an API token (automation
 * may decide, not claim) or signed in through the identity provider like a person (claims).
 * Every decision they send is recorded with the answer it got, which is what the figures hold the
 * console to: a 201 is a decision the console promised to keep and push.
 */

export type Verdict = 'Approved' | 'Declined';

export interface DecisionAttempt {
  sessionId: string;
  decision: Verdict;
  /** The HTTP status; 0 when no answer came (the API process died mid-request). */
  status: number;
}

/** Reasons of the default catalogue that fit any session (config.ts). */
const reasonFor: Record<Verdict, string> = { Approved: 'quality_acceptable', Declined: 'face_not_visible' };

type Send = (path: string, init?: { method?: string; body?: unknown }) => Promise<{ status: number; body: unknown }>;

export class Analyst {
  readonly attempts: DecisionAttempt[] = [];

  private constructor(private readonly send: Send) {}

  static withToken(consoleUrl: string, token: string): Analyst {
    return new Analyst((path, init = {}) => exchange(fetch, `${consoleUrl}${path}`, init, { authorization: `Bearer ${token}` }));
  }

  /** Signs `email` in through the IdP, as a browser would; the cookie session is the analyst's. */
  static async signIn(consoleUrl: string, email: string): Promise<Analyst> {
    const browser = new TestBrowser();
    const res = await browser.signIn(consoleUrl, email);
    if (res.status !== 303) throw new Error(`sign-in of ${email} ended with ${res.status}`);
    const sameOrigin = { origin: new URL(consoleUrl).origin, [csrfHeader]: csrfHeaderValue };
    return new Analyst((path, init = {}) =>
      exchange((url, request) => browser.fetch(url, request), `${consoleUrl}${path}`, init, sameOrigin),
    );
  }

  /** The In Review sessions whose vendor data contains `tag`, oldest first; null when the console did not answer. */
  async queue(tag: string): Promise<QueueItem[] | null> {
    const { status, body } = await this.send(`/api/queue?q=${encodeURIComponent(tag)}&limit=200`);
    return status === 200 ? queuePageSchema.parse(body).items : null;
  }

  async sessionVersion(sessionId: string): Promise<number | null> {
    const { status, body } = await this.send(`/api/sessions/${sessionId}`);
    return status === 200 ? (body as { version: number }).version : null;
  }

  async decide(sessionId: string, expectedVersion: number, decision: Verdict): Promise<number> {
    const { status } = await this.send(`/api/sessions/${sessionId}/decision`, {
      method: 'POST',
      body: { decision, reason: reasonFor[decision], expectedVersion },
    });
    this.attempts.push({ sessionId, decision, status });
    return status;
  }

  /** "Claim next" on the scenario's view; the claimed session, or null (404: nothing left). */
  async claimNext(tag: string): Promise<{ status: number; sessionId: string | null; version: number | null }> {
    const { status, body } = await this.send('/api/queue/claim-next', { method: 'POST', body: { filters: { q: tag } } });
    const session = status === 200 ? (body as { session: { id: string; version: number } }).session : null;
    return { status, sessionId: session?.id ?? null, version: session?.version ?? null };
  }
}

async function exchange(
  fetcher: (url: string, init: RequestInit) => Promise<Response>,
  url: string,
  init: { method?: string; body?: unknown },
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetcher(url, {
      method: init.method ?? 'GET',
      headers: { ...headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
  } catch {
    return { status: 0, body: null };
  }
}

/**
 * An analyst working the scenario's queue while traffic runs: each session that shows up is taken
 * with probability `share` (approved or declined at random) and decided until the console accepts
 * (a 409 after the session changed is tried again with the new version). Stops when `until` says.
 */
export async function workTheQueue(
  analyst: Analyst,
  tag: string,
  options: { share: number; rng: Random; until: () => boolean },
): Promise<void> {
  const chosen = new Map<string, Verdict | null>();
  while (!options.until()) {
    for (const item of (await analyst.queue(tag)) ?? []) {
      if (options.until()) return;
      if (item.pushState !== null) continue;
      if (!chosen.has(item.id)) {
        chosen.set(item.id, options.rng() < options.share ? (options.rng() < 0.6 ? 'Approved' : 'Declined') : null);
      }
      const verdict = chosen.get(item.id);
      if (verdict) await analyst.decide(item.id, item.version, verdict);
    }
    await sleep(400);
  }
}

/**
 * Decides every session in `sessionIds` (all In Review in the console already), `concurrency` at
 * a time, retrying refusals (the database down, an API killed) until each is decided or
 * `deadline`. A session that carries a pending push or has left the queue was decided, even if
 * its 201 was lost on the way.
 */
export async function decideAll(
  analyst: Analyst,
  tag: string,
  sessionIds: readonly string[],
  options: { rng: Random; concurrency: number; deadline: number },
): Promise<void> {
  const open = new Set(sessionIds);
  while (open.size > 0 && Date.now() < options.deadline) {
    const queue = await analyst.queue(tag);
    if (queue) {
      const undecided = new Set(queue.filter((item) => item.pushState === null).map((item) => item.id));
      for (const id of open) if (!undecided.has(id)) open.delete(id);
    }
    const ready = (queue ?? []).filter((item) => open.has(item.id));
    const lanes = Array.from({ length: options.concurrency }, async () => {
      for (let item = ready.shift(); item; item = ready.shift()) {
        const verdict: Verdict = options.rng() < 0.6 ? 'Approved' : 'Declined';
        if ((await analyst.decide(item.id, item.version, verdict)) === 201) open.delete(item.id);
      }
    });
    await Promise.all(lanes);
    if (open.size > 0) await sleep(300);
  }
}
