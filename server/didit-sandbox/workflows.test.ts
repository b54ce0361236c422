import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonText } from './canonical-json.ts';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { call, FACE_MATCH_WORKFLOW, HEX_UUID, LIVENESS_ONLY_WORKFLOW } from './test-helpers.ts';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11 });
});
afterAll(() => sandbox.stop());

/**
 * The config keys of each feature that the detail shows flat: all but `status_rules`, read from
 * Didit's feature-config contract as recorded in test/fixtures/didit/.
 */
const recordedSchema = JSON.parse(
  readFileSync(
    path.join(import.meta.dirname, '../../test/fixtures/didit/feature-config-schema.liveness-face-match.json'),
    'utf8',
  ),
) as { body: { features: Record<'LIVENESS' | 'FACE_MATCH', { fields: Record<string, unknown> }> } };
const flatKeysOf = (feature: 'LIVENESS' | 'FACE_MATCH') =>
  Object.keys(recordedSchema.body.features[feature].fields).filter((key) => key !== 'status_rules');
const LIVENESS_KEYS = flatKeysOf('LIVENESS');
const FACE_MATCH_KEYS = flatKeysOf('FACE_MATCH');

/** The detail's own settings fields, shown whichever features are enabled. */
const SETTINGS_KEYS = [
  'uuid',
  'workflow_id',
  'workflow_label',
  'workflow_type',
  'is_default',
  'is_archived',
  'is_liveness_enabled',
  'is_face_match_enabled',
  'is_aml_enabled',
  'is_phone_verification_enabled',
  'is_email_verification_enabled',
  'is_database_validation_enabled',
  'is_ip_analysis_enabled',
  'is_nfc_enabled',
  'duplicated_user_action',
  'documents_allowed',
  'is_white_label_enabled',
  'is_desktop_allowed',
  'max_retry_attempts',
  'retry_window_days',
  'session_expiration_time',
  'version',
  'status',
  'has_draft',
  'is_simple_workflow',
  'is_editable',
  'workflow_url',
  'total_price',
  'min_price',
  'max_price',
  'created_by',
  'created_at',
  'updated_at',
];

const THRESHOLD_KEYS = [
  'face_liveness_score_review_threshold',
  'face_liveness_score_decline_threshold',
  'face_match_score_review_threshold',
  'face_match_score_decline_threshold',
];

