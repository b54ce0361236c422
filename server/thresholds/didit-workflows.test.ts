import { describe, expect, it } from 'vitest';
import { DiditClient } from '../vendors/didit/didit-client.ts';
import type { RateBudget } from '../vendors/didit/rate-budget.ts';
import { thresholdPatchBody } from '../vendors/didit/workflows.ts';

/** Didit's workflow shapes the sandbox does not produce: a bare-array list, a joined feature string, lowercase methods. */
const budget: RateBudget = { acquire: () => Promise.resolve(0), observe: () => Promise.resolve() };
const clientAnswering = (body: unknown) =>
  new DiditClient({
    baseUrl: 'https://didit.invalid',
    apiKey: 'test-key-123',
    budget,
    fetch: () =>
      Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })),
  });

describe('Didit workflows', () => {
  it('accepts the list as a bare array with legacy flat thresholds and a " + "-joined feature string', async () => {
    const [legacy] = await clientAnswering([
      {
        uuid: 'settings-1',
        workflow_id: 'wf-1',
        workflow_label: 'Old style',
        features: 'LIVENESS + FACE_MATCH',
        face_liveness_method: 'flashing',
        face_liveness_score_review_threshold: 72,
        face_liveness_score_decline_threshold: 41,
        face_match_score_review_threshold: 66,
        face_match_score_decline_threshold: 33,
      },
    ]).listWorkflows();
    expect(legacy).toMatchObject({
      settingsId: 'settings-1',
      workflowId: 'wf-1',
      form: 'legacy',
      hasFaceMatch: true,
      livenessMethod: 'FLASHING',
      thresholds: { livenessReview: 72, livenessDecline: 41, faceMatchReview: 66, faceMatchDecline: 33 },
    });
  });

  it('reads features[].config from the DRF envelope and ignores face-match values of a liveness-only workflow', async () => {
    const list = await clientAnswering({
      count: 1,
      next: null,
      results: [
        {
          uuid: 's2',
          workflow_id: 'wf-2',
          features: [
            {
              feature: 'LIVENESS',
              config: {
                face_liveness_method: 'ACTIVE_3D',
                face_liveness_score_review_threshold: 80,
                face_liveness_score_decline_threshold: 60,
              },
            },
          ],
          face_match_score_review_threshold: 70,
        },
      ],
    }).listWorkflows();
    expect(list[0]).toMatchObject({
      form: 'features',
      hasFaceMatch: false,
      livenessMethod: 'ACTIVE_3D',
      thresholds: { livenessReview: 80, livenessDecline: 60, faceMatchReview: null, faceMatchDecline: null },
    });
    // A PATCH with features replaces the list: every feature and unknown config key is sent back.
    const body = thresholdPatchBody(list[0]!, {
      livenessReview: 75,
      livenessDecline: 55,
      faceMatchReview: null,
      faceMatchDecline: null,
    });
    expect(body).toEqual({
      features: [
        {
          feature: 'LIVENESS',
          config: {
            face_liveness_method: 'ACTIVE_3D',
            face_liveness_score_review_threshold: 75,
            face_liveness_score_decline_threshold: 55,
          },
        },
      ],
    });
  });

  it('refuses a workflow answer that breaks the contract', async () => {
    await expect(clientAnswering({ workflow_id: 'x', features: 42 }).getWorkflow('x')).rejects.toMatchObject({
      code: 'invalid_response',
    });
  });
});
