import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonText } from './canonical-json.ts';
import { startSandbox, type SandboxLogger } from './sandbox.ts';
import { call, FACE_MATCH_WORKFLOW } from './test-helpers.ts';

describe('sandbox state file', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sandbox-state-'));
  });
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

  it("restores versioned workflows: every version, the draft, and each session's bound version", async () => {
    const stateFile = path.join(dir, 'state.json');
    const first = await startSandbox({ stateFile, seed: 31 });
    const v1 = first.createWorkflow(FACE_MATCH_WORKFLOW);
    const workflowId = jsonText(v1['workflow_id']);
    const old = first.createSession({ workflow_id: workflowId, portrait_image: first.portraitFor('p1') });
    const v2 = first.patchWorkflow(jsonText(v1['uuid']), {
      status: 'published',
      features: [{ feature: 'LIVENESS' }, { feature: 'FACE_MATCH', config: { face_match_score_review_threshold: 90 } }],
    });
    const draft = first.createWorkflowVersion(workflowId, { status: 'draft' });
    await first.stop();

    const second = await startSandbox({ stateFile, seed: 32 });
    try {
      const list = await call(second, 'GET', '/v3/workflows/');
      expect(
        list.body.results.map((r: { uuid: string; version: number; status: string }) => [r.uuid, r.version, r.status]),
      ).toEqual([
        [draft['uuid'], 3, 'draft'],
        [v2['uuid'], 2, 'published'],
        [v1['uuid'], 1, 'published'],
      ]);
      expect((await call(second, 'GET', `/v3/workflows/${jsonText(v2['uuid'])}/`)).body.face_match_score_review_threshold).toBe(
        90,
      );
      const id = jsonText(old['session_id']);
      expect(second.state.sessions.get(id)?.workflowUuid).toBe(v1['uuid']);
      expect(second.completeSession(id, { capture: 'match', livenessScore: 95, faceMatchScore: 85 })['status']).toBe('Approved');
      const fresh = second.createSession({ workflow_id: workflowId, portrait_image: second.portraitFor('p2') });
      expect(fresh['workflow_version']).toBe(2);
    } finally {
      await second.stop();
    }
  });

  it('migrates a state file of the old unversioned format, with a logged warning, instead of failing to start', async () => {
    const stateFile = path.join(dir, 'state.json');
    const at = Date.UTC(2026, 0, 1);
    const legacy = {
      uuid: '11111111-1111-4111-8111-111111111111',
      workflowId: '22222222-2222-4222-8222-222222222222',
      label: 'Old legacy',
      type: 'biometric_authentication',
      isDefault: false,
      isArchived: false,
      version: 3,
      maxRetryAttempts: 3,
      retryWindowDays: 7,
      sessionExpirationTime: 604800,
      form: {
        kind: 'legacy',
        fields: {
          is_liveness_enabled: true,
          is_face_match_enabled: false,
          face_liveness_method: 'flashing',
          face_liveness_score_review_threshold: 65.5,
          face_liveness_score_decline_threshold: 40,
        },
      },
      createdAt: at,
      updatedAt: at,
      deleted: false,
    };
    const features = {
      ...legacy,
      uuid: '33333333-3333-4333-8333-333333333333',
      workflowId: '44444444-4444-4444-8444-444444444444',
      label: 'Old features',
      version: 1,
      form: {
        kind: 'features',
        features: [{ feature: 'LIVENESS', config: { face_liveness_method: 'active_3d', custom_key: 1 } }],
      },
    };
    const session = {
      sessionId: '55555555-5555-4555-8555-555555555555',
      sessionNumber: 1000,
      sessionToken: 'tok',
      workflowId: legacy.workflowId,
      workflowVersion: 3,
      features: ['LIVENESS'],
      vendorData: 'old-user',
      metadata: null,
      callback: null,
      callbackMethod: 'initiator',
      language: null,
      contactDetails: null,
      expectedDetails: null,
      status: 'Not Started',
      portraitPerson: null,
      portraitRef: null,
      capture: null,
      activity: [],
      resubmitInfo: null,
      createdAt: at,
      expiresAt: at + 604800_000,
      updatedAt: at,
      deleted: false,
    };
    writeFileSync(
      stateFile,
      JSON.stringify({
        version: 1,
        applicationId: '66666666-6666-4666-8666-666666666666',
        nextSessionNumber: 1001,
        workflows: [legacy, features],
        sessions: [session],
        portraits: {},
        destinations: [],
        faceBlocklist: [],
        knownPortraits: [],
      }),
    );
    const warnings: string[] = [];
    const logger: SandboxLogger = (level, message) => {
      if (level === 'warn') warnings.push(message);
    };
    const sb = await startSandbox({ stateFile, logger });
    try {
      expect(warnings.some((w) => /migrated 2 workflows and 1 sessions from state format 1/.test(w))).toBe(true);
      const detail = (await call(sb, 'GET', `/v3/workflows/${legacy.uuid}/`)).body;
      expect(detail).toMatchObject({
        workflow_id: legacy.workflowId,
        version: 3,
        status: 'published',
        face_liveness_method: 'flashing',
        face_liveness_score_review_threshold: 66,
        face_liveness_score_decline_threshold: 40,
        is_face_match_enabled: false,
      });
      const migrated = (await call(sb, 'GET', `/v3/workflows/${features.uuid}/`)).body;
      // Migrated complete: the method uppercased in config (lowercase in the flat detail), the
      // unknown key dropped, the keys the old file lacked at their defaults.
      expect(migrated).toMatchObject({
        is_liveness_enabled: true,
        face_liveness_method: 'active_3d',
        face_liveness_max_attempts: 2,
        face_liveness_score_review_threshold: 70,
        face_liveness_score_decline_threshold: 50,
        race_map_similarity_thresholds: {},
        is_face_match_enabled: false,
      });
      expect(migrated).not.toHaveProperty('custom_key');
      expect(migrated).not.toHaveProperty('features');
      expect(migrated).not.toHaveProperty('status_rules');
      expect(sb.state.workflows.get(features.uuid)?.features).toEqual([
        { feature: 'LIVENESS', config: expect.objectContaining({ face_liveness_method: 'ACTIVE_3D', status_rules: [] }) },
      ]);
      const decision = sb.completeSession(session.sessionId, { capture: 'match', livenessScore: 60 });
      expect(decision['status']).toBe('In Review');
    } finally {
      await sb.stop();
    }
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).version).toBe(2);
  });

  it('starts empty with a warning when the state file is of an unknown format, keeping it aside', async () => {
    const stateFile = path.join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify({ version: 99 }));
    const warnings: string[] = [];
    const sb = await startSandbox({ stateFile, logger: (level, message) => level === 'warn' && warnings.push(message) });
    try {
      expect(sb.state.workflows.size).toBe(0);
      expect(warnings).toEqual([expect.stringMatching(/unreadable/)]);
      expect(existsSync(`${stateFile}.unreadable`)).toBe(true);
    } finally {
      await sb.stop();
    }
  });
});
