/**
 * `npm run test:reliability [-- <scenario>…]` (issue #17): the console against a real Postgres it
 * can stop and start, the Didit sandbox with faults, and 2 API + 2 worker processes behind the
 * suite's own balancer; each scenario is bounded in time, then the console is compared with
 * Didit's truth. Prints a table, writes it with the details to the run directory, and exits
 * non-zero unless every figure is 0, every scenario converged in time and every check passed.
 *
 * RELIABILITY_PROFILE=full for the figures (default: short, what CI runs);
 * RELIABILITY_SEED=<n> replays a run's random choices.
 */
/* eslint-disable no-console -- a suite run prints its progress and its table */
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatChecks, formatTable, writeReport } from './harness/report.ts';
import { abortedResult, passed, type ScenarioResult } from './harness/scenario.ts';
import { startStack } from './harness/stack.ts';
import { installTeardownHandlers, teardown } from './harness/teardown.ts';
import { profileFromEnv } from './profile.ts';
import { scenarios } from './scenarios/index.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function selectScenarios(names: readonly string[]) {
  if (names.length === 0) return scenarios;
  const unknown = names.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(`Unknown scenario: ${unknown.join(', ')}. Scenarios: ${scenarios.map((s) => s.name).join(', ')}`);
  }
  return scenarios.filter((s) => names.includes(s.name));
}

async function main(): Promise<number> {
  const profile = profileFromEnv();
  const selected = selectScenarios(process.argv.slice(2).filter((arg) => arg !== '--'));
  const seed = Number(process.env['RELIABILITY_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  installTeardownHandlers();
  const runDir = await mkdtemp(path.join(tmpdir(), `reliability-${profile.name}-`));
  const header =
    `Reliability suite, ${profile.name} profile, seed ${seed} (RELIABILITY_SEED=${seed} replays it), ` +
    `${availableParallelism()} cores, ${new Date().toISOString()}`;
  console.log(`${header}\nRun directory (logs, results): ${runDir}`);

  const stack = await startStack({ repoRoot, runDir, profile, seed, log: (line) => console.log(`  ${line}`) });
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    console.log(`\n== ${scenario.name}: ${scenario.summary}`);
    const started = Date.now();
    const result = await scenario
      .run(stack)
      .catch((error: unknown) => abortedResult(scenario.name, profile.convergeBoundMs, error));
    console.log(`   ${passed(result) ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    results.push(result);
  }

  console.log(`\n${formatTable(results)}\n\n${formatChecks(results)}\n`);
  await writeReport(runDir, results, header);
  console.log(`Logs and results.{md,json}: ${runDir}`);
  return results.every(passed) ? 0 : 1;
}

main().then(
  (code) => {
    teardown();
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    teardown();
    process.exit(1);
  },
);