const patch = (uuid: string, body: object) => call(sandbox, 'PATCH', `/v3/workflows/${uuid}/`, body);
const read = (uuid: string) => call(sandbox, 'GET', `/v3/workflows/${uuid}/`);
/** POST, then the detail of the new version (POST itself answers the list-view shape). */
const create = async (body: object = FACE_MATCH_WORKFLOW) => {
  const res = await call(sandbox, 'POST', '/v3/workflows/', body);
  expect(res.status).toBe(201);
  return (await read(res.body.uuid)).body;
};
/** What a client reads back from the flat detail: the feature's config keys, method uppercased. */
const flatConfig = (detail: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(
    keys.map((key) => {
      const value = detail[key];
      return [key, key === 'face_liveness_method' && typeof value === 'string' ? value.toUpperCase() : value];
    }),
  );
/** The stored config of a version (internal; the detail shows it only flat). */
const storedConfig = (uuid: string, feature: string) =>
  sandbox.state.workflows.get(uuid)?.features.find((f) => f.feature === feature)?.config;
const faceMatch = (review: number, decline: number) => [
  { feature: 'LIVENESS' },
  { feature: 'FACE_MATCH', config: { face_match_score_review_threshold: review, face_match_score_decline_threshold: decline } },
];

describe('POST /v3/workflows/', () => {
  it('creates published version 1 of a new group, its settings uuid distinct from the workflow_id', async () => {
    const created = await create();
    expect(created).toMatchObject({ version: 1, status: 'published', is_editable: false, has_draft: false });
    expect(created.uuid).toMatch(HEX_UUID);
    expect(created.workflow_id).toMatch(HEX_UUID);
    expect(created.uuid).not.toBe(created.workflow_id);
  });

  it('answers POST and PATCH with the list-view shape: features as a string list, no thresholds, no config', async () => {
    const posted = await call(sandbox, 'POST', '/v3/workflows/', FACE_MATCH_WORKFLOW);
    expect(posted.body).toMatchObject({
      version: 1,
      status: 'published',
      features: ['LIVENESS', 'FACE_MATCH'],
      workflow_type: null,
    });
    const patched = await patch(posted.body.uuid, { workflow_label: 'Renamed' });
    expect(patched.body).toMatchObject({
      uuid: posted.body.uuid,
      workflow_label: 'Renamed',
      features: ['LIVENESS', 'FACE_MATCH'],
    });
    for (const body of [posted.body, patched.body]) {
      for (const key of [...THRESHOLD_KEYS, 'is_liveness_enabled', 'face_liveness_method']) expect(body).not.toHaveProperty(key);
    }
  });

  it('creates a draft version 1 when asked, editable', async () => {
    const created = await create({ ...FACE_MATCH_WORKFLOW, status: 'draft' });
    expect(created).toMatchObject({ version: 1, status: 'draft', is_editable: true, has_draft: true });
  });

  it('refuses keys outside the whitelist, workflow_type and the legacy flat fields included, naming each', async () => {
    const res = await call(sandbox, 'POST', '/v3/workflows/', {
      ...FACE_MATCH_WORKFLOW,
      workflow_type: 'biometric_authentication',
      face_match_score_review_threshold: 60,
    });
    expect(res).toMatchObject({
      status: 400,
      body: { workflow_type: ['Unknown field.'], face_match_score_review_threshold: ['Unknown field.'] },
    });
    const legacy = await call(sandbox, 'POST', '/v3/workflows/', { is_liveness_enabled: true, face_liveness_method: 'passive' });
    expect(legacy.body).toEqual({
      features: ['This field is required.'],
      is_liveness_enabled: ['Unknown field.'],
      face_liveness_method: ['Unknown field.'],
    });
  });

  it('refuses unsupported features, duplicates, an empty list and face match without liveness first', async () => {
    const ocr = await call(sandbox, 'POST', '/v3/workflows/', { features: [{ feature: 'OCR' }] });
    expect(ocr.body).toEqual({ features: [{ feature: ['"OCR" is not a valid choice.'] }] });
    const dup = await call(sandbox, 'POST', '/v3/workflows/', { features: [{ feature: 'LIVENESS' }, { feature: 'LIVENESS' }] });
    expect(dup.body).toEqual({ features: [{}, { feature: ['Duplicate feature "LIVENESS".'] }] });
    const empty = await call(sandbox, 'POST', '/v3/workflows/', { features: [] });
    expect(empty.body).toEqual({ features: ['This list may not be empty.'] });
    const alone = await call(sandbox, 'POST', '/v3/workflows/', { features: [{ feature: 'FACE_MATCH' }] });
    expect(alone.body).toEqual({ features: ['FACE_MATCH requires LIVENESS earlier in the workflow.'] });
    const item = await call(sandbox, 'POST', '/v3/workflows/', { features: [{ feature: 'LIVENESS', settings: {} }] });
    expect(item.body).toEqual({ features: [{ settings: ['Unknown field.'] }] });
  });

  it('stops at 50 workflows per application', async () => {
    const sb = await startSandbox();
    try {
      for (let i = 0; i < 50; i++) sb.createWorkflow(LIVENESS_ONLY_WORKFLOW);
      const res = await call(sb, 'POST', '/v3/workflows/', LIVENESS_ONLY_WORKFLOW);
      expect(res).toMatchObject({ status: 400, body: { non_field_errors: ['Maximum 50 workflows per application.'] } });
    } finally {
      await sb.stop();
    }
  });
});

describe('feature configs', () => {
  it('stores every key of the feature-config schema, defaults filled in, and shows each flat so the config can be sent back whole', async () => {
    const created = await create();
    for (const key of [...LIVENESS_KEYS, ...FACE_MATCH_KEYS]) expect(created).toHaveProperty(key);
    expect(created).not.toHaveProperty('features');
    expect(created).not.toHaveProperty('status_rules');
    expect(created).toMatchObject({
      face_liveness_method: 'passive',
      face_liveness_max_attempts: 2,
      face_audio_recording_enabled: false,
      race_map_similarity_thresholds: {},
      screen_capture_action: null,
      face_match_eyes_covered_action: 'NO_ACTION',
      face_match_not_computed_action: 'DECLINE',
      face_match_max_attempts: 2,
      face_match_score_review_threshold: 70,
    });
    const features = [
      { feature: 'LIVENESS', config: flatConfig(created, LIVENESS_KEYS) },
      { feature: 'FACE_MATCH', config: flatConfig(created, FACE_MATCH_KEYS) },
    ];
    const sentBack = await patch(created.uuid, { features });
    expect(sentBack.status).toBe(200);
    const after = (await read(created.uuid)).body;
    expect(flatConfig(after, [...LIVENESS_KEYS, ...FACE_MATCH_KEYS])).toEqual(
      flatConfig(created, [...LIVENESS_KEYS, ...FACE_MATCH_KEYS]),
    );
  });

  it('lets a client that sends back every flat config key (method uppercased) change only the thresholds', async () => {
    const rule = { field: 'face_liveness_score', operator: 'less_than', score: 30, status: 'Declined' };
    const created = await create({
      features: [
        {
          feature: 'LIVENESS',
          config: {
            face_liveness_method: 'ACTIVE_3D',
            face_liveness_max_attempts: 3,
            face_liveness_score_review_threshold: 80,
            face_liveness_score_decline_threshold: 60,
            face_quality_review_threshold: 55,
            face_quality_decline_threshold: 35,
            face_privacy_mode_enabled: true,
            screen_capture_action: 'DECLINE',
            virtual_camera_action: 'REVIEW',
            race_map_similarity_thresholds: { default: 0.8 },
            status_rules: [rule],
          },
        },
        {
          feature: 'FACE_MATCH',
          config: {
            face_match_max_attempts: 1,
            face_match_eyes_covered_action: 'REVIEW',
            face_match_not_computed_action: 'REVIEW',
            face_match_score_review_threshold: 85,
            face_match_score_decline_threshold: 65,
          },
        },
      ],
    });
    const livenessThresholds = { face_liveness_score_review_threshold: 72, face_liveness_score_decline_threshold: 52 };
    const faceMatchThresholds = { face_match_score_review_threshold: 74, face_match_score_decline_threshold: 54 };
    const res = await patch(created.uuid, {
      features: [
        { feature: 'LIVENESS', config: { ...flatConfig(created, LIVENESS_KEYS), ...livenessThresholds } },
        { feature: 'FACE_MATCH', config: { ...flatConfig(created, FACE_MATCH_KEYS), ...faceMatchThresholds } },
      ],
    });
    expect(res.status).toBe(200);
    const after = (await read(created.uuid)).body;
    expect(after).toMatchObject({ ...livenessThresholds, ...faceMatchThresholds });
    for (const key of [...LIVENESS_KEYS, ...FACE_MATCH_KEYS].filter((k) => !THRESHOLD_KEYS.includes(k))) {
      expect({ key, value: after[key] }).toEqual({ key, value: created[key] });
    }
    expect(after).toMatchObject({
      face_liveness_method: 'active_3d',
      face_privacy_mode_enabled: true,
      face_match_max_attempts: 1,
    });
    // status_rules have no flat field, so the list sent back resets them (README, uncertainties).
    expect(storedConfig(created.uuid, 'LIVENESS')?.['status_rules']).toEqual([]);
  });

  it("refuses a fractional threshold with DRF's integer message", async () => {
    const { uuid } = await create();
    const res = await patch(uuid, {
      features: [{ feature: 'LIVENESS', config: { face_liveness_score_review_threshold: 70.5 } }],
    });
    expect(res).toMatchObject({
      status: 400,
      body: { features: [{ config: { face_liveness_score_review_threshold: ['A valid integer is required.'] } }] },
    });
    const text = await patch(uuid, {
      features: [{ feature: 'LIVENESS', config: { face_liveness_score_review_threshold: '70' } }],
    });
    expect(text.status).toBe(400);
  });

  it("refuses thresholds outside 0–100 with DRF's range messages, in the nested body", async () => {
    const res = await call(sandbox, 'POST', '/v3/workflows/', {
      features: [
        { feature: 'LIVENESS', config: { face_liveness_score_decline_threshold: -1 } },
        { feature: 'FACE_MATCH', config: { face_match_score_review_threshold: 101 } },
      ],
    });
    expect(res.body).toEqual({
      features: [
        { config: { face_liveness_score_decline_threshold: ['Ensure this value is greater than or equal to 0.'] } },
        { config: { face_match_score_review_threshold: ['Ensure this value is less than or equal to 100.'] } },
      ],
    });
  });

  it('refuses unknown config keys, unknown enum values and a review threshold below the decline threshold', async () => {
    const res = await call(sandbox, 'POST', '/v3/workflows/', {
      features: [
        { feature: 'LIVENESS', config: { liveness_review: 70, screen_capture_action: 'IGNORE' } },
        { feature: 'FACE_MATCH', config: { face_match_score_review_threshold: 40, face_match_score_decline_threshold: 50 } },
      ],
    });
    expect(res.body).toEqual({
      features: [
        { config: { liveness_review: ['Unknown field.'], screen_capture_action: ['"IGNORE" is not a valid choice.'] } },
        {
          config: { face_match_score_review_threshold: ['Must be greater than or equal to face_match_score_decline_threshold.'] },
        },
      ],
    });
  });

  it("accepts the liveness method in the schema's uppercase or the docs' lowercase, stores uppercase, shows it lowercase, refuses mixed case", async () => {
    for (const method of ['FLASHING', 'flashing']) {
      const created = await create({ features: [{ feature: 'LIVENESS', config: { face_liveness_method: method } }] });
      expect(created.face_liveness_method).toBe('flashing');
      expect(storedConfig(created.uuid, 'LIVENESS')?.['face_liveness_method']).toBe('FLASHING');
    }
    const mixed = await call(sandbox, 'POST', '/v3/workflows/', {
      features: [{ feature: 'LIVENESS', config: { face_liveness_method: 'Flashing' } }],
    });
    expect(mixed.body).toEqual({ features: [{ config: { face_liveness_method: ['"Flashing" is not a valid choice.'] } }] });
  });
});

describe('GET /v3/workflows/ and /v3/workflows/{settings_uuid}/', () => {
  it('lists one row per version, drafts included, newest first, without thresholds or per-feature config', async () => {
    const sb = await startSandbox({ seed: 12 });
    try {
      const v1 = sb.createWorkflow(FACE_MATCH_WORKFLOW);
      const other = sb.createWorkflow(LIVENESS_ONLY_WORKFLOW);
      const v2 = sb.patchWorkflow(jsonText(v1['uuid']), { status: 'published' });
      const draft = sb.createWorkflowVersion(jsonText(v1['workflow_id']), { status: 'draft', features: faceMatch(80, 60) });
      const list = await call(sb, 'GET', '/v3/workflows/');
      expect(list.body).toMatchObject({ count: 4, next: null, previous: null });
      const rows = list.body.results as Record<string, unknown>[];
      expect(rows.map((r) => r['uuid'])).toEqual([draft['uuid'], v2['uuid'], other['uuid'], v1['uuid']]);
      expect(rows.map((r) => [r['version'], r['status'], r['is_editable'], r['has_draft']])).toEqual([
        [3, 'draft', true, true],
        [2, 'published', false, true],
        [1, 'published', false, false],
        [1, 'published', false, true],
      ]);
      expect(rows[0]).toMatchObject({ workflow_id: v1['workflow_id'], features: 'LIVENESS + FACE_MATCH', workflow_type: null });
      expect(rows[2]!['features']).toBe('LIVENESS');
      for (const row of rows) {
        for (const key of [...THRESHOLD_KEYS, 'is_liveness_enabled', 'face_liveness_method']) expect(row).not.toHaveProperty(key);
        expect(typeof row['features']).toBe('string');
      }
      expect(Object.keys(rows[0]!).sort()).toEqual(
        [
          'uuid',
          'workflow_id',
          'workflow_label',
          'workflow_type',
          'is_default',
          'is_archived',
          'is_white_label_enabled',
          'total_price',
          'min_price',
          'max_price',
          'features',
          'is_simple_workflow',
          'is_editable',
          'workflow_url',
          'max_retry_attempts',
          'retry_window_days',
          'session_expiration_time',
          'version',
          'status',
          'has_draft',
          'created_by',
          'created_at',
          'updated_at',
        ].sort(),
      );
    } finally {
      await sb.stop();
    }
  });

  it("reads a version's settings in the documented flat form: each enabled feature's config keys flat, no features list", async () => {
    const created = await create({
      workflow_label: 'Flat',
      features: [
        { feature: 'LIVENESS', config: { face_liveness_method: 'PASSIVE', face_liveness_score_review_threshold: 75 } },
        { feature: 'FACE_MATCH', config: { face_match_score_decline_threshold: 40, face_match_score_review_threshold: 60 } },
      ],
    });
    const res = await read(created.uuid);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      uuid: created.uuid,
      workflow_id: created.workflow_id,
      workflow_label: 'Flat',
      version: 1,
      status: 'published',
      is_liveness_enabled: true,
      face_liveness_method: 'passive',
      face_liveness_score_review_threshold: 75,
      face_liveness_score_decline_threshold: 50,
      is_face_match_enabled: true,
      face_match_score_review_threshold: 60,
      face_match_score_decline_threshold: 40,
      is_aml_enabled: false,
      documents_allowed: {},
    });
    expect(Object.keys(res.body).sort()).toEqual([...SETTINGS_KEYS, ...LIVENESS_KEYS, ...FACE_MATCH_KEYS].sort());
    expect(res.body).not.toHaveProperty('features');
    expect(res.body).not.toHaveProperty('status_rules');
    const livenessOnly = await read((await create(LIVENESS_ONLY_WORKFLOW)).uuid);
    expect(livenessOnly.body).toMatchObject({ is_liveness_enabled: true, is_face_match_enabled: false });
    expect(Object.keys(livenessOnly.body).sort()).toEqual([...SETTINGS_KEYS, ...LIVENESS_KEYS].sort());
  });

  it('finds a version only by its settings uuid in lowercase: the workflow_id or an uppercase id is 404', async () => {
    const created = await create();
    expect((await read(created.uuid)).status).toBe(200);
    expect(await read(created.workflow_id)).toMatchObject({ status: 404, body: { detail: 'Not found.' } });
    expect((await read(created.uuid.toUpperCase())).status).toBe(404);
    expect((await patch(created.workflow_id, { workflow_label: 'x' })).status).toBe(404);
  });
});

