import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './client.ts';
import { simulateThresholds } from './thresholds.ts';

const thresholds = { livenessReview: 70, livenessDecline: 50, faceMatchReview: null, faceMatchDecline: null };

const busy = (details: { retryAfterSeconds: number; scope?: string; limit?: number; upstream?: string }) =>
  Response.json(
    { error: { code: 'rate_limited', message: 'You already have 2 threshold simulations running.', details } },
    { status: 429, headers: { 'Retry-After': String(details.retryAfterSeconds) } },
  );

/** Answers each call with the next response of `answers`, and counts the calls. */
function serverAnswering(...answers: Array<() => Response>) {
  const calls: string[] = [];
  vi.stubGlobal('fetch', (input: string) => {
    calls.push(input);
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return Promise.resolve(next());
  });
  return calls;
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('simulation requests when the server is busy', () => {
  it('waits out the console’s own 429 (its Retry-After) and tries again', async () => {
    vi.useFakeTimers();
    const calls = serverAnswering(
      () => busy({ retryAfterSeconds: 2, scope: 'actor', limit: 2 }),
      () => Response.json({ sessions: 3 }),
    );
    const result = simulateThresholds('wf-1', thresholds, 7);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual({ sessions: 3 });
    expect(calls).toHaveLength(2);
  });

  it('shows the 429 after a few tries, and never retries Didit rate-limiting the console', async () => {
    vi.useFakeTimers();
    const calls = serverAnswering(...Array.from({ length: 4 }, () => () => busy({ retryAfterSeconds: 1, scope: 'process' })));
    const result = simulateThresholds('wf-1', thresholds, 7);
    const settled = expect(result).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
    await vi.advanceTimersByTimeAsync(10_000);
    await settled;
    expect(calls).toHaveLength(4);

    const upstream = serverAnswering(() => busy({ retryAfterSeconds: 1, upstream: 'didit' }));
    await expect(simulateThresholds('wf-1', thresholds, 7)).rejects.toBeInstanceOf(ApiError);
    expect(upstream).toHaveLength(1);
  });

  it('stops waiting when the editor drops the request', async () => {
    vi.useFakeTimers();
    const calls = serverAnswering(() => busy({ retryAfterSeconds: 2 }));
    const controller = new AbortController();
    const result = simulateThresholds('wf-1', thresholds, 7, controller.signal);
    const settled = expect(result).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(500);
    controller.abort();
    await settled;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(1);
  });
});
