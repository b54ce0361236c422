import { setTimeout as sleep } from 'node:timers/promises';

/** Asks `done` every `everyMs` until it answers true or `timeoutMs` has passed; returns whether it did. */
export async function pollUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}
