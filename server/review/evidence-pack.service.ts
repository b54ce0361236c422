import { createHash } from 'node:crypto';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import type { Thresholds } from '../contract/review.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { thresholdsFromDiditSettings } from '../thresholds/didit-thresholds.ts';
import { isAllowedMediaUrl } from '../vendors/didit/media-origin.ts';
import { notFound } from './claims.ts';
import {
  countSessionAuditEntries,
  findEvidencePackPolicy,
  listSessionAuditEntries,
  type SessionAuditRow,
} from './evidence-pack.repository.ts';
import {
  renderEvidencePack,
  type EvidencePack,
  type PackImage,
  type PackThresholds,
  type PackTimelineEntry,
} from './evidence-pack.ts';
import { findSessionById, latestAppliedAt, listReviewEvents, listStatusEvents, type SessionRow } from './review.repository.ts';
import type { ReviewSettings } from './review-deps.ts';
import { loadSessionDetail } from './session-detail.ts';

/**
 * The evidence pack of a decided session (issue 20): gathers what an auditor needs (decision,
 * scores against the thresholds then and now, warnings, the review timeline, the session's audit
 * entries, the images' hashes), renders the PDF (`evidence-pack.ts`) and records the generation
 * on the audit trail. The PDF is never stored; the image bytes live only in this call's memory,
 * fetched from the session's current signed links (refreshed first when they are near expiry),
 * and neither the links nor the bytes are logged.
 */

export type EvidencePackDeps = Pick<AppContext, 'db' | 'config' | 'media' | 'logger'>;

