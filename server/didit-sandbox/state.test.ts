import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from './sandbox.ts';
import { FACE_MATCH_WORKFLOW } from './test-helpers.ts';

describe('sandbox state file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-state-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('restores workflows, sessions and the blocklist after a restart, and replaces the start-up destination', async () => {
    const stateFile = path.join(dir, 'state.json');
    const webhook = { url: 'http://127.0.0.1:9/webhooks/didit', secret: 'first-secret-0123456789' };
    const first = await startSandbox({ stateFile, webhook });
    const workflow = first.createWorkflow(FACE_MATCH_WORKFLOW);
    const created = first.createSession({
      workflow_id: workflow.workflow_id,
      vendor_data: 'user-1',
      portrait_image: first.portraitFor('user-1'),
    });
    const id = created.session_id as string;
    first.openSession(id);
    first.completeSession(id, { capture: 'match', livenessScore: 60 });
    const before = first.decision(id);
    const portraitOf = (decision: typeof before) =>
      (decision.face_matches as Array<{ source_image: string }>)[0]?.source_image ?? '';
    const jpeg = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());
    const beforeImage = await jpeg(portraitOf(before));
    await first.stop();

    const second = await startSandbox({ stateFile, webhook: { ...webhook, secret: 'second-secret-0123456789' } });
    try {
      const after = second.decision(id);
      expect(after.status).toBe(before.status);
      // The reference portrait survives too: its fresh link serves the same JPEG.
      const afterImage = await jpeg(portraitOf(after));
      expect(afterImage.subarray(0, 2).toString('hex')).toBe('ffd8');
      expect(afterImage.equals(beforeImage)).toBe(true);
      expect(after.session_number).toBe(before.session_number);
      const next = second.createSession({
        workflow_id: workflow.workflow_id,
        vendor_data: 'user-2',
        portrait_image: second.portraitFor('user-2'),
      });
      expect(next.session_number).toBe((before.session_number as number) + 1);
      const destinations = [...second.state.destinations.values()].filter((d) => d.url === webhook.url);
      expect(destinations.map((d) => d.secret)).toEqual(['second-secret-0123456789']);
    } finally {
      await second.stop();
    }
  });
});
