import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Browser tests: the built app on the embedded default, driven through Debian's Chromium. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A poll waits on the server and a re-render, not on a timer: 1 s (vitest's default) is
    // too tight on two busy cores (CI failed on a decision's status taking longer). Waiting
    // longer costs nothing when the page is quick.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    // One console and one browser at a time: this machine has two cores.
    fileParallelism: false,
  },
});
