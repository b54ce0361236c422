import { describe, expect, it } from 'vitest';
import type { SecondReviewSettings } from '../contract/second-review.ts';
import {
  fourEyesTriggers,
  noSecondReview,
  qualityTrigger,
  REPEAT_ATTEMPT_THRESHOLD,
  type FourEyesInput,
} from './second-review-rules.ts';

/** The pure rules of second review and four eyes (ADR 0021); over HTTP in second-review.routes.test.ts. */

/** A session no rule could pick: scores far above the lines, the user's first attempt. */
const calm: FourEyesInput = {
  livenessScore: 95,
  faceMatchScore: 95,
  livenessDecline: 50,
  faceMatchDecline: 50,
  attemptsWithinDay: 1,
};
const rules = (overrides: Partial<SecondReviewSettings>): SecondReviewSettings => ({ ...noSecondReview, ...overrides });
const ruleNames = (input: Partial<FourEyesInput>, settings: Partial<SecondReviewSettings>) =>
  fourEyesTriggers({ ...calm, ...input }, rules(settings)).map((trigger) => trigger.rule);

describe('fourEyesTriggers', () => {
  it('meets no rule when the workflow has none on, whatever the session', () => {
    expect(
      fourEyesTriggers(
        { livenessScore: 50, faceMatchScore: 1, livenessDecline: 50, faceMatchDecline: 50, attemptsWithinDay: 9 },
        noSecondReview,
      ),
    ).toEqual([]);
  });

  describe('face match floor', () => {
    it('is met strictly below the floor, not at it', () => {
      expect(fourEyesTriggers({ ...calm, faceMatchScore: 64.9 }, rules({ faceMatchFloor: 65 }))).toEqual([
        { rule: 'face_match_floor', detail: "Face match 64.9 is below this workflow's floor of 65." },
      ]);
      expect(ruleNames({ faceMatchScore: 65 }, { faceMatchFloor: 65 })).toEqual([]);
      expect(ruleNames({ faceMatchScore: 80 }, { faceMatchFloor: 65 })).toEqual([]);
    });

    it('is off with a null floor, and never met by a session with no face-match score', () => {
      expect(ruleNames({ faceMatchScore: 10 }, { faceMatchFloor: null })).toEqual([]);
      expect(ruleNames({ faceMatchScore: null }, { faceMatchFloor: 65 })).toEqual([]);
    });

    it('meets a floor of 0 with nothing (no score is below it) and of 100 with anything short of a perfect match', () => {
      expect(ruleNames({ faceMatchScore: 0 }, { faceMatchFloor: 0 })).toEqual([]);
      expect(ruleNames({ faceMatchScore: 99.9 }, { faceMatchFloor: 100 })).toEqual(['face_match_floor']);
      expect(ruleNames({ faceMatchScore: 100 }, { faceMatchFloor: 100 })).toEqual([]);
    });
  });

  describe('near the decline line', () => {
    it('is met within the margin on both sides of the line, the margin itself included', () => {
      const margin = { declineMargin: 5 };
      expect(ruleNames({ livenessScore: 55 }, margin)).toEqual(['near_decline_line']);
      expect(ruleNames({ livenessScore: 45 }, margin)).toEqual(['near_decline_line']);
      expect(ruleNames({ livenessScore: 50 }, margin)).toEqual(['near_decline_line']);
      expect(ruleNames({ livenessScore: 55.1 }, margin)).toEqual([]);
      expect(ruleNames({ livenessScore: 44.9 }, margin)).toEqual([]);
    });

    it('checks liveness and face match each against its own line, one trigger each', () => {
      const triggers = fourEyesTriggers(
        { livenessScore: 72, faceMatchScore: 61.5, livenessDecline: 70, faceMatchDecline: 60, attemptsWithinDay: 1 },
        rules({ declineMargin: 2.5 }),
      );
      expect(triggers).toEqual([
        { rule: 'near_decline_line', detail: 'Liveness 72 is within 2.5 points of its decline line (70).' },
        { rule: 'near_decline_line', detail: 'Face match 61.5 is within 2.5 points of its decline line (60).' },
      ]);
    });

    it('skips a score or a line that is unknown', () => {
      expect(ruleNames({ livenessScore: null, faceMatchScore: null }, { declineMargin: 50 })).toEqual([]);
      expect(
        fourEyesTriggers(
          { livenessScore: 50, faceMatchScore: 50, livenessDecline: null, faceMatchDecline: null, attemptsWithinDay: 1 },
          rules({ declineMargin: 50 }),
        ),
      ).toEqual([]);
      expect(
        fourEyesTriggers(
          { livenessScore: 50, faceMatchScore: 50, livenessDecline: null, faceMatchDecline: 52, attemptsWithinDay: 1 },
          rules({ declineMargin: 5 }),
        ).map((t) => t.detail),
      ).toEqual(['Face match 50 is within 5 points of its decline line (52).']);
    });

    it('is off with a null margin; a margin of 0 is met only on the line itself', () => {
      expect(ruleNames({ livenessScore: 50, faceMatchScore: 50 }, { declineMargin: null })).toEqual([]);
      expect(ruleNames({ livenessScore: 50 }, { declineMargin: 0 })).toEqual(['near_decline_line']);
      expect(ruleNames({ livenessScore: 50.1 }, { declineMargin: 0 })).toEqual([]);
    });
  });

  describe('repeat attempts', () => {
    it('is met from the third attempt within a day, with the rule on', () => {
      expect(REPEAT_ATTEMPT_THRESHOLD).toBe(3);
      expect(ruleNames({ attemptsWithinDay: 2 }, { repeatAttempts: true })).toEqual([]);
      expect(fourEyesTriggers({ ...calm, attemptsWithinDay: 3 }, rules({ repeatAttempts: true }))).toEqual([
        { rule: 'repeat_attempt', detail: "This is the user's attempt number 3 within 24 hours." },
      ]);
      expect(ruleNames({ attemptsWithinDay: 7 }, { repeatAttempts: true })).toEqual(['repeat_attempt']);
    });

    it('is never met with the rule off', () => {
      expect(ruleNames({ attemptsWithinDay: 10 }, { repeatAttempts: false })).toEqual([]);
    });
  });

  it('lists every rule met, in order: floor, near the line, repeat attempt', () => {
    expect(
      ruleNames(
        { faceMatchScore: 52, livenessScore: 90, attemptsWithinDay: 4 },
        { faceMatchFloor: 65, declineMargin: 5, repeatAttempts: true, sharePercent: 100 },
      ),
    ).toEqual(['face_match_floor', 'near_decline_line', 'repeat_attempt']);
  });
});