export interface EvidencePackOptions {
  /** The generation time printed in the pack (tests fix it). Default: now. */
  now?: Date;
  /** Fetches an image (tests may count calls). Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Most audit entries one pack lists (oldest first); the pack says when there are more. */
export const EVIDENCE_PACK_AUDIT_LIMIT = 500;
/** An image larger than this is not hashed ("not available"): Didit's selfies are far smaller. */
const IMAGE_MAX_BYTES = 20 * 1024 * 1024;
const IMAGE_TIMEOUT_MS = 10_000;

const decidedStatuses: ReadonlySet<string> = new Set(['Approved', 'Declined']);

/** Builds the pack for `actor` and records `session.evidence_pack_generated`; 404 unknown, 409 not decided or erased. */
export async function generateEvidencePack(
  deps: EvidencePackDeps,
  actor: Actor,
  sessionId: string,
  origin: RequestOrigin,
  options: EvidencePackOptions = {},
): Promise<EvidencePack> {
  const now = options.now ?? new Date();
  const session = await findSessionById(deps.db, sessionId);
  if (!session) throw notFound(sessionId);
  if (session.personal_data_removal === 'erasure') {
    throw new AppError(409, 'conflict', 'This session was erased on request; there is no evidence pack for it.', {
      reason: 'erased',
    });
  }
  if (!decidedStatuses.has(session.status)) {
    throw new AppError(
      409,
      'conflict',
      `Only decided sessions (Approved or Declined) have an evidence pack; this one is ${session.status}.`,
      {
        reason: 'not_decided',
        status: session.status,
      },
    );
  }
  const settings: ReviewSettings = deps.config.review;
  const [detail, reviewEvents, statusEvents, versionNow, auditRows, auditTotal, policy] = await Promise.all([
    loadSessionDetail(deps.db, sessionId, actor, settings),
    listReviewEvents(deps.db, sessionId),
    listStatusEvents(deps.db, sessionId),
    latestAppliedAt(deps.db, session.workflow_id, now),
    listSessionAuditEntries(deps.db, sessionId, EVIDENCE_PACK_AUDIT_LIMIT),
    countSessionAuditEntries(deps.db, sessionId),
    findEvidencePackPolicy(deps.db, session.workflow_id),
  ]);
  const embedImages = policy?.evidence_pack_images === true;
  const images = await fetchImages(deps, actor, session, embedImages, options.fetch ?? fetch);

  const reasonLabel = (kind: string, code: string | null): string | null => {
    if (!code) return null;
    const list = kind === 'approve' ? settings.reasons.Approved : kind === 'decline' ? settings.reasons.Declined : [];
    const label = list.find((reason) => reason.code === code)?.label;
    return label ? `${label} (${code})` : code;
  };
  const lastDecision = [...reviewEvents].reverse().find((event) => event.kind === 'approve' || event.kind === 'decline');

  const timeline: PackTimelineEntry[] = [
    ...statusEvents.map((event): PackTimelineEntry => ({
      at: event.event_timestamp,
      source: 'didit',
      title: `Didit: ${event.status ?? 'status'} (${event.webhook_type})`,
      actor: null,
      reason: null,
      push: null,
      note: null,
      noteRemovedAt: null,
    })),
    ...reviewEvents.map((event): PackTimelineEntry => ({
      at: event.created_at,
      source: 'console',
      title: eventTitles[event.kind] ?? event.kind,
      actor: event.actor_label,
      reason: reasonLabel(event.kind, event.reason_code),
      push: event.push_state ? `${event.push_state}${event.push_error ? ` (${event.push_error})` : ''}` : null,
      note: event.note,
      noteRemovedAt: event.note_removed_at,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());

  const pack = await renderEvidencePack({
    session: {
      id: session.id,
      sessionNumber: session.session_number,
      workflowId: session.workflow_id,
      workflowLabel: session.workflow_label,
      status: session.status,
      livenessStatus: session.liveness_status,
      faceMatchStatus: session.face_match_status,
      livenessMethod: session.liveness_method,
      createdAt: session.didit_created_at ?? session.first_seen_at,
      decidedAt: session.decided_at,
      decisionSource: decisionSourceText(session.decision_source),
      decidedBy:
        session.decision_source === 'console'
          ? (lastDecision?.actor_label ?? null)
          : session.decision_source === 'outside'
            ? (detail.diditReview?.by ?? "a user of Didit's console (not named)")
            : session.decision_source === 'didit'
              ? 'Didit (automatic decision)'
              : null,
      decisionReason:
        session.decision_source === 'console' && lastDecision ? reasonLabel(lastDecision.kind, lastDecision.reason_code) : null,
      decisionComment: detail.diditReview?.comment ?? null,
      pushState: session.review_push_state
        ? `${session.review_push_state}${session.review_push_error ? ` (${session.review_push_error})` : ''}`
        : null,
      personalDataRemovedAt: session.personal_data_removal === 'retention' ? session.personal_data_removed_at : null,
    },
    scores: { liveness: session.liveness_score, faceMatch: session.face_match_score, hasFaceMatch: detail.hasFaceMatch },
    scoredUnder: scoredUnderView(detail.thresholds),
    inForceNow: versionNow
      ? {
          version: versionNow.version,
          source: `console version ${versionNow.version}, applied ${versionNow.applied_at?.toISOString().slice(0, 10) ?? 'on an unknown date'}`,
          livenessReview: versionNow.liveness_review,
          livenessDecline: versionNow.liveness_decline,
          faceMatchReview: versionNow.face_match_review,
          faceMatchDecline: versionNow.face_match_decline,
        }
      : {
          ...thresholdsFromDiditSettings(session.didit_settings),
          version: null,
          source: "Didit's workflow settings as last read; no console version applied",
        },
    warnings: session.warnings.map((warning) => ({
      risk: warning.risk,
      feature: warning.feature,
      shortDescription: warning.shortDescription,
      longDescription: warning.longDescription,
    })),
    timeline,
    audit: { entries: auditRows.map(toPackAuditEntry), total: auditTotal },
    images,
    embedImages,
    generatedAt: now,
    generatedBy: actor.label,
  });

  await appendAudit(deps.db, {
    actor,
    action: 'session.evidence_pack_generated',
    targetType: 'session',
    targetId: sessionId,
    ...origin,
    details: { pages: pack.pages, sha256: pack.sha256, imagesIncluded: pack.imagesIncluded },
  });
  return pack;
}

const eventTitles: Record<string, string> = {
  claim: 'Claimed',
  release: 'Released',
  approve: 'Decision: Approved',
  decline: 'Decision: Declined',
  note: 'Note added',
  escalate: 'Escalated',
  de_escalate: 'Escalation cleared',
  decision_undone: 'Decision undone',
};

function decisionSourceText(source: SessionRow['decision_source']): string {
  switch (source) {
    case 'console':
      return "the review console (an analyst's decision, sent to Didit)";
    case 'outside':
      return "Didit's own console (decided outside the review console)";
    case 'didit':
      return 'Didit (decided automatically)';
    default:
      return 'not recorded';
  }
}

function scoredUnderView(t: Thresholds): PackThresholds {
  const sources: Record<Thresholds['source'], string> = {
    version: `console version ${t.version ?? '?'}`,
    didit_warnings:
      t.version === null
        ? "Didit's thresholds as reported in this session's warnings"
        : `console version ${t.version}; values as Didit reported them in this session's warnings`,
    didit_settings: "Didit's workflow settings at the time; no console version",
    none: 'not known',
  };
  return {
    version: t.version,
    source: sources[t.source],
    livenessReview: t.livenessReview,
    livenessDecline: t.livenessDecline,
    faceMatchReview: t.faceMatchReview,
    faceMatchDecline: t.faceMatchDecline,
  };
}

function toPackAuditEntry(row: SessionAuditRow) {
  return {
    id: row.id,
    at: row.occurred_at,
    action: row.action,
    actor: row.actor_label,
    details: detailsText(row.details),
    hash: row.hash,
  };
}

/** An audit entry's details as "key: value; key.sub: value" (free text as recorded, capped). */
export function detailsText(details: Record<string, unknown>, prefix = ''): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const nested = detailsText(value as Record<string, unknown>, path);
      if (nested) parts.push(nested);
    } else {
      parts.push(`${path}: ${Array.isArray(value) ? value.map((v) => JSON.stringify(v)).join(', ') : String(value)}`);
    }
  }
  const text = parts.join('; ');
  return text.length > 2_000 ? `${text.slice(0, 1_999)}…` : text;
}

/**
 * The selfie's and the portrait's hashes (and bytes, when the pack embeds them), read from the
 * session's current links. A link near expiry is refreshed first through the media refresher
 * (coalesced, within this person's limit); anything that fails is "not available", never an error.
 */
async function fetchImages(
  deps: EvidencePackDeps,
  actor: Actor,
  session: SessionRow,
  keepBytes: boolean,
  fetchImpl: typeof fetch,
): Promise<PackImage[]> {
  const kinds = ['selfie', 'portrait'] as const;
  if (session.personal_data_removed_at) {
    return kinds.map((kind) => unavailable(kind, 'not available: the links were removed with the personal data'));
  }
  let links: Record<string, string> = session.media;
  try {
    links = (await deps.media.ensureFresh(session.id, actor)).media;
  } catch (error) {
    // The stored links may still work; the refresher's failure is logged without them.
    deps.logger.warn(
      { sessionId: session.id, err: error instanceof Error ? error.name : 'unknown' },
      'evidence pack: media refresh failed',
    );
  }
  return Promise.all(
    kinds.map(async (kind): Promise<PackImage> => {
      const url = links[kind];
      if (!url) return unavailable(kind, 'not available: no link held for this image');
      if (!isAllowedMediaUrl(url, deps.config.didit.mediaOrigins))
        return unavailable(kind, 'not available: link outside the media origins');
      try {
        const response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(IMAGE_TIMEOUT_MS) });
        if (!response.ok) {
          await response.body?.cancel();
          return unavailable(kind, `not available: Didit answered ${response.status}`);
        }
        const declared = Number(response.headers.get('content-length') ?? '0');
        if (declared > IMAGE_MAX_BYTES) {
          await response.body?.cancel();
          return unavailable(kind, 'not available: the image is too large');
        }
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (bytes.byteLength > IMAGE_MAX_BYTES) return unavailable(kind, 'not available: the image is too large');
        return {
          kind,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          byteLength: bytes.byteLength,
          contentType: response.headers.get('content-type')?.split(';')[0]?.trim() || null,
          unavailable: null,
          ...(keepBytes ? { bytes } : {}),
        };
      } catch (error) {
        // Never the URL: its query is the signature that grants access to the image.
        deps.logger.warn(
          { sessionId: session.id, image: kind, err: error instanceof Error ? error.name : 'unknown' },
          'evidence pack: an image could not be fetched',
        );
        return unavailable(kind, 'not available: the image could not be fetched');
      }
    }),
  );
}

function unavailable(kind: PackImage['kind'], why: string): PackImage {
  return { kind, sha256: null, byteLength: null, contentType: null, unavailable: why };
}
