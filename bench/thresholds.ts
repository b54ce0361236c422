/**
 * `npm run bench:thresholds`: seeds 100,000 sessions of one workflow inside the last 30 days
 * (plus 100,000 of another workflow and older ones that the window must skip), with analyst
 * verdicts on ~6% of them, then measures the threshold simulation (matrix + contradictions) and
 * the score histogram: p50/p95 over BENCH_REQUESTS runs each, directly on the SQL and over HTTP.
 *
 * Uses DATABASE_URL's server when set (a scratch database is created and dropped), otherwise an
 * embedded Postgres in a temp directory. Loopback only; bounded; stops by itself.
 */
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { createApp } from '../server/app.ts';
import { createApiToken } from '../server/auth/api-tokens.ts';
import { loadConfig } from '../server/config.ts';
import { createContext } from '../server/context.ts';
import type { ThresholdSet } from '../server/contract/thresholds.ts';
import { migrateToLatest } from '../server/db/database.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { listen } from '../server/http/server.ts';
import { scoreHistogram, simulate } from '../server/thresholds/simulate.ts';

const sessions = Number(process.env.BENCH_SESSIONS ?? 100_000);
const requests = Number(process.env.BENCH_REQUESTS ?? 50);
const warmup = 5;
const print = (line: string) => process.stdout.write(`${line}\n`);
const WORKFLOW = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  return { p50: at(50).toFixed(1), p95: at(95).toFixed(1), max: at(100).toFixed(1) };
}

async function measure(label: string, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < warmup; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  const s = summary(samples);
  print(`${label.padEnd(44)} p50 ${s.p50} ms   p95 ${s.p95} ms   max ${s.max} ms   (n=${requests})`);
}

async function seed(pool: pg.Pool): Promise<void> {
  await pool.query(
    `insert into workflow (id, label, workflow_type, has_face_match, liveness_method)
                    values ($1, 'Bench face match', 'biometric_authentication', true, 'PASSIVE'),
                           ($2, 'Bench other', 'biometric_authentication', true, 'PASSIVE')`,
    [WORKFLOW, OTHER],
  );
  await pool.query(
    `insert into app_user (subject, issuer, email, roles) values ('bench', 'bench', 'bench@example.test', '{analyst}')`,
  );
  // Scores skewed high (most genuine users pass), a tail of low ones, ~1% hard declines, ~10% liveness only.
  const insert = (workflow: string, count: number, fromDays: number, spanDays: number) =>
    pool.query(
      `insert into verification_session (id, workflow_id, vendor_data, status, liveness_score, face_match_score, warning_codes,
                                         decided_at, decision_source, warnings, media)
       select gen_random_uuid(), $1, 'bench-' || g,
              case when r.hard then 'Declined' when r.l <= 50 or r.f <= 50 then 'Declined'
                   when r.l <= 70 or r.f <= 70 then (case when g % 3 = 0 then 'Declined' else 'Approved' end)
                   else 'Approved' end,
              r.l, r.f,
              case when r.hard then array['LIVENESS_FACE_ATTACK'] else '{}' end,
              now() - make_interval(secs => $3 * 86400 + random() * $4 * 86400),
              case when not r.hard and (r.l <= 70 or r.f <= 70) and r.l > 50 and coalesce(r.f, 100) > 50 then 'console' else 'didit' end,
              '[]'::jsonb, '{}'::jsonb
         from generate_series(1, $2) g,
              lateral (select least(100, greatest(0, 100 - abs(random() * 40 + random() * 30)))::float8 as l,
                              case when g % 10 = 0 then null else least(100, greatest(0, 100 - abs(random() * 45 + random() * 20)))::float8 end as f,
                              (g % 100 = 0) as hard) r`,
      [workflow, count, fromDays, spanDays],
    );
  await insert(WORKFLOW, sessions, 0, 30);
  await insert(WORKFLOW, sessions / 2, 31, 60); // older than the window
  await insert(OTHER, sessions, 0, 30);
  await pool.query(`insert into review_event (session_id, kind, actor_id, actor_label)
                    select id, case when status = 'Declined' then 'decline' else 'approve' end,
                           (select id from app_user limit 1), 'bench@example.test'
                      from verification_session where decision_source = 'console'`);
  await pool.query('analyze');
}

export async function runThresholdsBenchmark(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const scratch = await createScratchDatabase('thresholds');
    cleanups.unshift(() => scratch.drop());
    const ctx = await createContext(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: scratch.url }));
    cleanups.unshift(() => ctx.close());
    await migrateToLatest(ctx.db, ctx.pool);

    process.stdout.write(
      `Seeding ${sessions.toLocaleString('en')} sessions in the window (+${(sessions * 1.5).toLocaleString('en')} outside it)... `,
    );
    const seedStarted = performance.now();
    await seed(ctx.pool);
    print(`${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const current: ThresholdSet = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 70, faceMatchDecline: 50 };
    const proposed: ThresholdSet = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 };
    const window = { from: new Date(Date.now() - 30 * 86_400_000), to: new Date() };
    const sample = await simulate(ctx.db, { workflowId: WORKFLOW, current, proposed, window });
    print(
      `window holds ${sample.sessions.toLocaleString('en')} replayed sessions; reviews/day ${sample.reviewsPerDay.current} → ${sample.reviewsPerDay.proposed}; contradictions ${sample.contradictions.total}`,
    );

    await measure('simulate (SQL: matrix + contradictions)', () =>
      simulate(ctx.db, { workflowId: WORKFLOW, current, proposed, window }),
    );
    await measure('score histogram (SQL)', () => scoreHistogram(ctx.db, WORKFLOW, window));

    const token = await createApiToken(ctx.db, { name: 'bench', role: 'viewer', createdBy: null, createdByLabel: 'bench' });
    const http = await listen(createApp(ctx), '127.0.0.1', 0, ctx.logger);
    cleanups.unshift(() => http.close(1_000));
    const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    const headers = { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' };
    await measure('POST /api/workflows/:id/thresholds/simulate', async () => {
      const res = await fetch(`${base}/api/workflows/${WORKFLOW}/thresholds/simulate`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ thresholds: proposed, window: { days: 30 } }),
      });
      if (!res.ok) throw new Error(`simulate answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    });
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => process.stderr.write(`${String(error)}\n`));
  }
}

// Run directly (`npm run bench:thresholds`), not when imported by bench/run.ts.
if (import.meta.url === `file://${process.argv[1]}`) await runThresholdsBenchmark();
