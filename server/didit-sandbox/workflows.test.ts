import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { call, FACE_MATCH_WORKFLOW } from './test-helpers.ts';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11 });
});
afterAll(() => sandbox.stop());

describe('workflows', () => {
  it('reads a workflow created with the legacy flat fields back with those fields', async () => {
    const created = await call(sandbox, 'POST', '/v3/workflows/', {
      workflow_label: 'Legacy',
      workflow_type: 'biometric_authentication',
      is_face_match_enabled: true,
      face_liveness_method: 'flashing',
      face_match_score_review_threshold: 65.5,
      face_match_score_decline_threshold: 40,
    });
    expect(created.status).toBe(201);
    const read = await call(sandbox, 'GET', `/v3/workflows/${created.body.uuid}/`);
    expect(read.body).toMatchObject({
      workflow_type: 'biometric_authentication',
      features: ['LIVENESS', 'FACE_MATCH'],
      is_liveness_enabled: true,
      is_face_match_enabled: true,
      face_liveness_method: 'flashing',
      face_liveness_score_review_threshold: 70,
      face_liveness_score_decline_threshold: 50,
      face_match_score_review_threshold: 65.5,
      face_match_score_decline_threshold: 40,
    });
  });

  it('reads a workflow created with features[] back with exactly that config', async () => {
    const created = await call(sandbox, 'POST', '/v3/workflows/', FACE_MATCH_WORKFLOW);
    const read = await call(sandbox, 'GET', `/v3/workflows/${created.body.workflow_id}/`);
    expect(read.status).toBe(200);
    expect(read.body.features).toEqual(FACE_MATCH_WORKFLOW['features']);
    expect(read.body).not.toHaveProperty('face_match_score_review_threshold');
  });

  it('rejects thresholds outside 0–100 with a nested DRF body', async () => {
    const res = await call(sandbox, 'POST', '/v3/workflows/', {
      features: [
        { feature: 'LIVENESS', config: {} },
        { feature: 'FACE_MATCH', config: { face_match_score_review_threshold: 101 } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      features: [{}, { config: { face_match_score_review_threshold: ['Ensure this value is less than or equal to 100.'] } }],
    });
    const flat = await call(sandbox, 'POST', '/v3/workflows/', { face_liveness_score_decline_threshold: -1 });
    expect(flat.body).toEqual({ face_liveness_score_decline_threshold: ['Ensure this value is greater than or equal to 0.'] });
  });

  it('rejects unknown enums, unsupported features, duplicates and mixed forms', async () => {
    const bad = await call(sandbox, 'POST', '/v3/workflows/', { workflow_type: 'kyb', face_liveness_method: 'blink' });
    expect(bad.body).toEqual({
      workflow_type: ['"kyb" is not a valid choice.'],
      face_liveness_method: ['"blink" is not a valid choice.'],
    });
    const ocr = await call(sandbox, 'POST', '/v3/workflows/', { features: [{ feature: 'OCR' }] });
    expect(ocr.body).toEqual({ features: [{ feature: ['"OCR" is not a valid choice.'] }] });
    const dup = await call(sandbox, 'POST', '/v3/workflows/', { features: [{ feature: 'LIVENESS' }, { feature: 'LIVENESS' }] });
    expect(dup.body).toEqual({ features: [{}, { feature: ['Duplicate feature "LIVENESS".'] }] });
    const mixed = await call(sandbox, 'POST', '/v3/workflows/', {
      features: [{ feature: 'LIVENESS' }],
      is_face_match_enabled: true,
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body).toHaveProperty('non_field_errors');
    const empty = await call(sandbox, 'POST', '/v3/workflows/', { features: [] });
    expect(empty.body).toEqual({ features: ['This list may not be empty.'] });
  });

  it('accepts the liveness method in any case and stores it as sent', async () => {
    const res = await call(sandbox, 'POST', '/v3/workflows/', {
      features: [{ feature: 'LIVENESS', config: { face_liveness_method: 'active_3d' } }],
    });
    expect(res.status).toBe(201);
    expect(res.body.features[0].config.face_liveness_method).toBe('active_3d');
  });

  it('PATCH with features replaces the whole list and bumps the version', async () => {
    const created = await call(sandbox, 'POST', '/v3/workflows/', FACE_MATCH_WORKFLOW);
    const patched = await call(sandbox, 'PATCH', `/v3/workflows/${created.body.uuid}/`, {
      features: [{ feature: 'LIVENESS', config: { face_liveness_score_review_threshold: 80 } }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(2);
    expect(patched.body.features).toEqual([{ feature: 'LIVENESS', config: { face_liveness_score_review_threshold: 80 } }]);
  });

  it('PATCH with flat threshold fields updates the matching config of a features workflow', async () => {
    const created = await call(sandbox, 'POST', '/v3/workflows/', FACE_MATCH_WORKFLOW);
    const patched = await call(sandbox, 'PATCH', `/v3/workflows/${created.body.uuid}/`, {
      face_match_score_review_threshold: 75,
    });
    expect(patched.body.features[1].config.face_match_score_review_threshold).toBe(75);
    const legacy = await call(sandbox, 'POST', '/v3/workflows/', { is_face_match_enabled: true });
    const patchedLegacy = await call(sandbox, 'PATCH', `/v3/workflows/${legacy.body.uuid}/`, {
      face_match_score_decline_threshold: 33,
    });
    expect(patchedLegacy.body.face_match_score_decline_threshold).toBe(33);
    expect(patchedLegacy.body.face_match_score_review_threshold).toBe(70);
  });

  it('deletes with 204, then answers 404 and leaves it out of the list envelope', async () => {
    const created = await call(sandbox, 'POST', '/v3/workflows/', { workflow_label: 'Doomed' });
    expect((await call(sandbox, 'DELETE', `/v3/workflows/${created.body.uuid}/`)).status).toBe(204);
    expect(await call(sandbox, 'GET', `/v3/workflows/${created.body.uuid}/`)).toMatchObject({
      status: 404,
      body: { detail: 'Not found.' },
    });
    expect((await call(sandbox, 'DELETE', `/v3/workflows/${created.body.uuid}/`)).status).toBe(404);
    const list = await call(sandbox, 'GET', '/v3/workflows/?limit=100');
    expect(list.body).toMatchObject({ next: null, previous: null });
    expect(list.body.results.map((w: { uuid: string }) => w.uuid)).not.toContain(created.body.uuid);
    expect(list.body.count).toBe(list.body.results.length);
  });
});