describe('PATCH /v3/workflows/{settings_uuid}/', () => {
  it('refuses an unknown key with a 400 naming it, the legacy flat threshold fields included', async () => {
    const { uuid } = await create();
    expect(await patch(uuid, { workflow_label: 'ok', colour: 'red' })).toMatchObject({
      status: 400,
      body: { colour: ['Unknown field.'] },
    });
    expect(await patch(uuid, { face_match_score_review_threshold: 75 })).toMatchObject({
      status: 400,
      body: { face_match_score_review_threshold: ['Unknown field.'] },
    });
    expect((await read(uuid)).body.workflow_label).toBe('Returning user');
  });

  it('replaces the whole features list: config keys not sent fall back to their defaults', async () => {
    const created = await create({
      features: [
        { feature: 'LIVENESS', config: { face_liveness_method: 'FLASHING', face_liveness_score_review_threshold: 85 } },
        { feature: 'FACE_MATCH', config: { face_match_score_review_threshold: 90, face_match_score_decline_threshold: 80 } },
      ],
    });
    const res = await patch(created.uuid, {
      features: [{ feature: 'LIVENESS', config: { face_liveness_score_decline_threshold: 40 } }],
    });
    expect(res).toMatchObject({ status: 200, body: { features: ['LIVENESS'] } });
    const after = (await read(created.uuid)).body;
    expect(after).toMatchObject({
      is_liveness_enabled: true,
      face_liveness_method: 'passive',
      face_liveness_score_review_threshold: 70,
      face_liveness_score_decline_threshold: 40,
      is_face_match_enabled: false,
    });
    for (const key of FACE_MATCH_KEYS) expect(after).not.toHaveProperty(key);
    expect(after).not.toHaveProperty('features');
    expect(after).not.toHaveProperty('status_rules');
  });

  it('updates a published version in place when no status is sent: same uuid, same version', async () => {
    const created = await create();
    const res = await patch(created.uuid, { workflow_label: 'Renamed', features: faceMatch(75, 55) });
    expect(res).toMatchObject({
      status: 200,
      body: { uuid: created.uuid, version: 1, status: 'published', workflow_label: 'Renamed' },
    });
    expect((await read(created.uuid)).body.face_match_score_review_threshold).toBe(75);
  });

  it('updates a draft and publishes it when no status is sent', async () => {
    const created = await create({ ...FACE_MATCH_WORKFLOW, status: 'draft' });
    const res = await patch(created.uuid, { workflow_label: 'Now live' });
    expect(res.body).toMatchObject({ uuid: created.uuid, version: 1, status: 'published', is_editable: false });
  });

  it('publishes a draft in place with status "published"', async () => {
    const v1 = await create();
    const draft = sandbox.createWorkflowVersion(v1.workflow_id, { status: 'draft' });
    const res = await patch(jsonText(draft['uuid']), { status: 'published', features: faceMatch(71, 51) });
    expect(res.body).toMatchObject({ uuid: draft['uuid'], version: 2, status: 'published', has_draft: false });
    expect((await read(v1.uuid)).body).toMatchObject({ status: 'published', version: 1 });
  });

  it('keeps a draft a draft with status "draft"', async () => {
    const created = await create({ ...FACE_MATCH_WORKFLOW, status: 'draft' });
    const res = await patch(created.uuid, { status: 'draft', features: faceMatch(77, 50) });
    expect(res.body).toMatchObject({ uuid: created.uuid, status: 'draft', is_editable: true });
    expect((await read(created.uuid)).body).toMatchObject({ status: 'draft', face_match_score_review_threshold: 77 });
  });

  it('creates a new published version (new uuid, version + 1) with status "published" and deletes the group\'s draft', async () => {
    const v1 = await create();
    const draft = sandbox.createWorkflowVersion(v1.workflow_id, { status: 'draft', features: faceMatch(90, 80) });
    expect(draft).toMatchObject({ version: 2, status: 'draft' });
    const res = await patch(v1.uuid, { status: 'published', features: faceMatch(72, 52) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workflow_id: v1.workflow_id, version: 2, status: 'published', has_draft: false });
    expect(res.body.uuid).not.toBe(v1.uuid);
    expect((await read(res.body.uuid)).body.face_match_score_review_threshold).toBe(72);
    expect((await read(jsonText(draft['uuid']))).status).toBe(404);
    expect((await read(v1.uuid)).body).toMatchObject({ version: 1, status: 'published', face_match_score_review_threshold: 70 });
  });

  it('refuses status "draft" on a published version with "Cannot revert a published version to draft."', async () => {
    const created = await create();
    expect(await patch(created.uuid, { status: 'draft' })).toMatchObject({
      status: 400,
      body: { status: ['Cannot revert a published version to draft.'] },
    });
  });

  it('validates the settings fields with DRF messages', async () => {
    const { uuid } = await create();
    const res = await patch(uuid, {
      workflow_label: 'x'.repeat(51),
      max_retry_attempts: 11,
      session_expiration_time: 60,
      status: 'live',
    });
    expect(res.body).toEqual({
      workflow_label: ['Ensure this field has no more than 50 characters.'],
      max_retry_attempts: ['Ensure this value is less than or equal to 10.'],
      session_expiration_time: ['Ensure this value is greater than or equal to 3600.'],
      status: ['"live" is not a valid choice.'],
    });
  });

  it('deletes one version with 204, then answers 404 for it and leaves it out of the list', async () => {
    const v1 = await create({ ...FACE_MATCH_WORKFLOW, workflow_label: 'Doomed' });
    const v2 = (await patch(v1.uuid, { status: 'published' })).body;
    expect((await call(sandbox, 'DELETE', `/v3/workflows/${v2.uuid}/`)).status).toBe(204);
    expect(await read(v2.uuid)).toMatchObject({ status: 404, body: { detail: 'Not found.' } });
    expect((await call(sandbox, 'DELETE', `/v3/workflows/${v2.uuid}/`)).status).toBe(404);
    expect((await read(v1.uuid)).status).toBe(200);
    const list = await call(sandbox, 'GET', '/v3/workflows/?limit=1000');
    const uuids = list.body.results.map((w: { uuid: string }) => w.uuid);
    expect(uuids).not.toContain(v2.uuid);
    expect(uuids).toContain(v1.uuid);
  });
});

