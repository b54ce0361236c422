import { describe, expect, it } from 'vitest';
import { DiditClient } from '../vendors/didit/didit-client.ts';
import type { RateBudget } from '../vendors/didit/rate-budget.ts';
import { thresholdPatchBody, thresholdsInStoredSettings, UnsafeThresholdPatchError } from '../vendors/didit/workflows.ts';

/** Didit's workflow shapes the sandbox does not produce: a bare-array list, list-form features, other features. */
const budget: RateBudget = { acquire: () => Promise.resolve(0), observe: () => Promise.resolve() };
const clientAnswering = (body: unknown) =>
  new DiditClient({
    baseUrl: 'https://didit.invalid',
    apiKey: 'test-key-123',
    budget,
    fetch: () =>
      Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })),
  });

const WF = '11111111-2222-3333-4444-555555555555';
const V1 = 'aaaaaaaa-bbbb-cccc-dddd-000000000001';
const V2 = 'AAAAAAAA-BBBB-CCCC-DDDD-000000000002';
const V3 = 'aaaaaaaa-bbbb-cccc-dddd-000000000003';

describe('Didit workflows', () => {
  it('keeps, per workflow, the latest published version and notes a newer draft, from a bare-array list', async () => {
    const published = await clientAnswering([
      { uuid: V3, workflow_id: WF, version: 3, status: 'draft', features: 'LIVENESS + FACE_MATCH' },
      { uuid: V2, workflow_id: WF, version: 2, status: 'published', features: ['LIVENESS', 'FACE_MATCH'] },
      { uuid: V1, workflow_id: WF, version: 1, status: 'published', features: 'LIVENESS + FACE_MATCH' },
      {
        uuid: '99999999-0000-0000-0000-000000000001',
        workflow_id: '99999999-0000-0000-0000-000000000000',
        version: 1,
        status: 'draft',
      },
    ]).listPublishedWorkflows();
    expect([...published.keys()]).toEqual([WF]);
    // Ids come back lowercased, as Postgres prints them.
    expect(published.get(WF)?.latest).toMatchObject({ settingsId: V2.toLowerCase(), version: 2, status: 'published' });
    expect(published.get(WF)?.draft).toMatchObject({ settingsId: V3, version: 3 });
  });

  it('reads features[].config and ignores face-match values of a liveness-only workflow', async () => {
    const settings = await clientAnswering({
      uuid: V1,
      workflow_id: WF,
      version: 1,
      status: 'published',
      features: [
        {
          feature: 'LIVENESS',
          config: {
            face_liveness_method: 'ACTIVE_3D',
            face_liveness_score_review_threshold: 80,
            face_liveness_score_decline_threshold: 60,
            face_liveness_max_attempts: 2,
          },
        },
      ],
      face_match_score_review_threshold: 70,
    }).getWorkflowSettings(V1);
    expect(settings).toMatchObject({
      form: 'features',
      hasFaceMatch: false,
      livenessMethod: 'ACTIVE_3D',
      thresholds: { livenessReview: 80, livenessDecline: 60, faceMatchReview: null, faceMatchDecline: null },
    });
    // A PATCH with features replaces the list: every other config key is sent back as it was.
    expect(
      thresholdPatchBody(settings, { livenessReview: 75, livenessDecline: 55, faceMatchReview: null, faceMatchDecline: null }),
    ).toEqual({
      features: [
        {
          feature: 'LIVENESS',
          config: {
            face_liveness_method: 'ACTIVE_3D',
            face_liveness_score_review_threshold: 75,
            face_liveness_score_decline_threshold: 55,
            face_liveness_max_attempts: 2,
          },
        },
      ],
    });
  });

  it('reads stored settings by the rules of a fresh answer, face-match values kept for the caller to judge', async () => {
    const answer = {
      uuid: V1,
      workflow_id: WF,
      features: [
        { feature: 'liveness', config: { face_liveness_score_review_threshold: 80, face_liveness_score_decline_threshold: 60 } },
      ],
      face_liveness_score_review_threshold: 10,
      face_match_score_review_threshold: 70,
      face_match_score_decline_threshold: 40,
    };
    const settings = await clientAnswering(answer).getWorkflowSettings(V1);
    const stored: unknown = JSON.parse(JSON.stringify(settings.raw));
    // The feature's config wins over the flat field, as when the answer was fresh.
    expect(thresholdsInStoredSettings(stored)).toEqual({
      ...settings.thresholds,
      faceMatchReview: 70,
      faceMatchDecline: 40,
    });
    expect(settings.thresholds).toMatchObject({ livenessReview: 80, livenessDecline: 60, faceMatchReview: null });
    const none = { livenessReview: null, livenessDecline: null, faceMatchReview: null, faceMatchDecline: null };
    expect(thresholdsInStoredSettings(null)).toEqual(none);
    expect(thresholdsInStoredSettings({ features: 42 })).toEqual(none);
  });

  it('refuses to build a features list that would reset a feature whose config the settings do not show', async () => {
    const settings = await clientAnswering({
      uuid: V1,
      workflow_id: WF,
      features: ['OCR', 'LIVENESS'],
      is_liveness_enabled: true,
      face_liveness_score_review_threshold: 70,
      face_liveness_score_decline_threshold: 50,
    }).getWorkflowSettings(V1);
    expect(() =>
      thresholdPatchBody(settings, { livenessReview: 60, livenessDecline: 40, faceMatchReview: null, faceMatchDecline: null }),
    ).toThrow(UnsafeThresholdPatchError);
  });

  it('refuses a workflow answer that breaks the contract', async () => {
    await expect(clientAnswering({ workflow_id: 'x', features: 42 }).getWorkflowSettings('x')).rejects.toMatchObject({
      code: 'invalid_response',
    });
  });
});
