import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonText } from './canonical-json.ts';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { call, LIVENESS_ONLY_WORKFLOW } from './test-helpers.ts';

let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

/** Sends a PATCH's headers and only the start of its body, as a client killed mid-request does. */
function startPatch(target: RunningSandbox, path: string) {
  const socket = connect(target.port, '127.0.0.1');
  socket.write(
    `PATCH ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${target.apiKey}\r\n` +
      'content-type: application/json\r\ncontent-length: 100\r\n\r\n{"new_status":',
  );
  return socket;
}

describe('request log (/sandbox/requests)', () => {
  it('records a call when it arrives, and marks it aborted when its client goes away before the answer', async () => {
    sandbox = await startSandbox({ seed: 1 });
    const workflowId = jsonText(sandbox.createWorkflow(LIVENESS_ONLY_WORKFLOW)['workflow_id']);
    const id = jsonText(sandbox.createSession({ workflow_id: workflowId })['session_id']);
    const path = `/v3/session/${id}/update-status/`;
    const socket = startPatch(sandbox, path);
    await vi.waitFor(() => expect(sandbox?.requests()).toHaveLength(1), { timeout: 10_000 });
    expect(sandbox.requests()[0]).toMatchObject({ method: 'PATCH', path, body: null, status: null, aborted: false });

    socket.destroy();
    await vi.waitFor(() => expect(sandbox?.requests()[0]?.aborted).toBe(true), { timeout: 10_000 });
    await call(sandbox, 'GET', '/v3/workflows/');
    const pushes = await call(sandbox, 'GET', '/sandbox/requests?method=patch&path_prefix=/v3/session/');
    expect(pushes.body).toEqual([
      {
        id: 1,
        at: expect.any(String),
        method: 'PATCH',
        path,
        body: null,
        status: null,
        duration_ms: expect.any(Number),
        aborted: true,
      },
    ]);
  });

  it('keeps the configured number of calls, dropping the oldest', async () => {
    sandbox = await startSandbox({ requestLogLimit: 2 });
    for (let i = 0; i < 3; i++) await call(sandbox, 'GET', `/v3/workflows/?offset=${i}`);
    expect(sandbox.requests().map((r) => r.path)).toEqual(['/v3/workflows/?offset=1', '/v3/workflows/?offset=2']);
  });
});
