/**
 * Demo traffic for `npm start`: returning users from a fixed pool go through the two demo
 * workflows at a steady rate, so the console shows a living queue (mostly approvals, a steady
 * share In Review, some declines, a few spoofs and blocklisted faces, the odd abandoned or
 * expired link). Everything is drawn from the seeded "traffic" stream.
 */
import type { Images } from './images.ts';
import { pick, randomInt, weighted, type Random } from './prng.ts';
import type { SessionService } from './sessions.ts';
import type { CaptureKind, SandboxStore } from './store.ts';
import { createWorkflow, createWorkflowVersion, patchWorkflow } from './workflows.ts';

export const DEMO_WORKFLOW_LABELS = {
  faceMatch: 'Returning user – liveness + face match',
  livenessOnly: 'Step-up – liveness only',
} as const;

const POOL_SIZE = 200;
const BLOCKLISTED_USERS = 4;
const OUTCOMES: Readonly<Record<CaptureKind | 'abandon' | 'never_opened', number>> = {
  match: 76,
  low_quality: 12,
  mismatch: 4,
  spoof: 3,
  no_face: 1,
  abandon: 2,
  never_opened: 2,
};
/**
 * The first-start burst stands for the backlog an analyst finds at the start of a shift: what
 * piles up is what Didit could not decide, so doubtful captures are far more common in it.
 */
const BACKLOG_OUTCOMES: Readonly<Record<CaptureKind | 'abandon' | 'never_opened', number>> = {
  match: 35,
  low_quality: 45,
  mismatch: 12,
  spoof: 4,
  no_face: 1,
  abandon: 2,
  never_opened: 1,
};

export interface TrafficDeps {
  store: SandboxStore;
  sessions: SessionService;
  images: Images;
  rng: Random;
  now: () => number;
  perMinute: number;
  /** Sessions started at once, a little apart, before the steady rate takes over (backlog mix). */
  initialBurst?: number;
  onError: (message: string, detail: Record<string, unknown>) => void;
}

/**
 * Creates the demo workflows unless workflows with those labels exist; returns their group ids.
 * The face-match one gets a history, as a workflow tuned over time in Didit would have:
 * version 1, version 2 published over it (PATCH with `status: "published"`), and a draft
 * version 3 with stricter face-match thresholds that someone left unpublished in Didit's console.
 * Sessions use version 2.
 */
export function ensureDemoWorkflows(store: SandboxStore, now: number): { faceMatch: string; livenessOnly: string } {
  const byLabel = (label: string) => [...store.workflows.values()].find((w) => !w.deleted && w.label === label);
  const liveness = (method: string) => ({
    feature: 'LIVENESS',
    config: {
      face_liveness_method: method,
      face_liveness_score_review_threshold: 70,
      face_liveness_score_decline_threshold: 50,
    },
  });
  const faceMatch = (review: number, decline: number) => ({
    feature: 'FACE_MATCH',
    config: { face_match_score_review_threshold: review, face_match_score_decline_threshold: decline },
  });
  let faceMatchWorkflow = byLabel(DEMO_WORKFLOW_LABELS.faceMatch);
  if (!faceMatchWorkflow) {
    const v1 = createWorkflow(
      store,
      { workflow_label: DEMO_WORKFLOW_LABELS.faceMatch, features: [liveness('PASSIVE'), faceMatch(65, 45)] },
      now,
    );
    const v2 = patchWorkflow(store, v1, { status: 'published', features: [liveness('PASSIVE'), faceMatch(70, 50)] }, now + 1);
    createWorkflowVersion(store, v2.workflowId, { status: 'draft', features: [liveness('PASSIVE'), faceMatch(80, 60)] }, now + 2);
    faceMatchWorkflow = v2;
  }
  const livenessOnly =
    byLabel(DEMO_WORKFLOW_LABELS.livenessOnly) ??
    createWorkflow(store, { workflow_label: DEMO_WORKFLOW_LABELS.livenessOnly, features: [liveness('FLASHING')] }, now + 3);
  return { faceMatch: faceMatchWorkflow.workflowId, livenessOnly: livenessOnly.workflowId };
}

export function startTraffic(deps: TrafficDeps): { stop(): void } {
  const { rng, sessions } = deps;
  const workflows = ensureDemoWorkflows(deps.store, deps.now());
  const users = Array.from({ length: POOL_SIZE }, (_, i) => `user-${String(i + 1).padStart(4, '0')}`);
  for (let i = 0; i < BLOCKLISTED_USERS; i++) sessions.blocklistFaceOf(pick(rng, users), true);
  const portraits = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const scheduled = new Set<string>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      try {
        fn();
      } catch (error) {
        // A session may have been decided or deleted meanwhile; that is not a failure.
        deps.onError('demo traffic step skipped', { error: String(error), body: (error as { body?: unknown }).body });
      }
    }, ms);
    timer.unref();
    timers.add(timer);
  };

  const tick = (mix = OUTCOMES): void => {
    const user = pick(rng, users);
    const withFaceMatch = rng() < 0.65;
    let portrait: string | undefined;
    if (withFaceMatch) {
      portrait = portraits.get(user) ?? deps.images.portraitFor(user);
      portraits.set(user, portrait);
    }
    const session = sessions.create({
      workflow_id: withFaceMatch ? workflows.faceMatch : workflows.livenessOnly,
      vendor_data: user,
      metadata: { source: 'sandbox-demo-traffic' },
      portrait_image: portrait,
    });
    // Didit hands back the user's unfinished session instead of a new one (vendor_data reuse):
    // that one already has its own life scheduled.
    if (scheduled.has(session.sessionId)) return;
    scheduled.add(session.sessionId);
    const outcome = weighted(rng, mix);
    const seed = randomInt(rng, 1, 2 ** 31);
    if (outcome === 'never_opened') {
      later(randomInt(rng, 30_000, 90_000), () => sessions.expire(session.sessionId));
      return;
    }
    const openAfter = randomInt(rng, 1_000, 6_000);
    later(openAfter, () => sessions.open(session.sessionId));
    const finishAfter = openAfter + randomInt(rng, 3_000, 20_000);
    later(finishAfter, () => {
      if (outcome === 'abandon') sessions.abandon(session.sessionId);
      else sessions.complete(session.sessionId, { capture: outcome, seed });
    });
  };

  for (let i = 0; i < (deps.initialBurst ?? 0); i++) later(i * 250, () => tick(BACKLOG_OUTCOMES));

  const interval = setInterval(
    () => {
      try {
        tick();
      } catch (error) {
        deps.onError('demo traffic tick failed', { error: String(error) });
      }
    },
    Math.max(50, Math.round(60_000 / deps.perMinute)),
  );
  interval.unref();
  return {
    stop() {
      clearInterval(interval);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
