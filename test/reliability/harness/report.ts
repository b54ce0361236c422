import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { passed, type ScenarioResult } from './scenario.ts';

/**
 * The suite's output: one aligned plain-text table on the terminal, and the same as Markdown and
 * JSON (with what is behind each figure) in the run directory.
 */

const commonHeadings = ['scenario', 'events', 'lost', 'duplicated', 'wrong', 'pushes missing/doubled'];
const closingHeadings = ['converged', 'checks', 'result'];
/** The column of scenarios' own figures, shown when one of the results has any. */
const ownHeading = 'own figures';

const hasOwnFigures = (results: readonly ScenarioResult[]) => results.some((result) => result.ownFigures !== undefined);

function headingsFor(results: readonly ScenarioResult[]): string[] {
  return [...commonHeadings, ...(hasOwnFigures(results) ? [ownHeading] : []), ...closingHeadings];
}

function row(result: ScenarioResult, withOwn: boolean): string[] {
  const ok = result.checks.filter((c) => c.ok).length;
  const own = result.ownFigures?.map((figure) => `${figure.name} ${figure.value}`).join(', ') ?? '–';
  return [
    result.scenario,
    result.events === null ? '–' : `${result.eventsComplete ? '' : '≥'}${result.events}`,
    String(result.lost),
    String(result.duplicated),
    String(result.wrong),
    `${result.pushesMissing}/${result.pushesDoubled}`,
    ...(withOwn ? [own] : []),
    result.convergedAfterMs === null ? `not in ${seconds(result.boundMs)}` : seconds(result.convergedAfterMs),
    `${ok}/${result.checks.length}`,
    passed(result) ? 'PASS' : 'FAIL',
  ];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatTable(results: readonly ScenarioResult[]): string {
  const headings = headingsFor(results);
  const rows = [headings, ...results.map((result) => row(result, hasOwnFigures(results)))];
  const widths = headings.map((_, column) => Math.max(...rows.map((cells) => cells[column]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Every check of each scenario, one line each. */
export function formatChecks(results: readonly ScenarioResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    for (const c of result.checks) lines.push(`${result.scenario}: ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  }
  return lines.join('\n');
}

function markdown(results: readonly ScenarioResult[], header: string): string {
  const headings = headingsFor(results);
  const rows = results.map((result) => row(result, hasOwnFigures(results)));
  const table = [headings, headings.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return `${header}\n\n${table.join('\n')}\n\n## Checks\n\n${formatChecks(results)
    .split('\n')
    .map((line) => `- ${line}`)
    .join('\n')}\n`;
}

/** Writes `results.md` and `results.json` (at most 25 entries of each detail list) to the run directory. */
export async function writeReport(runDir: string, results: readonly ScenarioResult[], header: string): Promise<void> {
  const sampled = results.map((result) => ({ ...result, passed: passed(result), details: sampleLists(result.details) }));
  await writeFile(path.join(runDir, 'results.json'), `${JSON.stringify({ header, results: sampled }, null, 2)}\n`);
  await writeFile(path.join(runDir, 'results.md'), markdown(results, header));
}

function sampleLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.slice(0, 25).map(sampleLists);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, sampleLists(inner)]));
  }
  return value;
}
