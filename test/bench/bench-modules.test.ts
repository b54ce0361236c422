import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The benchmarks run under plain Node (`tsx`), not vitest. They share helpers with the tests, and
 * a helper that registers a test hook when loaded crashes them at start-up; only loading them
 * outside vitest shows it. Importing runs nothing: each runs its benchmark only as the entry point.
 */
describe('benchmarks', () => {
  it.each(['bench/ingest.ts', 'bench/queue.ts', 'bench/thresholds.ts'])('%s loads outside vitest', async (file) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(`./${file}`)}); console.log('loaded');`],
      { cwd: repoRoot, timeout: 30_000 },
    );
    expect(stdout.trim()).toBe('loaded');
  });
});
