import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { ConcurrencyLimit, type ConcurrencyScope } from './concurrency-limit.ts';

const alice = { kind: 'user', id: 'alice' } as const;
const bob = { kind: 'user', id: 'bob' } as const;
const carol = { kind: 'user', id: 'carol' } as const;
/** A token with the same id text as a person is a different actor. */
const aliceToken = { kind: 'token', id: 'alice' } as const;

/** Work that runs until the test lets it finish. */
function heldWork() {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { work: () => done, finish, fail };
}

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('ConcurrencyLimit', () => {
  it('refuses the third in flight for one actor with a 429 and a retry time while two are held', async () => {
    const rejected: ConcurrencyScope[] = [];
    const limit = new ConcurrencyLimit({
      what: { one: 'threshold simulation', many: 'threshold simulations' },
      perActor: 2,
      perProcess: 10,
      retryAfterSeconds: 2,
      onReject: (scope) => rejected.push(scope),
    });
    const first = heldWork();
    const second = heldWork();
    const running = [limit.run(alice, first.work), limit.run(alice, second.work)];
    expect(limit.inFlight(alice)).toBe(2);

    const error = refusal(() => limit.acquire(alice));
    expect(error).toMatchObject({
      status: 429,
      code: 'rate_limited',
      details: { retryAfterSeconds: 2, scope: 'actor', limit: 2 },
    });
    expect(error.message).toBe('You already have 2 threshold simulations running; wait for one to finish (retry in 2 s).');
    expect(rejected).toEqual(['actor']);
    // Others, and the same id under another kind of actor, are not held back by alice's count.
    limit.acquire(bob)();
    limit.acquire(aliceToken)();

    first.finish();
    await running[0];
    expect(limit.inFlight(alice)).toBe(1);
    const third = heldWork();
    running.push(limit.run(alice, third.work));
    second.finish();
    third.finish();
    await Promise.all(running);
    expect(limit.inFlight()).toBe(0);
  });

  it('refuses every actor once the process cap is reached, and frees a slot when work fails', async () => {
    const limit = new ConcurrencyLimit({
      what: { one: 'audit export', many: 'audit exports' },
      perActor: 1,
      perProcess: 2,
      retryAfterSeconds: 10,
    });
    const a = heldWork();
    const b = heldWork();
    const running = [limit.run(alice, a.work), limit.run(bob, b.work)];

    const error = refusal(() => limit.acquire(carol));
    expect(error).toMatchObject({ status: 429, details: { retryAfterSeconds: 10, scope: 'process', limit: 2 } });
    expect(error.message).toBe('The console is already running 2 audit exports, its limit; retry in 10 s.');
    // One export per actor: alice's own cap answers first, and says "it".
    expect(refusal(() => limit.acquire(alice)).message).toBe(
      'You already have 1 audit export running; wait for it to finish (retry in 10 s).',
    );

    a.fail(new Error('the query failed'));
    await expect(running[0]).rejects.toThrow('the query failed');
    expect(limit.inFlight()).toBe(1);
    const release = limit.acquire(carol);
    release();
    release(); // releasing twice frees one slot, not two
    expect(limit.inFlight()).toBe(1);
    b.finish();
    await running[1];
    expect(limit.inFlight()).toBe(0);
  });
});
