import { parseArgs } from 'node:util';
import type { AppContext } from '../context.ts';
import type { DiditSessionSummary } from '../vendors/didit/didit-schemas.ts';
import { runReconcileWalk, type StepResult } from './reconcile.ts';
import { repairSessionFromDidit } from './repair-session.ts';

export const syncUsage = `sync --since <ISO date>   backfill: walk Didit's sessions created since the date and repair
                            every one we lack or whose list row shows a change (resumable:
                            Ctrl-C stops after the current page; run it again to continue)
  sync --since <date> --restart   start that backfill over from the first page`;

/** `npm run cli -- sync --since 2026-01-01`: reconciliation on demand, with progress, resumable. */
export async function syncCommand(
  ctx: AppContext,
  args: string[],
  out: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { since: { type: 'string' }, 'page-size': { type: 'string' }, restart: { type: 'boolean' } },
    strict: true,
  });
  const since = values.since ? new Date(values.since) : undefined;
  if (!since || Number.isNaN(since.getTime())) throw new Error('sync needs --since <ISO date>, e.g. --since 2026-01-01');
  if (!ctx.didit.configured) throw new Error('The Didit API is not configured: set DIDIT_BASE_URL and DIDIT_API_KEY.');
  const pageSize = values['page-size'] ? Number(values['page-size']) : 100;
  const cursor = `backfill:${since.toISOString()}`;
  if (values.restart) await ctx.db.deleteFrom('sync_cursor').where('name', '=', cursor).execute();

  // Ctrl-C: finish the page in hand (its progress commits with it), then stop.
  let stopping = false;
  const onSignal = () => {
    if (!stopping) out('Stopping after the current page…');
    stopping = true;
  };
  process.on('SIGINT', onSignal);
  signal?.addEventListener('abort', onSignal);
  const started = Date.now();
  let examinedAtStart: number | null = null;
  let failures = 0;
  try {
    const result = await runReconcileWalk(ctx, {
      cursor,
      since: () => since,
      pageSize,
      shouldStop: () => stopping,
      repair: {
        kind: 'inline',
        repair: async (sessions: DiditSessionSummary[]) => {
          for (const session of sessions) {
            try {
              await repairSessionFromDidit(ctx, session.session_id);
            } catch (error) {
              failures++;
              out(`  could not repair ${session.session_id}: ${error instanceof Error ? error.message : String(error)}`);
            }
          }
        },
      },
      onStep: (step: StepResult) => {
        if (step.status === 'busy') return;
        const p = step.progress;
        // A resumed backfill: the rate counts only what this run examined.
        examinedAtStart ??= p.examined - step.fetched;
        const total = p.total ?? p.examined;
        const elapsed = (Date.now() - started) / 1000;
        const rate = elapsed > 0 ? (p.examined - examinedAtStart) / elapsed : 0;
        const left = Math.max(0, total - p.examined);
        const eta = rate > 0 ? `${Math.ceil(left / rate)} s` : '—';
        const percent = total === 0 ? 100 : Math.round((p.examined / total) * 100);
        out(`${p.examined}/${total} sessions (${percent}%), ${p.repaired} repaired, ${rate.toFixed(1)}/s, ETA ${eta}`);
      },
    });
    if (result === 'busy') out('Another process is running this backfill right now; try again when it finishes.');
    else if (result === 'paused') out(`Interrupted. Run the same command to resume from where it stopped.`);
    else
      out(
        `Backfill since ${since.toISOString()} complete${failures > 0 ? ` (${failures} sessions could not be repaired)` : ''}.`,
      );
  } finally {
    process.off('SIGINT', onSignal);
    signal?.removeEventListener('abort', onSignal);
  }
}
