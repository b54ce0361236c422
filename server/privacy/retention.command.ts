import { parseArgs } from 'node:util';
import type { AppContext } from '../context.ts';
import type { HeldLocally } from '../contract/privacy.ts';
import { applyRetention, type RetentionReport } from './retention.ts';

export const retentionUsage = `retention --dry-run       list what retention would remove now (personal data of sessions
                            finalised more than RETENTION_DAYS ago), changing nothing
  retention                 remove it now (the worker also does, hourly)`;

/** How many sessions the dry run lists. */
const LISTED = 20;

/** `npm run cli -- retention [--dry-run]`: retention on demand, or a look at what it would take. */
export async function retentionCommand(
  ctx: AppContext,
  args: string[],
  out: (line: string) => void,
  options: { now?: Date } = {},
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'dry-run': { type: 'boolean' }, 'batch-size': { type: 'string' } },
    strict: true,
  });
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5_000)) {
    throw new Error('--batch-size takes a whole number from 1 to 5000');
  }
  const report = await applyRetention(ctx, {
    ...(options.now ? { now: options.now } : {}),
    dryRun: values['dry-run'] === true,
    ...(batchSize ? { batchSize } : {}),
    sampleSize: LISTED,
    trigger: 'cli',
  });
  for (const line of describeRetention(report)) out(line);
}

/** The report for a person at a terminal: the cutoff, a count per category, and (dry run) the first sessions. */
export function describeRetention(report: RetentionReport): string[] {
  const { counts } = report;
  const verb = report.dryRun ? 'would go' : 'removed';
  const lines = [
    `Retention: personal data of sessions whose final decision is before ${day(report.cutoff)} ` +
      `(RETENTION_DAYS=${report.retentionDays}, cutoff ${report.cutoff.toISOString()}).`,
    report.dryRun ? 'Dry run: nothing was changed.' : `Done${report.complete ? '' : ' for now (time is up; run it again)'}.`,
    `  sessions (decision JSON, media links, vendor_data) ${verb}: ${counts.sessions}`,
    `  webhook delivery bodies ${verb}: ${counts.webhookBodies}`,
    `  quarantined deliveries ${verb}: ${counts.quarantined}`,
    report.removeNotes ? `  note texts ${verb}: ${counts.notes}` : '  note texts: kept (RETENTION_NOTES=keep)',
    `  vendor_data hashes ${report.dryRun ? 'to fill in' : 'filled in'} (rows stored before the hash existed): ${counts.hashed}`,
  ];
  if (report.dryRun && report.sample.length > 0) {
    lines.push('', 'Sessions, oldest first (id, status, final date, what it holds):');
    for (const session of report.sample) {
      lines.push(`  ${session.id}  ${session.status.padEnd(11)}  ${day(session.finalAt)}  ${holdings(session.holds)}`);
    }
    const more = counts.sessions - report.sample.length;
    if (more > 0) lines.push(`  …and ${more} more`);
  }
  return lines;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function holdings(holds: HeldLocally): string {
  const names = [
    holds.decision ? 'decision' : null,
    holds.mediaLinks ? 'media links' : null,
    holds.vendorData ? 'vendor_data' : null,
    holds.notes ? 'notes' : null,
  ].filter((name) => name !== null);
  return names.length > 0 ? names.join(', ') : '—';
}
