/* eslint-disable no-console -- a benchmark prints its figures */
/** `npm run bench`: every benchmark, one after the other. Each is bounded and stops by itself. */
import { runIngestBenchmark } from './ingest.ts';
import { runInsightsBenchmark } from './insights.ts';
import { runQueueBenchmark } from './queue.ts';
import { runThresholdsBenchmark } from './thresholds.ts';

const benchmarks: Array<[string, () => Promise<unknown>]> = [
  ['ingest', () => runIngestBenchmark()],
  ['queue', () => runQueueBenchmark()],
  ['thresholds', () => runThresholdsBenchmark()],
  ['insights', () => runInsightsBenchmark()],
];

for (const [name, run] of benchmarks) {
  console.log(`\n== ${name} ==`);
  await run();
}
process.exit(0);
