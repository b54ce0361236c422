import { SCORE_MAX, SCORE_MIN, SCORE_OUT_OF_RANGE, type DataProblemCode } from '../../contract/data-problems.ts';
import type { SessionWarning } from '../../db/schema.ts';
import { diditDecisionSchema, type DiditDecision } from './didit-schemas.ts';
import { DiditApiError } from './didit-error.ts';
import { keepAllowedMedia, type RejectedMedia } from './media-origin.ts';

/**
 * Didit's decision JSON turned into the console's terms. The raw decision is kept whole
 * (`decision`) for the evidence view; the fields the queue sorts and filters on are lifted out.
 */

export type LivenessMethod = 'PASSIVE' | 'FLASHING' | 'ACTIVE_3D';

/** Signed media links by role; absent keys mean Didit sent none. */
export interface SessionMedia {
  /** Live selfie (liveness reference image). */
  selfie?: string;
  video?: string;
  /** Stored reference portrait: the face-match image that is not the selfie (see `faceMatchImages`). */
  portrait?: string;
  /** The face-match image that is the selfie. */
  faceMatchSelfie?: string;
}

export interface DecisionReview {
  user: string | null;
  newStatus: string | null;
  comment: string | null;
  createdAt: Date | null;
}

export interface SessionSnapshot {
  sessionId: string;
  sessionNumber: number | null;
  workflowId: string | null;
  vendorData: string | null;
  status: string;
  livenessStatus: string | null;
  faceMatchStatus: string | null;
  /** 0–100, or null when Didit sent none or one out of range (see `dataProblems`). */
  livenessScore: number | null;
  faceMatchScore: number | null;
  livenessMethod: LivenessMethod | null;
  /** Didit's warnings, then one the console raises per data problem (`SCORE_OUT_OF_RANGE`). */
  warnings: SessionWarning[];
  /** What the console could not take from the decision as sent (each also explained in `warnings`). */
  dataProblems: DataProblemCode[];
  /** Links on the configured media origins only (see `media-origin.ts`). */
  media: SessionMedia;
  /** Links Didit sent that were dropped for pointing elsewhere: role and origin, for a log line. */
  rejectedMedia: RejectedMedia[];
  /** Earliest expiry among the media links; null when there are none. */
  mediaExpiresAt: Date | null;
  reviews: DecisionReview[];
  diditCreatedAt: Date | null;
  decision: Record<string, unknown>;
  /** For fetched decisions: when the request that read it was sent (the state is at least that new). */
  fetchedAt: Date | null;
}

/** Links without a parseable expiry are treated as valid for 60 minutes (docs/didit-contract.md §10). */
export const DEFAULT_MEDIA_LIFETIME_MS = 60 * 60 * 1000;

export interface AdaptOptions {
  /** Origins media links may point at (`config.didit.mediaOrigins`); links elsewhere are dropped. */
  mediaOrigins: readonly string[];
  /** When the decision arrived; links without an expiry live 60 minutes from then. Default now. */
  receivedAt?: Date;
  /** For fetched decisions: when the request that read it was sent. */
  fetchedAt?: Date | null;
}

/** Parses and adapts a decision; throws `invalid_response` when it does not fit the contract. */
export function adaptDiditDecision(raw: unknown, options: AdaptOptions): SessionSnapshot {
  const { mediaOrigins, receivedAt = new Date(), fetchedAt = null } = options;
  const parsed = diditDecisionSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DiditApiError(
      'invalid_response',
      `Didit decision does not match the contract: ${parsed.error.issues[0]?.message ?? ''}`,
      {
        cause: parsed.error,
      },
    );
  }
  return { ...adaptParsedDecision(parsed.data, raw as Record<string, unknown>, receivedAt, mediaOrigins), fetchedAt };
}

function adaptParsedDecision(
  d: DiditDecision,
  raw: Record<string, unknown>,
  receivedAt: Date,
  mediaOrigins: readonly string[],
): Omit<SessionSnapshot, 'fetchedAt'> {
  const liveness = d.liveness_checks?.[0] ?? d.liveness ?? null;
  const faceMatch = d.face_matches?.[0] ?? d.face_match ?? null;
  // Didit's warnings become the console's here, once: the session stores and reads this shape.
  const warnings: SessionWarning[] = [];
  for (const [block, feature] of [
    [liveness, 'LIVENESS'],
    [faceMatch, 'FACEMATCH'],
  ] as const) {
    for (const w of block?.warnings ?? []) {
      warnings.push({
        // Legacy warnings lack feature and node_id: infer the feature from the block.
        feature: w.feature ?? feature,
        risk: w.risk,
        logType: w.log_type ?? null,
        shortDescription: w.short_description ?? null,
        longDescription: w.long_description ?? null,
        nodeId: w.node_id ?? block?.node_id ?? null,
        additionalData: w.additional_data ?? null,
      });
    }
  }
  const dataProblems: DataProblemCode[] = [];
  const livenessScore = checkedScore(liveness?.score, 'LIVENESS', dataProblems, warnings);
  const faceMatchScore = checkedScore(faceMatch?.score, 'FACEMATCH', dataProblems, warnings);
  const sent: SessionMedia = {};
  if (liveness?.reference_image) sent.selfie = liveness.reference_image;
  if (liveness?.video_url) sent.video = liveness.video_url;
  // Roles are told apart on the links as sent (the selfie identifies the portrait), then filtered.
  Object.assign(sent, faceMatchImages(sent.selfie, faceMatch?.source_image ?? null, faceMatch?.target_image ?? null));
  const { media, rejected: rejectedMedia } = keepAllowedMedia(sent, mediaOrigins);
  return {
    sessionId: d.session_id,
    sessionNumber: d.session_number ?? null,
    workflowId: d.workflow_id ?? null,
    vendorData: d.vendor_data ?? null,
    status: d.status,
    livenessStatus: liveness?.status ?? null,
    faceMatchStatus: faceMatch?.status ?? null,
    livenessScore,
    faceMatchScore,
    livenessMethod: normaliseMethod(liveness?.method),
    warnings,
    dataProblems,
    media,
    rejectedMedia,
    mediaExpiresAt: earliestExpiry(Object.values(media), receivedAt),
    reviews: (d.reviews ?? []).map((r) => ({
      user: r.user ?? null,
      newStatus: r.new_status ?? null,
      comment: r.comment ?? null,
      createdAt: parseDate(r.created_at),
    })),
    diditCreatedAt: parseDate(d.created_at),
    decision: raw,
  };
}

