import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from './sandbox.ts';

describe('sandbox state file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-state-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('restores workflows, sessions and the blocklist after a restart, and replaces the start-up destination', async () => {
    const stateFile = path.join(dir, 'state.json');
    const webhook = { url: 'http://127.0.0.1:9/webhooks/didit', secret: 'first-secret-0123456789' };
    const first = await startSandbox({ stateFile, webhook });
    const workflow = first.createWorkflow({
      workflow_label: 'Kept',
      workflow_type: 'biometric_authentication',
      is_liveness_enabled: true,
    });
    const created = first.createSession({ workflow_id: workflow.workflow_id, vendor_data: 'user-1' });
    const id = created.session_id as string;
    first.openSession(id);
    first.completeSession(id, { capture: 'match', livenessScore: 60 });
    const before = first.decision(id);
    await first.stop();

    const second = await startSandbox({ stateFile, webhook: { ...webhook, secret: 'second-secret-0123456789' } });
    try {
      const after = second.decision(id);
      expect(after.status).toBe(before.status);
      expect(after.session_number).toBe(before.session_number);
      const next = second.createSession({ workflow_id: workflow.workflow_id, vendor_data: 'user-2' });
      expect(next.session_number).toBe((before.session_number as number) + 1);
      const destinations = [...second.state.destinations.values()].filter((d) => d.url === webhook.url);
      expect(destinations.map((d) => d.secret)).toEqual(['second-secret-0123456789']);
    } finally {
      await second.stop();
    }
  });
});
