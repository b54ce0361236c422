import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../context.ts';
import { startSandbox, type RunningSandbox } from '../../didit-sandbox/sandbox.ts';
import { stringField } from '../../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../../test/helpers/didit-workflows.ts';
import { quickDiditClient } from '../../../test/helpers/quick-didit-client.ts';
import { createTestContext } from '../../../test/helpers/test-context.ts';
import type { DiditClient, DiditClientOptions } from './didit-client.ts';

/** `deleteSession` and the list's `vendor_data` filter (docs/didit-contract.md §17). */

let sandbox: RunningSandbox;
let ctx: AppContext;
let workflowId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 29 });
  ({ ctx } = await createTestContext());
  workflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
});
afterAll(async () => {
  await sandbox.stop();
});

const client = (options: Partial<DiditClientOptions> = {}) => quickDiditClient(ctx, sandbox, options);

function session(vendorData: string): string {
  const id = stringField(sandbox.createSession({ workflow_id: workflowId, vendor_data: vendorData }), 'session_id');
  sandbox.completeSession(id, { capture: 'match' });
  return id;
}

/** A client whose every call is answered by `answer` (Didit forms the sandbox does not serve). */
function answering(answer: () => Response): DiditClient {
  return quickDiditClient(ctx, { url: 'http://didit.invalid', apiKey: 'k-12345678' }, { fetch: () => Promise.resolve(answer()) });
}

const deleteCalls = (id: string) => sandbox.requests().filter((r) => r.method === 'DELETE' && r.path.includes(id));

describe('deleting a session at Didit', () => {
  it("reads Didit's 200 (newest) or 204 (older) as deleted and a repeated delete's 404 as gone", async () => {
    const id = session('client-delete-1');
    expect(await client().deleteSession(id)).toBe('deleted');
    expect(await client().deleteSession(id)).toBe('gone');
    const older = session('client-delete-1b');
    sandbox.setDeleteAnswers('older');
    try {
      expect(await client().deleteSession(older)).toBe('deleted');
    } finally {
      sandbox.setDeleteAnswers('newest');
    }
    expect([...deleteCalls(id), ...deleteCalls(older)].map((r) => [r.path, r.status])).toEqual([
      [`/v3/session/${id}/delete/`, 200],
      [`/v3/session/${id}/delete/`, 404],
      [`/v3/session/${older}/delete/`, 204],
    ]);
  });

  it('takes a 200 as deleted whatever its body, JSON or not', async () => {
    const id = '11111111-2222-3333-4444-555555555555';
    expect(await answering(() => new Response('deleted', { status: 200 })).deleteSession(id)).toBe('deleted');
    expect(await answering(() => Response.json({ results: [{ session_id: id }] })).deleteSession(id)).toBe('deleted');
  });

  it('retries a 5xx until Didit answers, each attempt counted in the write budget', async () => {
    const id = session('client-delete-2');
    const before = await writeGrants();
    sandbox.setFaults({ apiErrorRate: 1 });
    let attempts = 0;
    const c = client({
      maxAttempts: 3,
      // Didit recovers while the client backs off after its first 503.
      sleep: () => {
        sandbox.setFaults({ apiErrorRate: 0 });
        return Promise.resolve();
      },
      onAttempt: () => attempts++,
    });
    try {
      expect(await c.deleteSession(id)).toBe('deleted');
    } finally {
      sandbox.setFaults({ apiErrorRate: 0 });
    }
    expect(deleteCalls(id).map((r) => r.status)).toEqual([503, 200]);
    expect(attempts).toBe(2);
    expect((await writeGrants()) - before).toBe(2);
  });

  it("does not retry a 409 in_filed_report and names Didit's code in the error", async () => {
    const id = session('client-delete-3');
    sandbox.setFiledReport(id, 'report-1');
    try {
      await expect(client().deleteSession(id)).rejects.toMatchObject({
        code: 'bad_request',
        status: 409,
        retryable: false,
        message: expect.stringMatching(/^Didit delete_session answered 409: in_filed_report: .*report-1/),
      });
    } finally {
      sandbox.setFiledReport(id, null);
    }
    expect(deleteCalls(id).map((r) => r.status)).toEqual([409]);
  });
});

describe("listing a person's sessions", () => {
  it('filters by vendor_data', async () => {
    const mine = [session('client-list-person'), session('client-list-person')];
    session('client-list-other');
    const page = await client().listSessions({ limit: 100, offset: 0, vendorData: 'client-list-person' });
    expect(page.results.map((row) => row.session_id).sort()).toEqual([...mine].sort());
    expect(sandbox.requests().at(-1)?.path).toBe('/v3/sessions/?limit=100&offset=0&vendor_data=client-list-person');
  });
});

async function writeGrants(): Promise<number> {
  const { n } = await ctx.db
    .selectFrom('didit_rate_grant')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('scope', '=', 'generic-write')
    .executeTakeFirstOrThrow();
  return Number(n);
}
