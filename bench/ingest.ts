/**
 * `npm run bench:ingest`: webhook ingest throughput and acknowledgement latency of the console's
 * receiver (signature check + group-committed inbox insert + worker wake-up) against a baseline
 * written the way Didit's sample does it (JSON body parser, HMAC of the raw body, one INSERT per
 * request), on the same database, plus pgbench's single-row INSERT rate as the ceiling.
 *
 * Bounded: each run lasts BENCH_DURATION_S (default 15) seconds with BENCH_CONNECTIONS (default 32)
 * keep-alive connections over loopback. Uses DATABASE_URL (a scratch database is created in it and
 * dropped) or an embedded Postgres in a temp directory. pgbench: /usr/bin/pgbench
 * (`apt-get install -y postgresql-client`); skipped with a note when absent.
 */
/* eslint-disable no-console -- a benchmark prints its figures */
import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import express, { type Request } from 'express';
import pg from 'pg';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { createContext } from '../server/context.ts';
import { migrateToLatest } from '../server/db/database.ts';
import { startEmbeddedDatabase } from '../server/db/embedded.ts';
import { diditCanonicalJson } from '../server/webhooks/didit-canonical-json.ts';
import { sessionEvent } from '../test/helpers/didit-events.ts';
import { freePort } from '../test/helpers/free-port.ts';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 15);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const POOL_MAX = 10;
const SECRET = 'bench-ingest-webhook-secret';
/**
 * The load generator, run in a worker thread (plain JavaScript: a worker has no TypeScript loader).
 */
const LOAD_WORKER_SOURCE = `/**
 * Load generator thread for bench/ingest.ts: N keep-alive connections, each sending signed
 * webhooks back to back for a fixed time; every body is a distinct event (own session id).
 */
const { createHmac, randomUUID } = require('node:crypto');
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');

/**
 * Plain JavaScript so it runs in a worker thread without a TypeScript loader.
 * @type {{ url: string, connections: number, durationMs: number, secret: string, template: string, placeholder: string, timestamp: number }}
 */
const input = workerData;
const target = new URL(input.url);
const parts = input.template.split(input.placeholder);
const agent = new http.Agent({ keepAlive: true, maxSockets: input.connections });

function delivery() {
  const body = Buffer.from(parts.join(randomUUID()), 'utf8');
  const signature = createHmac('sha256', input.secret).update(body).digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'x-timestamp': String(input.timestamp),
      'x-signature': signature,
      // Pure ASCII payload: the V2 canonical form equals the body, so the signatures are equal.
      'x-signature-v2': signature,
    },
  };
}

/** @returns {Promise<number>} */
function send() {
  const { body, headers } = delivery();
  return new Promise((resolve) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function run() {
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  const deadline = performance.now() + input.durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: input.connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const status = await send();
        const t1 = performance.now();
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) latencies.push(t1 - t0);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  parentPort?.postMessage({ latencies, statuses, elapsedMs });
}

void run();
`;

const PLACEHOLDER = '00000000-0000-4000-8000-5e551011d000';

interface LoadResult {
  latencies: number[];
  statuses: Record<string, number>;
  elapsedMs: number;
}

export interface IngestFigures {
  console: RunFigures;
  baseline: RunFigures;
  ratio: number;
  pgbenchTps: number | null;
}

interface RunFigures {
  throughput: number;
  p50: number;
  p99: number;
  acknowledged: number;
  stored: number;
  other: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function load(url: string, template: string, timestamp: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD_WORKER_SOURCE, {
      eval: true,
      workerData: {
        url,
        connections: CONNECTIONS,
        durationMs: DURATION_S * 1000,
        secret: SECRET,
        template,
        placeholder: PLACEHOLDER,
        timestamp,
      },
    });
    worker.once('message', (result: LoadResult) => {
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', reject);
  });
}

