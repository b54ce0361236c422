import { describe, expect, it } from 'vitest';
import { summarizeAuditDetails } from './audit-details.ts';

// The details as the server records them (server/review/decisions.ts, undo.ts, second-review.ts).
const decided = { decision: 'Approved', reason: 'document_ok', override: false, fromStatus: 'In Review', reviewEventId: 51 };

describe('audit summaries of second review and four eyes (issue 20)', () => {
  it('says an approval was held from Didit for a second analyst, naming the rules it met', () => {
    expect(
      summarizeAuditDetails('session.decided', {
        ...decided,
        secondReview: { id: 7, purpose: 'four_eyes', rules: ['face_match_floor', 'repeat_attempt'] },
      }),
    ).toBe(
      'Approved · reason document_ok · held for a second analyst (four eyes: face match below the floor, third attempt within a day) · second review 7',
    );
  });

  it('says a decision was picked for a blind quality check, and why', () => {
    expect(
      summarizeAuditDetails('session.decided', {
        ...decided,
        override: true,
        fromStatus: 'Declined',
        secondReview: { id: 8, purpose: 'quality', rules: ['override_declined'] },
      }),
    ).toBe(
      'Approved · reason document_ok · override of Declined · picked for a blind quality check (override of an automatic Declined) · second review 8',
    );
    expect(
      summarizeAuditDetails('session.decided', { ...decided, secondReview: { id: 9, purpose: 'quality', rules: ['sample'] } }),
    ).toContain('picked for a blind quality check (random sample) · second review 9');
  });

  it('leaves a decision nobody checks as before', () => {
    expect(summarizeAuditDetails('session.decided', decided)).toBe('Approved · reason document_ok');
  });

  it('says an undone decision withdrew its second review', () => {
    const undone = { decision: 'Approved', reason: 'document_ok', reviewEventId: 51, undoEventId: 52, secondsLeft: 4 };
    expect(summarizeAuditDetails('session.decision_undone', { ...undone, secondReviewWithdrawn: 7 })).toBe(
      'Approved undone · reason was document_ok · review event 51 · 4 s before its push · second review 7 withdrawn with it · never sent to Didit',
    );
    expect(summarizeAuditDetails('session.decision_undone', undone)).not.toContain('second review');
  });

  it('says whether the second analyst agreed, and that an agreed four-eyes decision went to Didit', () => {
    const answered = {
      secondReviewId: 7,
      purpose: 'four_eyes',
      verdict: 'Approved',
      reason: 'document_ok',
      firstVerdict: 'Approved',
      outcome: 'agreed',
      reviewEventId: 60,
      decisionEventId: 51,
      released: true,
    };
    expect(summarizeAuditDetails('session.second_review_answered', answered)).toBe(
      'second review 7 (four eyes): Approved · reason document_ok · agrees with the first verdict (Approved) · held decision released to Didit · review event 60',
    );
    const { released: _released, ...quality } = answered;
    expect(
      summarizeAuditDetails('session.second_review_answered', {
        ...quality,
        purpose: 'quality',
        verdict: 'Declined',
        reason: 'face_mismatch',
        outcome: 'disagreed',
      }),
    ).toBe(
      'second review 7 (quality check): Declined · reason face_mismatch · disagrees with the first verdict (Approved) · sent to the leads · review event 60',
    );
  });

  it('says which verdict a lead let stand, and the decision that replaced the first', () => {
    const resolved = {
      secondReviewId: 7,
      purpose: 'four_eyes',
      verdict: 'Approved',
      upheld: 'first',
      firstVerdict: 'Approved',
      secondVerdict: 'Declined',
      reviewEventId: 70,
    };
    expect(summarizeAuditDetails('session.second_review_resolved', resolved)).toBe(
      'second review 7 (four eyes) settled: Approved stands · first verdict upheld over the second (Declined) · held decision released to Didit · review event 70',
    );
    expect(
      summarizeAuditDetails('session.second_review_resolved', {
        ...resolved,
        purpose: 'quality',
        verdict: 'Declined',
        upheld: 'second',
        decisionEventId: 71,
      }),
    ).toBe(
      'second review 7 (quality check) settled: Declined stands · replaces the first verdict (Approved) · new decision in review event 71 · review event 70',
    );
  });

  it('names the workflow rules that changed, from and to', () => {
    const off = { sharePercent: 0, faceMatchFloor: null, declineMargin: null, repeatAttempts: false };
    expect(
      summarizeAuditDetails('workflow.second_review_changed', {
        from: off,
        to: { ...off, sharePercent: 10, faceMatchFloor: 65, repeatAttempts: true },
      }),
    ).toBe(
      'second review rules changed · share checked 0 % → 10 % · face match floor off → 65 · third attempt within a day off → on',
    );
    expect(summarizeAuditDetails('workflow.second_review_changed', { from: { ...off, declineMargin: 5 }, to: off })).toBe(
      'second review rules changed · margin around the decline line 5 points → off',
    );
  });
});
