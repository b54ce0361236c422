import { describe, expect, it } from 'vitest';
import { evaluateCapture, rollUp, type CaptureContext } from './decision.ts';

const ctx: CaptureContext = {
  config: {
    liveness: { enabled: true, method: 'PASSIVE', review: 70, decline: 50 },
    faceMatch: { enabled: true, review: 70, decline: 50 },
  },
  hasPortrait: true,
  faceBlocklisted: false,
  personSeed: 42,
};

const risks = (e: ReturnType<typeof evaluateCapture>) => [
  ...(e.liveness?.warnings ?? []).map((w) => `${w.risk}:${w.log_type}`),
  ...(e.faceMatch?.warnings ?? []).map((w) => `${w.risk}:${w.log_type}`),
];

describe('capture evaluation', () => {
  it('a score exactly at the review threshold is a warning and sends the item to In Review', () => {
    const e = evaluateCapture({ capture: 'match', seed: 1, livenessScore: 70, faceMatchScore: 70.01 }, ctx);
    expect(e.liveness?.status).toBe('In Review');
    expect(e.faceMatch?.status).toBe('Approved');
    expect(risks(e)).toEqual(['LOW_LIVENESS_SCORE:warning']);
    expect(e.status).toBe('In Review');
  });

  it('a score exactly at the decline threshold is an error and declines', () => {
    const e = evaluateCapture({ capture: 'match', seed: 1, livenessScore: 90, faceMatchScore: 50 }, ctx);
    expect(e.faceMatch?.status).toBe('Declined');
    expect(risks(e)).toEqual(['LOW_FACE_MATCH_SIMILARITY:error']);
    expect(e.status).toBe('Declined');
  });

  it('follows the thresholds of the workflow, not fixed defaults', () => {
    const strict: CaptureContext = { ...ctx, config: { ...ctx.config, faceMatch: { enabled: true, review: 90, decline: 80 } } };
    expect(evaluateCapture({ capture: 'match', seed: 1, livenessScore: 95, faceMatchScore: 85 }, strict).status).toBe(
      'In Review',
    );
  });

  it('always declines a spoof with LIVENESS_FACE_ATTACK', () => {
    const e = evaluateCapture({ capture: 'spoof', seed: 3, livenessScore: 99 }, ctx);
    expect(e.liveness?.warnings[0]).toMatchObject({
      risk: 'LIVENESS_FACE_ATTACK',
      log_type: 'error',
      feature: 'LIVENESS',
      node_id: 'feature_liveness',
    });
    expect(e.status).toBe('Declined');
  });

  it('NO_FACE_DETECTED suppresses LOW_LIVENESS_SCORE and face match reports NO_REFERENCE_IMAGE', () => {
    const e = evaluateCapture({ capture: 'no_face', seed: 3, livenessScore: 10 }, ctx);
    expect(risks(e)).toEqual(['NO_FACE_DETECTED:error', 'NO_REFERENCE_IMAGE:error']);
    expect(e.faceMatch?.score).toBeNull();
  });

  it('declines face match with NO_REFERENCE_IMAGE when the session has no portrait', () => {
    const e = evaluateCapture({ capture: 'match', seed: 3, faceMatchScore: 10 }, { ...ctx, hasPortrait: false });
    expect(risks(e)).toEqual(['NO_REFERENCE_IMAGE:error']);
  });

  it('declines a blocklisted face with FACE_IN_BLOCKLIST', () => {
    expect(
      risks(
        evaluateCapture({ capture: 'match', seed: 3, livenessScore: 99, faceMatchScore: 99 }, { ...ctx, faceBlocklisted: true }),
      ),
    ).toEqual(['FACE_IN_BLOCKLIST:error']);
  });

  it('draws the same scores from the same seed and different ones from another', () => {
    const a = evaluateCapture({ capture: 'match', seed: 7 }, ctx);
    expect(evaluateCapture({ capture: 'match', seed: 7 }, ctx)).toEqual(a);
    expect(evaluateCapture({ capture: 'match', seed: 8 }, ctx).liveness?.score).not.toBe(a.liveness?.score);
    expect(a.status).toBe('Approved');
    expect(evaluateCapture({ capture: 'mismatch', seed: 7 }, ctx).status).toBe('Declined');
  });

  it('skips features the workflow does not run and reports passive-only metrics only for PASSIVE', () => {
    const livenessOnly: CaptureContext = {
      ...ctx,
      config: {
        liveness: { ...ctx.config.liveness, method: 'FLASHING' },
        faceMatch: { enabled: false, review: 70, decline: 50 },
      },
    };
    const e = evaluateCapture({ capture: 'match', seed: 1 }, livenessOnly);
    expect(e.faceMatch).toBeNull();
    expect(e.liveness).toMatchObject({ method: 'FLASHING', face_quality: null, face_luminance: null });
  });

  it('rolls the session up as the worst item', () => {
    expect(rollUp(['Approved', 'In Review'])).toBe('In Review');
    expect(rollUp(['In Review', 'Declined'])).toBe('Declined');
    expect(rollUp(['Approved', undefined])).toBe('Approved');
  });
});
