import { describe, expect, it } from 'vitest';
import { summarizeAuditDetails } from './audit-details.ts';

describe('audit summaries of escalation (issue 20)', () => {
  it('says a session was escalated or returned, naming the review events, never a note', () => {
    expect(summarizeAuditDetails('session.escalated', { reviewEventId: 41, releasedClaim: true })).toBe(
      'escalated to a lead · review event 41 · claim released',
    );
    expect(summarizeAuditDetails('session.de_escalated', { reviewEventId: 44, escalationEventId: 41 })).toBe(
      'returned to the analysts’ queue · review event 44 · escalated in review event 41',
    );
  });

  it('says a lead’s decision ended an escalation', () => {
    expect(
      summarizeAuditDetails('session.decided', {
        decision: 'Declined',
        reason: 'different_person',
        override: false,
        fromStatus: 'In Review',
        reviewEventId: 45,
        escalationEventId: 41,
      }),
    ).toBe('Declined · reason different_person · ends the escalation (review event 41)');
  });
});