function figures(result: LoadResult, stored: number): RunFigures {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const acknowledged = result.latencies.length;
  const other = Object.fromEntries(Object.entries(result.statuses).filter(([status]) => !status.startsWith('2')));
  return {
    throughput: acknowledged / (result.elapsedMs / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    acknowledged,
    stored,
    other,
  };
}

/** The simple receiver from Didit's sample, on its own pool of the same size. */
async function startBaseline(databaseUrl: string): Promise<{ url: string; pool: pg.Pool; close: () => Promise<void> }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_MAX });
  pool.on('error', () => {});
  await pool.query(`create table if not exists bench_baseline_event (
    id bigserial primary key, dedupe_key text not null unique, webhook_type text not null, session_id uuid,
    status text, event_timestamp timestamptz not null, payload jsonb not null, received_at timestamptz not null default now())`);
  const app = express();
  app.use(express.json({ limit: '1mb', verify: (req, _res, buf) => ((req as Request & { rawBody?: Buffer }).rawBody = buf) }));
  app.post('/webhooks/didit', async (req, res) => {
    const raw = (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
    const expected = createHmac('sha256', SECRET).update(raw).digest();
    const given = Buffer.from(req.get('x-signature') ?? '', 'hex');
    const timestamp = Number(req.get('x-timestamp'));
    if (given.length !== expected.length || !timingSafeEqual(given, expected) || Math.abs(Date.now() / 1000 - timestamp) > 300) {
      res.status(401).end();
      return;
    }
    const body = req.body as Record<string, unknown>;
    try {
      await pool.query(
        `insert into bench_baseline_event (dedupe_key, webhook_type, session_id, status, event_timestamp, payload)
         values ($1, $2, $3, $4, to_timestamp($5), $6) on conflict (dedupe_key) do nothing`,
        [
          `${String(body['session_id'])}|${String(body['status'])}|${String(body['timestamp'])}|${String(body['webhook_type'])}`,
          body['webhook_type'],
          body['session_id'],
          body['status'],
          body['timestamp'],
          raw.toString('utf8'),
        ],
      );
      res.status(200).json({ ok: true });
    } catch {
      res.status(503).end();
    }
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/didit`,
    pool,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}

async function pgbenchTps(databaseUrl: string, dir: string): Promise<number | null> {
  const binary = ['/usr/bin/pgbench', '/usr/lib/postgresql/15/bin/pgbench'].find((candidate) => existsSync(candidate));
  if (!binary) return null;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(
    `create table if not exists bench_pgbench_event (id bigserial primary key, dedupe_key text not null unique, payload jsonb not null)`,
  );
  await admin.end();
  const script = path.join(dir, 'insert.sql');
  await writeFile(
    script,
    `insert into bench_pgbench_event (dedupe_key, payload) values (md5(random()::text || clock_timestamp()::text), '{"webhook_type":"status.updated"}');\n`,
  );
  const { stdout } = await promisify(execFile)(
    binary,
    ['-n', '-c', String(CONNECTIONS), '-j', '2', '-T', String(DURATION_S), '-f', script, databaseUrl],
    {
      timeout: (DURATION_S + 60) * 1000,
    },
  );
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
  return match ? Number(match[1]) : null;
}

export async function runIngestBenchmark(out: (line: string) => void = console.log): Promise<IngestFigures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-ingest-'));
  await chmod(dir, 0o755);
  let adminUrl = process.env['DATABASE_URL'];
  let embedded: Awaited<ReturnType<typeof startEmbeddedDatabase>> | undefined;
  if (!adminUrl) {
    out('starting an embedded Postgres for the benchmark…');
    embedded = await startEmbeddedDatabase({ dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'postgres' });
    adminUrl = embedded.adminUrl;
  }
  const dbName = `bench_ingest_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${pg.escapeIdentifier(dbName)}`);
  await admin.end();
  const target = new URL(adminUrl);
  target.pathname = `/${dbName}`;
  const databaseUrl = target.toString();

  try {
    const ctx = await createContext(
      loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        PORT: '0',
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_MAX: String(POOL_MAX),
        DIDIT_WEBHOOK_SECRET: SECRET,
        DIDIT_MEDIA_ORIGINS: 'https://media.example.test',
      }),
    );
    await migrateToLatest(ctx.db, ctx.pool);
    const server: Server = await new Promise((resolve) => {
      const s = createServer(createApp(ctx)).listen(0, '127.0.0.1', () => resolve(s));
    });
    const consoleUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/didit`;
    const baseline = await startBaseline(databaseUrl);

    const timestamp = Math.floor(Date.now() / 1000) + 20; // stays within ±300 s for both runs
    const template = diditCanonicalJson(sessionEvent({ sessionId: PLACEHOLDER, status: 'In Review', timestamp }), {
      asciiOnly: true,
    });
    out(
      `payload ${Buffer.byteLength(template)} bytes, ${CONNECTIONS} connections, ${DURATION_S} s per run, pool ${POOL_MAX} per receiver`,
    );

    out('running the baseline receiver…');
    const baselineLoad = await load(baseline.url, template, timestamp);
    const baselineStored = Number(
      (await baseline.pool.query<{ n: string }>('select count(*) as n from bench_baseline_event')).rows[0]?.n ?? 0,
    );
    out('running the console receiver…');
    const consoleLoad = await load(consoleUrl, template, timestamp);
    const consoleStored = Number(
      (await ctx.pool.query<{ n: string }>('select count(*) as n from webhook_event')).rows[0]?.n ?? 0,
    );

    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await baseline.close();
    await ctx.close();

    out('running pgbench (single-row INSERT, same database)…');
    const tps = await pgbenchTps(databaseUrl, dir).catch((error: unknown) => {
      out(`pgbench failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });

    const result: IngestFigures = {
      console: figures(consoleLoad, consoleStored),
      baseline: figures(baselineLoad, baselineStored),
      ratio: 0,
      pgbenchTps: tps,
    };
    result.ratio = result.console.throughput / result.baseline.throughput;
    const row = (name: string, f: RunFigures) =>
      `${name.padEnd(10)} ${f.throughput.toFixed(0).padStart(8)}/s   p50 ${f.p50.toFixed(2).padStart(7)} ms   p99 ${f.p99.toFixed(2).padStart(7)} ms   2xx ${String(f.acknowledged).padStart(7)}   rows ${String(f.stored).padStart(7)}${f.acknowledged === f.stored ? '  (equal)' : '  (MISMATCH)'}${Object.keys(f.other).length ? `   other ${JSON.stringify(f.other)}` : ''}`;
    out('');
    out(row('console', result.console));
    out(row('baseline', result.baseline));
    out(
      `ratio      ${result.ratio.toFixed(2)}x throughput (target ≥ 1.5x), p99 ${result.console.p99 <= result.baseline.p99 ? 'no worse' : 'WORSE'} than baseline`,
    );
    out(
      `pgbench    ${tps === null ? 'not available (apt-get install -y postgresql-client)' : `${tps.toFixed(0)} single-row INSERT tps (${CONNECTIONS} clients) — the per-transaction ceiling`}`,
    );
    return result;
  } finally {
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${pg.escapeIdentifier(dbName)} with (force)`);
    await cleanup.end();
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runIngestBenchmark().then(
    (figures) => process.exit(figures.console.acknowledged === figures.console.stored ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
