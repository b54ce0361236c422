import type { QueueItem, QueuePage, ReasonCatalog, SessionDetail } from '../../../../server/contract/review.ts';
import type { ReviewApi } from '../../api/review.ts';

/** Test data and a fake `ReviewApi` built from plain async functions (web unit tests only). */

let counter = 0;
export function uuid(n = ++counter): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export function queueItem(overrides: Partial<QueueItem> = {}): QueueItem {
  return {
    id: uuid(),
    sessionNumber: 1000 + counter,
    vendorData: `user-${counter}`,
    status: 'In Review',
    workflowId: 'b1d2c3e4-0000-4000-8000-0000000000aa',
    workflowLabel: 'Returning users',
    slaMinutes: 60,
    inReviewSince: new Date(Date.now() - 10 * 60_000).toISOString(),
    livenessScore: 88.4,
    livenessMethod: 'PASSIVE',
    faceMatchScore: 61.5,
    hasFaceMatch: true,
    warningCodes: ['LOW_FACE_MATCH_SIMILARITY'],
    claim: null,
    pushState: null,
    version: 1,
    ...overrides,
  };
}

export function queuePage(items: QueueItem[], overrides: Partial<QueuePage> = {}): QueuePage {
  return { items, nextCursor: null, total: items.length, totalCapped: false, ...overrides };
}

export function sessionDetail(overrides: Partial<SessionDetail> = {}): SessionDetail {
  const base = queueItem();
  return {
    ...base,
    diditReview: null,
    livenessStatus: 'Approved',
    faceMatchStatus: 'In Review',
    warnings: [
      {
        feature: 'FACEMATCH',
        risk: 'LOW_FACE_MATCH_SIMILARITY',
        logType: 'warning',
        shortDescription: 'Low face match similarity',
        longDescription: 'The selfie and the reference portrait are less similar than the review threshold.',
      },
    ],
    thresholds: {
      versionId: 3,
      version: 2,
      livenessReview: 70,
      livenessDecline: 50,
      faceMatchReview: 70,
      faceMatchDecline: 50,
      source: 'version',
      nowInForce: null,
    },
    media: {
      selfie: 'https://media.example/selfie.jpg',
      portrait: 'https://media.example/portrait.jpg',
      video: null,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      stale: false,
    },
    decidedAt: null,
    decisionSource: null,
    pushError: null,
    privacy: {
      heldLocally: { decision: true, mediaLinks: true, vendorData: true, notes: false },
      removedAt: null,
      removal: null,
      erasureReference: null,
      retentionDays: 90,
      removableAfter: null,
    },
    reveal: { allowed: true, purposeRequired: false },
    createdAt: new Date(Date.now() - 30 * 60_000).toISOString(),
    timeline: [
      {
        source: 'didit',
        at: new Date(Date.now() - 20 * 60_000).toISOString(),
        status: 'In Review',
        webhookType: 'status.updated',
      },
    ],
    otherSessions: [],
    allowed: { claim: false, release: true, decide: ['Approved', 'Declined'], note: true },
    ...overrides,
  };
}

export const reasons: ReasonCatalog = {
  Approved: [
    { code: 'same_person', label: 'Same person, good capture', faceMatchOnly: true },
    { code: 'known_device', label: 'Known device and context', faceMatchOnly: false },
  ],
  Declined: [
    { code: 'different_person', label: 'Different person', faceMatchOnly: true },
    { code: 'spoof', label: 'Presentation attack', faceMatchOnly: false },
    { code: 'poor_quality', label: 'Capture unusable', faceMatchOnly: false },
  ],
  Resubmitted: [
    { code: 'poor_lighting', label: 'Poor lighting or blur', faceMatchOnly: false },
    { code: 'other_attempt', label: 'Another attempt needed', faceMatchOnly: false },
  ],
};

const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected call: ${name}`));

export function fakeApi(overrides: Partial<ReviewApi> = {}): ReviewApi {
  return {
    listQueue: () => Promise.resolve(queuePage([])),
    getSession: unexpected('getSession'),
    claim: unexpected('claim'),
    release: unexpected('release'),
    claimNext: () => Promise.resolve(null),
    decide: unexpected('decide'),
    addNote: unexpected('addNote'),
    retryPush: unexpected('retryPush'),
    undoDecision: unexpected('undoDecision'),
    refreshMedia: unexpected('refreshMedia'),
    reveal: unexpected('reveal'),
    getReasons: () => Promise.resolve(reasons),
    ...overrides,
  };
}
