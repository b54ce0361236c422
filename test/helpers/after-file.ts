import { afterAll } from 'vitest';
import { runAll } from './run-all.ts';

/**
 * Work to undo when the current test file has run: close contexts and servers, drop its
 * database. Vitest runs an `afterAll` hook only if it was registered while the file was being
 * collected; one registered inside `beforeAll` or a test is silently never run, which left every
 * test file's database behind on a shared Postgres. This module registers one hook when a test
 * file first imports it (each file has its own module graph), so helpers may add cleanups from
 * anywhere. They run newest first, like nested `afterAll`s, and every one runs even if another fails.
 */
const cleanups: Array<() => unknown> = [];

afterAll(() => runAll(cleanups.splice(0).reverse(), 'cleaning up after the test file failed'));

export function afterFile(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}
