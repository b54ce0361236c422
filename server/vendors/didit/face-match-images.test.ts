import { describe, expect, it } from 'vitest';
import { adaptDiditDecision, faceMatchImages } from './adapt.ts';

/** Which face-match image is the portrait: the one that is not the liveness selfie (docs/didit-contract.md §10). */
const signed = (path: string, signature: string) =>
  `https://media.example.test/${path}?X-Amz-Date=20261129T000000Z&X-Amz-Expires=3600&X-Amz-Signature=${signature}`;
const selfie = signed('face/s1/liveness/reference.jpg', 'a'.repeat(64));
const selfieAgain = signed('face/s1/liveness/reference.jpg', 'b'.repeat(64)); // same object, other signature
const portrait = signed('portraits/user-42.jpg', 'c'.repeat(64));
const media = { mediaOrigins: ['https://media.example.test'] };

const decision = (source: string | null, target: string | null) => ({
  session_id: '7c0e9a52-0000-4000-8000-00000000abcd',
  status: 'In Review',
  liveness_checks: [{ node_id: 'feature_liveness', status: 'Approved', score: 90, reference_image: selfie }],
  face_matches: [{ node_id: 'feature_face_match', status: 'In Review', score: 61, source_image: source, target_image: target }],
});

describe('telling the reference portrait from the selfie', () => {
  it('finds the portrait in target_image when source_image is the selfie', () => {
    expect(adaptDiditDecision(decision(selfieAgain, portrait), media).media).toEqual({
      selfie,
      portrait,
      faceMatchSelfie: selfieAgain,
    });
  });

  it('finds the portrait in source_image when target_image is the selfie', () => {
    expect(adaptDiditDecision(decision(portrait, selfieAgain), media).media).toEqual({
      selfie,
      portrait,
      faceMatchSelfie: selfieAgain,
    });
  });

  it('falls back to the documented mapping (source = portrait) when neither image is the selfie', () => {
    const other = signed('face-match/s1/target.jpg', 'd'.repeat(64));
    expect(faceMatchImages(selfie, portrait, other)).toEqual({ portrait, faceMatchSelfie: other });
    expect(faceMatchImages(undefined, portrait, other)).toEqual({ portrait, faceMatchSelfie: other });
  });

  it('never shows the selfie as the portrait when face match reports only the selfie', () => {
    expect(faceMatchImages(selfie, selfieAgain, null)).toEqual({ faceMatchSelfie: selfieAgain });
    expect(faceMatchImages(selfie, null, portrait)).toEqual({ portrait });
  });
});
