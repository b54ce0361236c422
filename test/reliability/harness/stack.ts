import { randomBytes } from 'node:crypto';
import { startDevIdp } from '../../../server/auth/dev-idp/dev-idp.ts';
import { createDatabase, createPool, type Database } from '../../../server/db/database.ts';
import { stream, type Random } from '../../../server/didit-sandbox/prng.ts';
import { freePort } from '../../helpers/free-port.ts';
import type { Profile } from '../profile.ts';
import { Analyst } from './analysts.ts';
import { ConsoleFleet } from './console-fleet.ts';
import { startDiditSandbox, type DiditSandbox } from './didit-sandbox.ts';
import type { ManagedProcess } from './managed-process.ts';
import { createConsoleDatabase, startPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.ts';
import type { Scene } from './session-traffic.ts';
import { onTeardown } from './teardown.ts';

/**
 * Everything the scenarios run against, started once per run: Postgres, the Didit sandbox, the
 * identity provider, the console migrated by its release step and running as 2 API + 2 worker
 * processes behind the suite's balancer, and an analyst's API token.
 */
export interface Stack {
  runDir: string;
  profile: Profile;
  seed: number;
  cluster: PostgresCluster;
  /** The console's database as its owner: the suite reads every table, graphile-worker's too. */
  db: Database;
  didit: DiditSandbox;
  sandboxProcess: ManagedProcess;
  fleet: ConsoleFleet;
  proxy: RoundRobinProxy;
  /** Where analysts and Didit reach the console: the balancer. */
  consoleUrl: string;
  scene: Scene;
  webhookSecret: string;
  /** An analyst with an API token (decides; cannot claim). */
  analyst: Analyst;
  /** Signs a demo analyst in through the identity provider (claims need a person). */
  signIn(email: string): Promise<Analyst>;
  /** A seeded random stream per name: the same seed replays the same choices. */
  rng(name: string): Random;
}

export async function startStack(options: {
  repoRoot: string;
  runDir: string;
  profile: Profile;
  seed: number;
  log: (line: string) => void;
}): Promise<Stack> {
  const { repoRoot, runDir, log } = options;
  log('starting Postgres…');
  const cluster = await startPostgresCluster(runDir);
  log(`Postgres: ${cluster.kind} on port ${cluster.port}`);
  const { ownerUrl, runtimeUrl } = await createConsoleDatabase(cluster);

  const consoleUrl = `http://127.0.0.1:${await freePort()}`;
  const webhookSecret = randomBytes(24).toString('base64url');
  const oidcClient = { clientId: 'reliability-console', clientSecret: randomBytes(16).toString('hex') };
  const idp = await startDevIdp({
    port: 0,
    env: 'test',
    clients: [
      {
        ...oidcClient,
        redirectUris: [`${consoleUrl}/auth/callback`],
        postLogoutRedirectUris: [`${consoleUrl}/login?signedOut=1`],
      },
    ],
  });
  onTeardown('identity provider', () => void idp.close());

  log('starting the Didit sandbox…');
  const { sandboxProcess, didit } = await startDiditSandbox({
    repoRoot,
    runDir,
    webhookUrl: `${consoleUrl}/webhooks/didit`,
    webhookSecret,
    seed: options.seed,
    retryDelaysMs: [6_000, 24_000],
  });

  const fleet = await ConsoleFleet.create(
    {
      repoRoot,
      runDir,
      databaseUrl: runtimeUrl,
      ownerUrl,
      publicUrl: consoleUrl,
      didit: { baseUrl: didit.url, apiKey: didit.apiKey, webhookSecret },
      oidc: { issuer: idp.issuer, ...oidcClient },
      auditKey: randomBytes(32).toString('base64url'),
      sessionSecret: randomBytes(32).toString('base64url'),
    },
    { apis: 2, workers: 2 },
  );
  log('migrating (npm run cli -- migrate, the release step)…');
  await fleet.cli(['migrate']);
  const proxy = await startRoundRobinProxy(Number(new URL(consoleUrl).port), fleet.apiPorts());
  log('starting 2 API and 2 worker processes…');
  await fleet.startMissing();
  const token = /rct_\S+/.exec(await fleet.cli(['token', 'create', '--role', 'analyst', '--name', 'reliability-analyst']))?.[0];
  if (!token) throw new Error('cli token create printed no token');

  const db = createDatabase(createPool({ connectionString: ownerUrl, max: 4, applicationName: 'reliability-suite' }));
  onTeardown('suite database pool', () => void db.destroy());
  const scene: Scene = {
    didit,
    workflowId: await didit.createWorkflow('Reliability – liveness + face match'),
    portrait: await didit.portrait('reliability-user'),
  };
  return {
    runDir,
    profile: options.profile,
    seed: options.seed,
    cluster,
    db,
    didit,
    sandboxProcess,
    fleet,
    proxy,
    consoleUrl,
    scene,
    webhookSecret,
    analyst: Analyst.withToken(consoleUrl, token),
    signIn: (email) => Analyst.signIn(consoleUrl, email),
    rng: (name) => stream(options.seed, name),
  };
}
