import { describe, expect, it } from 'vitest';
import { detailFields, summarizeAuditDetails } from './audit-details.ts';

describe('audit details as text', () => {
  it('says what a decision was: verdict, reason, the automatic status it overrode, the images it lacked', () => {
    expect(
      summarizeAuditDetails('session.decided', {
        decision: 'Declined',
        reason: 'different_person',
        override: true,
        fromStatus: 'Approved',
        reviewEventId: 41,
        withoutEvidence: ['selfie'],
      }),
    ).toBe('Declined · reason different_person · override of Approved · without images: selfie');
    expect(
      summarizeAuditDetails('session.decided', {
        decision: 'Approved',
        reason: 'documents_match',
        override: false,
        fromStatus: 'In Review',
        reviewEventId: 42,
      }),
    ).toBe('Approved · reason documents_match');
  });

  it('says whether a retried request to try again carried the email; a verdict’s retry says neither', () => {
    expect(summarizeAuditDetails('session.decision_push_retried', { reviewEventId: 7 })).toBe(
      'sent to Didit again · review event 7',
    );
    expect(
      summarizeAuditDetails('session.decision_push_retried', { reviewEventId: 8, emailSent: true, emailLanguage: 'de' }),
    ).toBe('sent to Didit again · emailed by Didit (de) · review event 8');
    expect(summarizeAuditDetails('session.decision_push_retried', { reviewEventId: 9, emailSent: false })).toBe(
      'sent to Didit again · no email · review event 9',
    );
  });

  it('says which threshold version reached which Didit version, with its thresholds', () => {
    const thresholds = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 };
    expect(
      summarizeAuditDetails('threshold.applied', {
        version: 4,
        thresholds,
        diditVersion: 2,
        diditSettingsId: 'c0ffee',
        sessionsStamped: 12,
      }),
    ).toBe('v4 applied to Didit v2 · liveness 70/50 · face match 80/60');
    // A liveness-only workflow has no face-match pair to show.
    expect(
      summarizeAuditDetails('threshold.applied', {
        version: 1,
        thresholds: { livenessReview: 65, livenessDecline: 40, faceMatchReview: null, faceMatchDecline: null },
        diditVersion: 7,
      }),
    ).toBe('v1 applied to Didit v7 · liveness 65/40');
  });

  it('shows a proposal as a change from the thresholds in force, with its reason', () => {
    expect(
      summarizeAuditDetails('threshold.proposed', {
        version: 5,
        thresholds: { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 },
        previous: { livenessReview: 75, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 },
        reason: 'Too many good selfies sent to review',
      }),
    ).toBe('v5 proposed · liveness 75/50 → 70/50 · face match 80/60 · “Too many good selfies sent to review”');
  });

  it('reads a reveal of the faces with its purpose of access, and the viewer-reveal setting', () => {
    expect(summarizeAuditDetails('session.media_viewed', { purpose: null, purposeNote: null, claimed: true })).toBe(
      'revealed the faces · claimed session',
    );
    expect(
      summarizeAuditDetails('session.media_viewed', {
        purpose: 'legal_request',
        purposeNote: 'Court order 12/3',
        claimed: false,
      }),
    ).toBe('revealed the faces · purpose: Legal or regulatory request · “Court order 12/3”');
    expect(
      summarizeAuditDetails('session.media_viewed', { purpose: 'fraud_investigation', purposeNote: null, claimed: false }),
    ).toBe('revealed the faces · purpose: Fraud or security investigation');
    expect(summarizeAuditDetails('workflow.viewer_reveal_changed', { from: false, to: true })).toBe(
      'viewers may now reveal faces',
    );
    expect(summarizeAuditDetails('workflow.viewer_reveal_changed', { from: true, to: false })).toBe(
      'faces hidden from viewers again',
    );
  });

  it('reads retention passes and erasure requests by their counts and reference, never a person', () => {
    expect(
      summarizeAuditDetails('privacy.retention_applied', {
        sessions: 3,
        webhookBodies: 7,
        quarantined: 1,
        notes: 0,
        hashed: 2,
        retentionDays: 90,
        cutoff: '2026-09-01T00:00:00.000Z',
      }),
    ).toBe(
      'personal data removed from 3 sessions · 90 days after the final decision · 7 delivery bodies · 1 quarantined delivery',
    );
    expect(
      summarizeAuditDetails('privacy.erasure_requested', {
        reference: 'DSAR-2026-0101',
        scope: 'person',
        resumed: false,
        sessionsKnown: 1,
        removed: { sessions: 1 },
      }),
    ).toBe('erasure requested · DSAR-2026-0101 · every session of the person · 1 session erased here');
    expect(
      summarizeAuditDetails('privacy.erasure_completed', { reference: 'DSAR-2026-0101', sessions: 2, deleted: 1, gone: 1 }),
    ).toBe('erasure complete · DSAR-2026-0101 · 2 sessions deleted at Didit · 1 already gone there');
  });

  it('reads sign-in failures, evidence refreshes and Didit version changes in words', () => {
    expect(summarizeAuditDetails('auth.login_failed', { reason: 'state mismatch' })).toBe('state mismatch');
    expect(summarizeAuditDetails('session.media_viewed', { refreshed: true, stale: false })).toBe('links refreshed');
    expect(summarizeAuditDetails('session.media_viewed', { refreshed: false, stale: true })).toBe('links not refreshed · stale');
    expect(summarizeAuditDetails('session.media_viewed', { vendorData: 'user-991' })).toBe(
      'opened the images · vendor data user-991',
    );
    expect(
      summarizeAuditDetails('workflow.didit_version_changed', {
        from: { settingsId: 'a1', version: 2 },
        to: { settingsId: 'b2', version: 3 },
      }),
    ).toBe('Didit v2 → v3');
    expect(summarizeAuditDetails('token.revoked', { name: 'ci', role: 'analyst', via: 'cli' })).toBe(
      '“ci” · role analyst · via cli',
    );
    expect(summarizeAuditDetails('token.used', { status: 403 })).toBe('answered HTTP 403');
    expect(summarizeAuditDetails('audit.exported', { filters: { action: 'auth.*', targetType: 'session' } })).toBe(
      'CSV export · action auth.* · target type session',
    );
    expect(summarizeAuditDetails('audit.exported', { filters: {} })).toBe('CSV export · all entries');
  });

  it('falls back to "key value" pairs, never JSON, for an unknown action or an unexpected shape', () => {
    const unknown = summarizeAuditDetails('billing.invoiced', {
      amountCents: 1200,
      paid: false,
      lines: ['a', 'b'],
      customer: { id: 'c1', country: null },
    });
    expect(unknown).toBe('amount cents 1200 · paid no · lines a, b · customer id c1 · customer country none');
    // A known action whose details lack what it usually records still reads as text.
    const odd = summarizeAuditDetails('threshold.applied', { version: 'four', note: '<b>hi</b>' });
    expect(odd).toBe('version four · note <b>hi</b>');
    for (const text of [unknown, odd]) {
      expect(text).not.toMatch(/[{}"]/);
    }
    expect(summarizeAuditDetails('session.claimed', {})).toBe('');
  });

  it('clips long free text in the summary but keeps all of it in the full list', () => {
    const error = `Didit answered 500: ${'x'.repeat(300)}`;
    const summary = summarizeAuditDetails('threshold.push_failed', { version: 3, error, didit: { code: 'internal' } });
    expect(summary.length).toBeLessThan(120);
    expect(summary).toMatch(/^v3 not applied · Didit answered 500: x+…$/);
    expect(detailFields({ version: 3, error, didit: { code: 'internal' } })).toEqual([
      { key: 'version', label: 'version', value: '3' },
      { key: 'error', label: 'error', value: error },
      { key: 'didit.code', label: 'didit code', value: 'internal' },
    ]);
  });
});
