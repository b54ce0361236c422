import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';
import { stringField } from '../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { quickDiditClient } from '../../test/helpers/quick-didit-client.ts';
import { createTestContext } from '../../test/helpers/test-context.ts';
import { eraseCommand } from './erasure.command.ts';
import type { ErasureDeps } from './erasure.ts';

let sandbox: RunningSandbox;
let ctx: AppContext;
let deps: ErasureDeps & AppContext;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 31 });
  ({ ctx } = await createTestContext({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: 'erasure-command-secret-01',
  }));
  deps = {
    ...ctx,
    didit: quickDiditClient(ctx, sandbox, { maxAttempts: 2 }),
  };
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
});
afterAll(async () => {
  await sandbox.stop();
});

function atDidit(vendorData: string): string {
  const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: vendorData }), 'session_id');
  sandbox.completeSession(id, { capture: 'match' });
  return id;
}
async function stored(vendorData: string): Promise<string> {
  const id = atDidit(vendorData);
  await repairSessionFromDidit(deps, id);
  return id;
}

/** Runs the command as `npm run cli -- erase …` would; its lines, and what it threw (the exit status). */
async function erase(...args: string[]): Promise<{ lines: string[]; error: Error | null }> {
  const lines: string[] = [];
  const error = await eraseCommand(deps, args, (line) => lines.push(line)).then(
    () => null,
    (thrown: unknown) => thrown as Error,
  );
  return { lines, error };
}

describe('npm run cli -- erase', () => {
  it('erases a person by vendor_data here and at Didit, with progress and a summary', async () => {
    const vendorData = `person-${randomUUID()}`;
    const here = await stored(vendorData);
    const onlyThere = atDidit(vendorData);
    const { lines, error } = await erase('--vendor-data', vendorData, '--reference', 'DSAR-9001');
    expect(error).toBeNull();
    expect(lines[0]).toMatch(/^Erasure request \d+ \(DSAR-9001\) recorded: personal data removed here from 1 session /);
    expect(lines).toContain('  Didit lists 2 sessions of this person (1 not known here before).');
    expect(lines).toContain(`  ${here}: deleted at Didit`);
    expect(lines).toContain(`  ${onlyThere}: deleted at Didit`);
    expect(lines).toContain('Summary: 2 sessions: 2 deleted at Didit, 0 already gone, 0 refused, 0 pending.');
    expect(lines.at(-1)).toMatch(/^Request \d+ completed: Didit confirmed every session gone\.$/);
    // The person's id is given on the command line; nothing the command prints repeats it.
    expect(lines.join('\n')).not.toContain(vendorData);
    expect(sandbox.state.sessions.get(here)?.deleted).toBe(true);
    expect(sandbox.state.sessions.get(onlyThere)?.deleted).toBe(true);
  });

  it('erases one session with --session', async () => {
    const vendorData = `person-${randomUUID()}`;
    const [id, other] = [await stored(vendorData), await stored(vendorData)];
    const { lines, error } = await erase('--session', id, '--reference', 'TICKET-12');
    expect(error).toBeNull();
    expect(lines).toContain(`  ${id}: deleted at Didit`);
    expect(sandbox.state.sessions.get(other)?.deleted).toBe(false);
  });

  it('fails (non-zero exit) while Didit refuses a session, and resumes the request when run again', async () => {
    const vendorData = `person-${randomUUID()}`;
    const id = await stored(vendorData);
    sandbox.setFiledReport(id, 'report-3');
    let first;
    try {
      first = await erase('--vendor-data', vendorData, '--reference', 'DSAR-9002');
    } finally {
      sandbox.setFiledReport(id, null);
    }
    expect(first.error?.message).toMatch(/^Erasure request \d+ is not complete: Didit refused 1 session\(s\)/);
    expect(first.lines).toContainEqual(
      expect.stringMatching(new RegExp(`^  ${id}: REFUSED by Didit \\(bad_request: .*in_filed_report`)),
    );
    expect(first.lines).toContain('Summary: 1 session: 0 deleted at Didit, 0 already gone, 1 refused, 0 pending.');

    const second = await erase('--vendor-data', vendorData, '--reference', 'DSAR-9002');
    expect(second.error).toBeNull();
    expect(second.lines[0]).toMatch(/^Erasure request \d+ \(DSAR-9002\) resumed/);
    expect(second.lines).toContain(`  ${id}: deleted at Didit`);
  });

  it('fails (non-zero exit) while Didit is down, leaving the rest to the worker', async () => {
    const id = await stored(`person-${randomUUID()}`);
    sandbox.setFaults({ apiErrorRate: 1 });
    let run;
    try {
      run = await erase('--session', id, '--reference', 'DSAR-9003');
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    expect(run.error?.message).toMatch(/is not complete yet: the worker keeps retrying/);
    expect(run.lines).toContainEqual(expect.stringMatching(new RegExp(`^  ${id}: not yet, will retry \\(server_error`)));
    expect(run.lines).toContain('Summary: 1 session: 0 deleted at Didit, 0 already gone, 0 refused, 1 pending.');
  });

  it('explains what it needs', async () => {
    const session = randomUUID();
    for (const [args, message] of [
      [['--reference', 'DSAR-1'], /exactly one of --vendor-data <id> or --session <id>/],
      [['--vendor-data', 'x', '--session', session, '--reference', 'DSAR-1'], /exactly one of/],
      [['--vendor-data', 'x'], /needs --reference/],
      [['--vendor-data', 'x', '--reference', 'jane@example.com'], /needs --reference/],
      [['--session', 'nope', '--reference', 'DSAR-1'], /--session must be a Didit session id/],
      [['--session', session, '--reference', 'DSAR-1', '--scope', 'all'], /--scope is session or person/],
      [['--session', session, '--reference', 'DSAR-1'], /No session/],
    ] as const) {
      const { error } = await erase(...args);
      expect(error?.message, args.join(' ')).toMatch(message);
    }
  });

  it('is a command of the CLI', async () => {
    const run = promisify(execFile);
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--help'], { cwd: process.cwd() });
    expect(stderr).toContain('erase --vendor-data <id> --reference <ref>');
  });
});