/**
 * A score as the console stores it: a number from 0 to 100. Anything else Didit sends (1e308,
 * -5, 100.5, a string) is not a score we can compare with thresholds: it is left out (null, so
 * statistics skip the session), recorded as a data problem, and explained to the analyst by a
 * warning the console adds. The raw decision keeps the value as sent.
 */
function checkedScore(
  value: unknown,
  feature: 'LIVENESS' | 'FACEMATCH',
  problems: DataProblemCode[],
  warnings: SessionWarning[],
): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= SCORE_MIN && value <= SCORE_MAX) return value;
  const name = feature === 'LIVENESS' ? 'liveness score' : 'face match score';
  const received = typeof value === 'number' ? String(value) : `${JSON.stringify(value).slice(0, 40)} (not a number)`;
  problems.push(feature === 'LIVENESS' ? 'liveness_score_out_of_range' : 'face_match_score_out_of_range');
  warnings.push({
    feature,
    risk: SCORE_OUT_OF_RANGE,
    logType: 'error',
    shortDescription: `Didit sent a ${name} of ${received}, outside ${SCORE_MIN}–${SCORE_MAX}.`,
    longDescription:
      `The console did not store this ${name}: the session shows no ${name}, and statistics and ` +
      `threshold simulations leave it out. Judge this check from the evidence.`,
    nodeId: null,
    additionalData: null,
  });
  return null;
}

/** The S3 object a presigned link points at: origin and path, without the signature. */
function objectOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return null;
  }
}

/**
 * Which face-match image is the reference portrait. Didit's pages disagree on whether the selfie is
 * `source_image` or `target_image` (docs/didit-contract.md §10), but the liveness block's
 * `reference_image` is the captured selfie in every version: the portrait is the face-match image
 * that is not the same object as that selfie. Only when that cannot be told (no selfie, both or
 * neither the same object) does the documented mapping decide: `source_image` is the portrait.
 */
export function faceMatchImages(
  selfie: string | null | undefined,
  source: string | null,
  target: string | null,
): { portrait?: string; faceMatchSelfie?: string } {
  const self = objectOf(selfie);
  const isSelfie = (url: string | null) => self !== null && url !== null && objectOf(url) === self;
  let portrait = source;
  let faceMatchSelfie = target;
  if (isSelfie(source) && !isSelfie(target)) [portrait, faceMatchSelfie] = [target, source];
  else if (self !== null && (source === null) !== (target === null)) {
    // One image only: it is the portrait unless it is the selfie.
    const only = source ?? target;
    [portrait, faceMatchSelfie] = isSelfie(only) ? [null, only] : [only, null];
  }
  const out: { portrait?: string; faceMatchSelfie?: string } = {};
  if (portrait) out.portrait = portrait;
  if (faceMatchSelfie) out.faceMatchSelfie = faceMatchSelfie;
  return out;
}

/** Docs say uppercase, one integration prompt says lowercase: accept any casing. */
export function normaliseMethod(method: string | null | undefined): LivenessMethod | null {
  const upper = method?.trim().toUpperCase().replace(/[\s-]/g, '_');
  if (upper === 'PASSIVE' || upper === 'FLASHING' || upper === 'ACTIVE_3D') return upper;
  if (upper === 'ACTIVE3D' || upper === '3D_ACTIVE') return 'ACTIVE_3D';
  return null;
}

/**
 * When a presigned S3 link stops working: `X-Amz-Date` (yyyymmddThhmmssZ) plus `X-Amz-Expires`
 * seconds. Links without those parameters get the documented 60-minute lifetime from `receivedAt`.
 */
export function mediaUrlExpiry(url: string, receivedAt: Date): Date {
  try {
    const params = new URL(url).searchParams;
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(params.get('X-Amz-Date') ?? '');
    const expires = params.get('X-Amz-Expires') ?? '';
    if (date && /^\d{1,7}$/.test(expires)) {
      const [, y, mo, d, h, mi, s] = date;
      const signedAt = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
      return new Date(signedAt + Number(expires) * 1000);
    }
  } catch {
    // not a URL: fall through to the default lifetime
  }
  return new Date(receivedAt.getTime() + DEFAULT_MEDIA_LIFETIME_MS);
}

export function earliestExpiry(urls: readonly string[], receivedAt: Date): Date | null {
  let earliest: Date | null = null;
  for (const url of urls) {
    const expiry = mediaUrlExpiry(url, receivedAt);
    if (!earliest || expiry < earliest) earliest = expiry;
  }
  return earliest;
}

function parseDate(value: string | number | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
