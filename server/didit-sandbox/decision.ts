/**
 * How the emulated Didit turns a capture into item statuses, and the decision JSON
 * (docs/didit-contract.md (decision, scoring)).
 * Scores come from a seed, statuses from the workflow's thresholds with Didit's "at or below"
 * semantics, and the session rolls up as the worst item (Declined > In Review > Approved).
 */
import type { JsonObject, JsonValue } from './canonical-json.ts';
import { hashString, mulberry32, randomBetween, type Random } from './prng.ts';
import {
  isoMicros,
  type CaptureKind,
  type DecisionWarning,
  type FaceMatchResult,
  type FeatureStatus,
  type LivenessMethod,
  type LivenessResult,
  type SessionRecord,
  type SessionStatus,
} from './store.ts';
import type { EffectiveConfig } from './workflows.ts';

export const LIVENESS_NODE = 'feature_liveness';
export const FACE_MATCH_NODE = 'feature_face_match';

export interface CaptureInput {
  capture: CaptureKind;
  seed: number;
  /** Exact scores for tests that need to sit on a threshold; otherwise drawn from the seed. */
  livenessScore?: number | undefined;
  faceMatchScore?: number | undefined;
  method?: LivenessMethod | undefined;
}

export interface CaptureContext {
  config: EffectiveConfig;
  hasPortrait: boolean;
  faceBlocklisted: boolean;
  /** Stable per person so the same user's age estimate barely moves between sessions. */
  personSeed: number;
}

export interface Evaluation {
  liveness: LivenessResult | null;
  faceMatch: FaceMatchResult | null;
  status: SessionStatus;
}

type Range = readonly [number, number];
/** Plausible score bands per capture; null = not computable (no face). */
const SCORE_BANDS: Readonly<Record<CaptureKind, { liveness: Range | null; faceMatch: Range | null }>> = {
  match: { liveness: [82, 99.5], faceMatch: [76, 98.5] },
  mismatch: { liveness: [80, 99.5], faceMatch: [6, 42] },
  spoof: { liveness: [2, 28], faceMatch: [70, 95] },
  no_face: { liveness: null, faceMatch: null },
  low_quality: { liveness: [38, 74], faceMatch: [44, 78] },
};

const TEXTS = {
  NO_FACE_DETECTED: ['No face detected', 'No face could be detected in the liveness capture.'],
  LIVENESS_FACE_ATTACK: [
    'Liveness face attack',
    'The capture shows signs of a presentation attack (printed photo, screen replay, mask or deepfake).',
  ],
  FACE_IN_BLOCKLIST: ['Face in blocklist', "The face matches a face in the application's face blocklist."],
  LOW_LIVENESS_SCORE: ['Low liveness score', 'The liveness score is at or below the configured threshold.'],
  NO_REFERENCE_IMAGE: [
    'No reference image',
    'Face match could not run because the reference portrait or the selfie face is missing.',
  ],
  LOW_FACE_MATCH_SIMILARITY: [
    'Low face match similarity',
    'The selfie and the reference portrait are less similar than the configured threshold.',
  ],
} as const;

function warning(
  feature: DecisionWarning['feature'],
  risk: keyof typeof TEXTS,
  logType: DecisionWarning['log_type'],
  nodeId: string,
  additionalData: JsonValue = null,
): DecisionWarning {
  const [short, long] = TEXTS[risk];
  return {
    feature,
    risk,
    additional_data: additionalData,
    log_type: logType,
    short_description: short,
    long_description: long,
    node_id: nodeId,
  };
}

/** docs/didit-contract.md (scoring): error at or below decline, warning at or below review, nothing above. */
function thresholdLogType(score: number, review: number, decline: number): 'warning' | 'error' | null {
  if (score <= decline) return 'error';
  if (score <= review) return 'warning';
  return null;
}

function statusOf(warnings: readonly DecisionWarning[]): FeatureStatus {
  if (warnings.some((w) => w.log_type === 'error')) return 'Declined';
  if (warnings.some((w) => w.log_type === 'warning')) return 'In Review';
  return 'Approved';
}

function draw(rng: Random, band: Range | null): number | null {
  return band ? randomBetween(rng, band[0], band[1]) : null;
}

