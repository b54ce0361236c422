import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { diditIdSchema } from '../contract/ids.ts';
import { erasureReferenceSchema, erasureScopeSchema, type ErasureStatus } from '../contract/privacy.ts';
import { runErasure, requestErasure, type ErasureDeps, type ErasureProgress, type ErasureSubject } from './erasure.ts';

export const eraseUsage = `erase --vendor-data <id> --reference <ref>
                     erase a person (every session with that vendor_data) here at once and at
                     Didit (its list is searched for sessions the console never stored), retried
                     until Didit confirms; running it again resumes the request. Irreversible
  erase --session <id> --reference <ref> [--scope session|person]
                     the same for one session (default), or for the person behind it`;

/** The operator running the CLI, recorded as the requester. */
function operatorLabel(): string {
  try {
    return `cli (${userInfo().username})`;
  } catch {
    return 'cli';
  }
}

/**
 * `npm run cli -- erase …`: makes or resumes the request (local data goes at once), then tries the
 * Didit side inline with progress; what is left (Didit down, rate-limited) the worker finishes.
 * Throws, so the process exits non-zero, when something is not confirmed yet or Didit refused.
 */
export async function eraseCommand(deps: ErasureDeps, args: string[], out: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'vendor-data': { type: 'string' },
      session: { type: 'string' },
      scope: { type: 'string' },
      reference: { type: 'string' },
    },
    strict: true,
  });
  const reference = erasureReferenceSchema.safeParse(values.reference ?? '');
  if (!reference.success)
    throw new Error(`erase needs --reference <ticket or DSAR number>: ${reference.error.issues[0]?.message ?? ''}`);
  const subject = subjectOf(values);
  const requested = await requestErasure(deps, subject, reference.data, { actor: null, label: operatorLabel() });
  const removed = requested.removed;
  out(
    `Erasure request ${requested.requestId} (${reference.data}) ${requested.resumed ? 'resumed' : 'recorded'}: ` +
      `personal data removed here from ${removed.sessions} session${removed.sessions === 1 ? '' : 's'}` +
      ` (${removed.webhookBodies} webhook bodies, ${removed.notes} notes).`,
  );
  out('Deleting at Didit…');
  const { status } = await runErasure(deps, requested.requestId, { onProgress: (progress) => out(progressLine(progress)) });
  for (const line of summary(status)) out(line);
  if (status.state !== 'completed') {
    throw new Error(
      status.state === 'failed'
        ? `Erasure request ${status.id} is not complete: Didit refused ${status.counts.failed} session(s). Resolve that, then run the same command again.`
        : `Erasure request ${status.id} is not complete yet: the worker keeps retrying until Didit confirms (or run the same command again).`,
    );
  }
}

function subjectOf(values: { 'vendor-data'?: string; session?: string; scope?: string }): ErasureSubject {
  const vendorData = values['vendor-data'];
  if ((vendorData === undefined) === (values.session === undefined)) {
    throw new Error('erase needs exactly one of --vendor-data <id> or --session <id>');
  }
  if (vendorData !== undefined) {
    if (vendorData === '') throw new Error('--vendor-data must not be empty');
    if (values.scope !== undefined) throw new Error('--scope goes with --session');
    return { vendorData };
  }
  const sessionId = diditIdSchema.safeParse(values.session);
  if (!sessionId.success) throw new Error('--session must be a Didit session id (8-4-4-4-12 hexadecimal)');
  const scope = erasureScopeSchema.safeParse(values.scope ?? 'session');
  if (!scope.success) throw new Error('--scope is session or person');
  return { sessionId: sessionId.data, scope: scope.data };
}

function progressLine(progress: ErasureProgress): string {
  switch (progress.kind) {
    case 'searched':
      return `  Didit lists ${progress.listed} session${progress.listed === 1 ? '' : 's'} of this person (${progress.added} not known here before).`;
    case 'confirmed':
      return progress.outcome === 'deleted'
        ? `  ${progress.sessionId}: deleted at Didit`
        : `  ${progress.sessionId}: already gone at Didit (404)`;
    case 'failed':
      return progress.refused
        ? `  ${progress.sessionId}: REFUSED by Didit (${progress.error})`
        : `  ${progress.sessionId}: not yet, will retry (${progress.error})`;
  }
}

function summary(status: ErasureStatus): string[] {
  const c = status.counts;
  const lines = [
    `Summary: ${c.total} session${c.total === 1 ? '' : 's'}: ${c.deleted} deleted at Didit, ${c.gone} already gone, ` +
      `${c.failed} refused, ${c.pending} pending.`,
  ];
  if (status.diditSearch === 'pending') lines.push("Didit's session list could not be searched yet; the worker retries.");
  if (status.diditSearch === 'not_possible') {
    lines.push(
      "Didit's list was not searched: the person's vendor_data is no longer held here (give it with --vendor-data to search).",
    );
  }
  lines.push(
    status.state === 'completed'
      ? `Request ${status.id} completed: Didit confirmed every session gone.`
      : `Request ${status.id} is ${status.state === 'failed' ? 'blocked' : 'in progress'}${status.lastError ? `: ${status.lastError.replace(/\.+$/, '')}` : ''}.`,
  );
  return lines;
}
