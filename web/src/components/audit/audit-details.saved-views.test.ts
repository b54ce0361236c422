import { describe, expect, it } from 'vitest';
import { summarizeAuditDetails } from './audit-details.ts';

describe('audit details of saved queue views', () => {
  it('names the view and its filters as the queue URL carries them', () => {
    expect(
      summarizeAuditDetails('queue_view.saved', {
        name: 'Weak liveness',
        filters: { status: 'Approved', warning: ['LOW_LIVENESS_SCORE', 'LOW_FACE_MATCH_SIMILARITY'], livenessMax: 40 },
      }),
    ).toBe('“Weak liveness” saved · status=Approved warning=LOW_LIVENESS_SCORE,LOW_FACE_MATCH_SIMILARITY livenessMax=40');
    expect(summarizeAuditDetails('queue_view.saved', { name: 'Everything', filters: {} })).toBe(
      '“Everything” saved · the default queue',
    );
  });

  it('says what a change, a share, an unshare and a deletion did', () => {
    expect(
      summarizeAuditDetails('queue_view.updated', { name: 'Weak face match', renamedFrom: 'Face match', shared: false }),
    ).toBe('“Face match” renamed “Weak face match”');
    expect(
      summarizeAuditDetails('queue_view.updated', {
        name: 'Weak face match',
        shared: true,
        filtersFrom: { faceMatchMax: 60 },
        filters: { faceMatchMax: 50 },
      }),
    ).toBe('“Weak face match” changed · filters now faceMatchMax=50 · shared with the team');
    expect(summarizeAuditDetails('queue_view.shared', { name: 'Stale claims', owner: 'lead@example.test' })).toBe(
      '“Stale claims” shared with the team · owner lead@example.test',
    );
    expect(
      summarizeAuditDetails('queue_view.unshared', {
        name: 'Stale claims',
        owner: 'lead@example.test',
        sharedBy: 'lead@example.test',
      }),
    ).toBe('“Stale claims” no longer shared · owner lead@example.test');
    expect(
      summarizeAuditDetails('queue_view.deleted', {
        name: 'Team view',
        owner: 'lead@example.test',
        shared: true,
        filters: { assignee: 'unassigned' },
      }),
    ).toBe('“Team view” deleted · was shared with the team · owner lead@example.test · assignee=unassigned');
  });
});