export function evaluateCapture(input: CaptureInput, ctx: CaptureContext): Evaluation {
  const rng = mulberry32((input.seed ^ hashString(input.capture)) >>> 0);
  const band = SCORE_BANDS[input.capture];
  const drawnLiveness = draw(rng, band.liveness);
  const drawnFaceMatch = draw(rng, band.faceMatch);
  const noFace = input.capture === 'no_face';
  const method = input.method ?? ctx.config.liveness.method;

  let liveness: LivenessResult | null = null;
  if (ctx.config.liveness.enabled) {
    const score = input.livenessScore ?? drawnLiveness;
    const { review, decline } = ctx.config.liveness;
    const warnings: DecisionWarning[] = [];
    if (noFace) warnings.push(warning('LIVENESS', 'NO_FACE_DETECTED', 'error', LIVENESS_NODE));
    if (input.capture === 'spoof') warnings.push(warning('LIVENESS', 'LIVENESS_FACE_ATTACK', 'error', LIVENESS_NODE));
    if (ctx.faceBlocklisted && !noFace) warnings.push(warning('LIVENESS', 'FACE_IN_BLOCKLIST', 'error', LIVENESS_NODE));
    // NO_FACE_DETECTED suppresses LOW_LIVENESS_SCORE.
    const logType = noFace || score === null ? null : thresholdLogType(score, review, decline);
    if (logType) {
      warnings.push(
        warning('LIVENESS', 'LOW_LIVENESS_SCORE', logType, LIVENESS_NODE, {
          score,
          review_threshold: review,
          decline_threshold: decline,
        }),
      );
    }
    const passive = method === 'PASSIVE';
    const lowQuality = input.capture === 'low_quality';
    const personRng = mulberry32(ctx.personSeed);
    liveness = {
      node_id: LIVENESS_NODE,
      status: statusOf(warnings),
      method,
      score,
      age_estimation: noFace
        ? null
        : Math.round((randomBetween(personRng, 19, 68, 0) + randomBetween(rng, -1.5, 1.5, 1)) * 10) / 10,
      face_quality: passive && !noFace ? randomBetween(rng, lowQuality ? 18 : 62, lowQuality ? 45 : 96) : null,
      face_luminance: passive && !noFace ? randomBetween(rng, lowQuality ? 12 : 38, lowQuality ? 30 : 72) : null,
      warnings,
    };
  }

  let faceMatch: FaceMatchResult | null = null;
  if (ctx.config.faceMatch.enabled) {
    const { review, decline } = ctx.config.faceMatch;
    const warnings: DecisionWarning[] = [];
    let score: number | null = null;
    if (!ctx.hasPortrait || noFace) {
      // NO_REFERENCE_IMAGE suppresses LOW_FACE_MATCH_SIMILARITY.
      warnings.push(warning('FACEMATCH', 'NO_REFERENCE_IMAGE', 'error', FACE_MATCH_NODE));
    } else {
      score = input.faceMatchScore ?? drawnFaceMatch;
      const logType = score === null ? null : thresholdLogType(score, review, decline);
      if (logType) {
        warnings.push(
          warning('FACEMATCH', 'LOW_FACE_MATCH_SIMILARITY', logType, FACE_MATCH_NODE, {
            score,
            review_threshold: review,
            decline_threshold: decline,
          }),
        );
      }
    }
    faceMatch = { node_id: FACE_MATCH_NODE, status: statusOf(warnings), score, warnings };
  }

  return { liveness, faceMatch, status: rollUp([liveness?.status, faceMatch?.status]) };
}

/** Worst item wins; a workflow with no biometric feature approves. */
export function rollUp(statuses: readonly (FeatureStatus | undefined)[]): SessionStatus {
  if (statuses.includes('Declined')) return 'Declined';
  if (statuses.includes('In Review') || statuses.includes('Not Finished')) return 'In Review';
  return 'Approved';
}

export interface DecisionDeps {
  sessionUrl: (session: SessionRecord) => string;
  /** Mints a fresh presigned-style URL for a media path. */
  mediaUrl: (path: string) => string;
}

/** Didit records the capture for the active methods; passive liveness has no video. */
export function recordsVideo(method: LivenessMethod): boolean {
  return method !== 'PASSIVE';
}

export const mediaPaths = {
  selfie: (sessionId: string) => `face/${sessionId}/liveness/reference.jpg`,
  video: (sessionId: string) => `face/${sessionId}/liveness/video.webm`,
  source: (sessionId: string) => `face-match/${sessionId}/source.jpg`,
  target: (sessionId: string) => `face-match/${sessionId}/target.jpg`,
};

/** GET /v3/session/{id}/decision/ (docs/didit-contract.md (decision)): plural arrays, null for features that have not run. */
export function buildDecision(session: SessionRecord, deps: DecisionDeps): JsonObject {
  const capture = session.capture;
  const hasSelfie = capture !== null;
  const liveness = capture?.liveness;
  const faceMatch = capture?.faceMatch;
  return {
    session_id: session.sessionId,
    session_number: session.sessionNumber,
    session_kind: 'user',
    session_url: deps.sessionUrl(session),
    status: session.status,
    workflow_id: session.workflowId,
    features: session.features,
    vendor_data: session.vendorData,
    metadata: session.metadata,
    callback: session.callback,
    contact_details: session.contactDetails,
    expected_details: session.expectedDetails,
    id_verifications: null,
    nfc_verifications: null,
    liveness_checks: liveness
      ? [
          {
            node_id: liveness.node_id,
            status: liveness.status,
            method: liveness.method,
            score: liveness.score,
            reference_image: deps.mediaUrl(mediaPaths.selfie(session.sessionId)),
            video_url: recordsVideo(liveness.method) ? deps.mediaUrl(mediaPaths.video(session.sessionId)) : null,
            age_estimation: liveness.age_estimation,
            face_quality: liveness.face_quality,
            face_luminance: liveness.face_luminance,
            matches: liveness.matches ?? [],
            warnings: liveness.warnings.map(warningJson),
          },
        ]
      : null,
    face_matches: faceMatch
      ? [
          {
            node_id: faceMatch.node_id,
            status: faceMatch.status,
            score: faceMatch.score,
            source_image_session_id: session.sessionId,
            source_image: session.portrait ? deps.mediaUrl(mediaPaths.source(session.sessionId)) : null,
            target_image: hasSelfie ? deps.mediaUrl(mediaPaths.target(session.sessionId)) : null,
            warnings: faceMatch.warnings.map(warningJson),
          },
        ]
      : null,
    poa_verifications: null,
    document_ai_documents: null,
    phone_verifications: null,
    email_verifications: null,
    aml_screenings: null,
    ip_analyses: null,
    database_validations: null,
    questionnaire_responses: null,
    reviews: session.activity
      .filter((a) => a.newStatus !== null)
      .map((a) => ({
        user: a.actorEmail ?? a.actorDisplay,
        new_status: a.newStatus,
        comment: a.comment,
        created_at: isoMicros(a.createdAt),
      })),
    created_at: isoMicros(session.createdAt),
    expires_at: isoMicros(session.expiresAt),
  };
}

function warningJson(w: DecisionWarning): JsonObject {
  return { ...w };
}
