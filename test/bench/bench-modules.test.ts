import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

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

  it('bench/insights.ts seeds, measures every scenario and judges it at a tiny size', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/insights.ts'], {
      cwd: repoRoot,
      timeout: 90_000,
      env: {
        ...process.env,
        DATABASE_URL: inject('databaseAdminUrl'),
        BENCH_SESSIONS: '3000',
        BENCH_REVIEW_EVENTS: '300',
        BENCH_REQUESTS: '2',
      },
    });
    expect(stdout).toMatch(/review events [\d,]+ \(decisions [\d,]+, overrides [\d,]+\) by 25 analysts/);
    const lines = stdout.split('\n');
    for (const scenario of ['(a) loadInsights', '(b) loadInsights', '(c) loadInsights', '(d) GET /api/insights']) {
      expect(lines.find((line) => line.startsWith(scenario))).toMatch(/p95 [\d.]+ ms .* (PASS|FAIL)$/);
    }
  }, 120_000);
});
