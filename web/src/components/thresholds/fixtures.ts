import type {
  HistogramDto,
  SimulationDto,
  ThresholdSet,
  ThresholdVersionDto,
  WorkflowDetailDto,
} from '../../../../server/contract/thresholds.ts';

/** Test data for the workflow screens (web unit tests only). */

export const thresholds: ThresholdSet = { livenessReview: 70, livenessDecline: 50, faceMatchReview: 80, faceMatchDecline: 60 };

export function workflowDetail(overrides: Partial<WorkflowDetailDto> = {}): WorkflowDetailDto {
  return {
    id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    label: 'Returning users',
    type: 'kyc',
    hasFaceMatch: true,
    livenessMethod: 'PASSIVE',
    slaMinutes: 240,
    viewersMayReveal: false,
    evidencePackImages: false,
    autoAssign: false,
    secondReview: { sharePercent: 0, faceMatchFloor: null, declineMargin: null, repeatAttempts: false },
    current: thresholds,
    currentVersion: 1,
    didit: thresholds,
    settingsForm: 'features',
    diditVersion: 2,
    diditSettingsId: '11111111-2222-3333-4444-555555555555',
    diditDraftVersion: null,
    drift: null,
    openProposal: null,
    syncedAt: '2026-01-01T12:00:00.000Z',
    versions: [],
    ...overrides,
  };
}

export function thresholdVersion(overrides: Partial<ThresholdVersionDto> = {}): ThresholdVersionDto {
  return {
    id: 1,
    version: 1,
    state: 'applied',
    thresholds,
    reason: 'Initial thresholds',
    proposedBy: 'Lead One',
    proposedById: 'lead-1',
    proposedAt: '2026-01-01T10:00:00.000Z',
    decidedBy: 'Lead Two',
    decidedAt: '2026-01-01T11:00:00.000Z',
    decisionNote: null,
    pushAttempts: 1,
    pushedAt: '2026-01-01T11:00:05.000Z',
    pushError: null,
    appliedAt: '2026-01-01T11:00:06.000Z',
    diditVersion: 2,
    stats: null,
    ...overrides,
  };
}

const zeros = () => Array.from({ length: 50 }, () => 0);
const series = () => ({
  approved: zeros(),
  approved_analyst: zeros(),
  declined_analyst: zeros(),
  declined_auto: zeros(),
  in_review: zeros(),
});

export const histogram: HistogramDto = {
  window: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-08T00:00:00.000Z' },
  binWidth: 2,
  liveness: series(),
  faceMatch: series(),
};

export function simulation(proposed: ThresholdSet): SimulationDto {
  const row = { Approved: 0, 'In Review': 0, Declined: 0 };
  return {
    window: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-08T00:00:00.000Z', days: 7 },
    current: thresholds,
    proposed,
    sessions: 12,
    skipped: 0,
    matrix: { Approved: { ...row }, 'In Review': { ...row }, Declined: { ...row } },
    reviewsPerDay: { current: 1, proposed: 1, change: 0 },
    declinesPerDay: { current: 0, proposed: 0, change: 0 },
    analystApprovals: { Approved: { ...row }, 'In Review': { ...row }, Declined: { ...row } },
    contradictions: { total: 0, items: [] },
    tookMs: 3,
  };
}