describe('sessions and workflow versions', () => {
  const session = async (workflowId: string, user: string) =>
    (
      await call(sandbox, 'POST', '/v3/session/', {
        workflow_id: workflowId,
        vendor_data: user,
        portrait_image: sandbox.portraitFor(user),
      })
    ).body;

  it("binds a session to the group's latest published version, never to a draft", async () => {
    const v1 = await create();
    const v2 = (await patch(v1.uuid, { status: 'published', features: faceMatch(80, 60) })).body;
    sandbox.createWorkflowVersion(v1.workflow_id, { status: 'draft', features: faceMatch(95, 90) });
    const created = await session(v1.workflow_id, 'bound-1');
    expect(created).toMatchObject({ workflow_id: v1.workflow_id, workflow_version: 2 });
    expect(sandbox.state.sessions.get(created.session_id)?.workflowUuid).toBe(v2.uuid);
    // v2 reviews at 80, the draft would have declined at 90.
    expect(
      sandbox.completeSession(created.session_id, { capture: 'match', livenessScore: 95, faceMatchScore: 85 })['status'],
    ).toBe('Approved');
  });

  it('keeps scoring a session by its version after a newer version is published', async () => {
    const v1 = await create();
    const before = await session(v1.workflow_id, 'bound-2');
    await patch(v1.uuid, { status: 'published', features: faceMatch(90, 80) });
    const after = await session(v1.workflow_id, 'bound-3');
    expect(after.workflow_version).toBe(2);
    const scores = { capture: 'match', livenessScore: 95, faceMatchScore: 75 } as const;
    expect(sandbox.completeSession(before.session_id, scores)['status']).toBe('Approved');
    expect(sandbox.completeSession(after.session_id, scores)['status']).toBe('Declined');
  });

  it("scores by the bound version's thresholds as they stand at completion: an in-place PATCH counts", async () => {
    const v1 = await create();
    const created = await session(v1.workflow_id, 'bound-4');
    await patch(v1.uuid, { features: faceMatch(90, 80) });
    expect(
      sandbox.completeSession(created.session_id, { capture: 'match', livenessScore: 95, faceMatchScore: 85 })['status'],
    ).toBe('In Review');
  });

  it('answers 400 for a group with no published version, and for a settings uuid given as workflow_id', async () => {
    const draft = await create({ ...FACE_MATCH_WORKFLOW, status: 'draft' });
    expect(await session(draft.workflow_id, 'draft-only')).toEqual({ workflow_id: ['This workflow has no published version.'] });
    const published = await create();
    expect(await session(published.uuid, 'by-uuid')).toEqual({
      workflow_id: [`Invalid pk "${published.uuid}" - object does not exist.`],
    });
  });

  it('reuses an unfinished session only within the same bound version', async () => {
    const v1 = await create();
    const first = await session(v1.workflow_id, 'reuse-v');
    expect((await session(v1.workflow_id, 'reuse-v')).session_id).toBe(first.session_id);
    await patch(v1.uuid, { status: 'published' });
    expect((await session(v1.workflow_id, 'reuse-v')).session_id).not.toBe(first.session_id);
  });
});