describe('qualityTrigger', () => {
  const never = () => {
    throw new Error('random must not be drawn');
  };

  it("always picks an override of Didit's automatic Declined, whatever the share, without drawing", () => {
    expect(qualityTrigger({ fromStatus: 'Declined', verdict: 'Approved' }, 0, never)).toEqual({
      rule: 'override_declined',
      detail: "Didit's automatic Declined was overridden.",
    });
    expect(qualityTrigger({ fromStatus: 'Declined', verdict: 'Approved' }, 100, () => 0.99)?.rule).toBe('override_declined');
  });

  it('never picks with a share of 0, and does not draw', () => {
    expect(qualityTrigger({ fromStatus: 'In Review', verdict: 'Approved' }, 0, never)).toBeNull();
    expect(qualityTrigger({ fromStatus: 'Approved', verdict: 'Declined' }, 0, never)).toBeNull();
  });

  it('always picks with a share of 100, even at the top of the draw', () => {
    for (const draw of [0, 0.5, 0.999_999]) {
      expect(qualityTrigger({ fromStatus: 'In Review', verdict: 'Declined' }, 100, () => draw)).toEqual({
        rule: 'sample',
        detail: "Picked at random: 100 % of this workflow's decisions are checked.",
      });
    }
  });

  it('picks a draw strictly below the share', () => {
    const decision = { fromStatus: 'In Review', verdict: 'Approved' } as const;
    expect(qualityTrigger(decision, 25, () => 0.2499)?.rule).toBe('sample');
    expect(qualityTrigger(decision, 25, () => 0.25)).toBeNull();
    expect(qualityTrigger(decision, 25, () => 0.9)).toBeNull();
    expect(qualityTrigger(decision, 1, () => 0)?.rule).toBe('sample');
  });

  it('treats an override of Approved (to Declined) as any other decision', () => {
    expect(qualityTrigger({ fromStatus: 'Approved', verdict: 'Declined' }, 50, () => 0.7)).toBeNull();
    expect(qualityTrigger({ fromStatus: 'Approved', verdict: 'Declined' }, 50, () => 0.1)?.rule).toBe('sample');
  });
});