describe("control API: workflow edits made in Didit's console", () => {
  it('creates a draft copied from the latest published version, then a published version that deletes it', async () => {
    const v1 = await create();
    const draft = await call(sandbox, 'POST', `/sandbox/workflows/${v1.workflow_id}/versions`, {
      status: 'draft',
      workflow_label: 'Tighter',
      features: faceMatch(85, 65),
    });
    expect(draft).toMatchObject({
      status: 201,
      body: { version: 2, status: 'draft', workflow_label: 'Tighter', face_match_score_review_threshold: 85 },
    });
    expect(draft.body.created_by).toMatchObject({ type: 'user' });
    const published = await call(sandbox, 'POST', `/sandbox/workflows/${v1.workflow_id}/versions`, { status: 'published' });
    expect(published.body).toMatchObject({
      version: 2,
      status: 'published',
      workflow_label: 'Returning user',
      face_match_score_review_threshold: 70,
    });
    expect((await read(draft.body.uuid)).status).toBe(404);
    expect((await call(sandbox, 'POST', `/sandbox/workflows/${v1.workflow_id}/versions`, { status: 'gone' })).status).toBe(400);
    expect(
      (await call(sandbox, 'POST', '/sandbox/workflows/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/versions', { status: 'draft' }))
        .status,
    ).toBe(404);
  });
});
