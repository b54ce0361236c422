import { can, type Actor } from '../auth/rbac.ts';
import type { FaceBlock, FaceBlockInfo, FaceBlockLink } from '../contract/face-block.ts';
import { diditIdSchema } from '../contract/ids.ts';
import type { SessionDetail } from '../contract/review.ts';
import type { Database } from '../db/database.ts';
import type { SessionRow } from '../review/review.repository.ts';
import type { ReviewSettings } from '../review/review-deps.ts';
import { findInferredBlock, findLatestFaceBlock, type FaceBlockRow } from './face-block.repository.ts';

export const FACE_IN_BLOCKLIST = 'FACE_IN_BLOCKLIST';

/**
 * The session page's face-block panel: this session's own block, and for a session Didit declined
 * with `FACE_IN_BLOCKLIST` the blocked session its face matched (docs/didit-contract.md
 * "Face blocklist": Didit's word first, the console's inference only when Didit names none).
 */
export async function loadFaceBlockInfo(
  db: Database,
  session: SessionRow,
  detail: Pick<SessionDetail, 'allowed'>,
  actor: Actor,
  settings: ReviewSettings,
): Promise<FaceBlockInfo> {
  const erased = session.personal_data_removal === 'erasure';
  const own = await findLatestFaceBlock(db, session.id);
  const inBlocklist = session.warning_codes.includes(FACE_IN_BLOCKLIST);
  const matched = inBlocklist ? await matchedBlock(db, session, settings) : null;
  const live = own !== undefined && own.state !== 'unblocked' && !(own.state === 'failed' && own.failed_action === 'block');
  return {
    own: own ? toFaceBlock(own, settings) : null,
    inBlocklist,
    matched,
    allowed: {
      declineAndBlock: !erased && !live && detail.allowed.decide.includes('Declined'),
      unblock: !erased && own?.state === 'blocked' && can(actor.role, 'face.unblock'),
      retry:
        !erased &&
        own?.state === 'failed' &&
        can(actor.role, own.failed_action === 'unblock' ? 'face.unblock' : 'session.decide'),
    },
  };
}

function reasonLabel(code: string, settings: ReviewSettings): string {
  return settings.reasons.Declined.find((r) => r.code === code)?.label ?? code;
}

function toFaceBlock(row: FaceBlockRow, settings: ReviewSettings): FaceBlock {
  return {
    id: row.id,
    state: row.state,
    failedAction: row.failed_action,
    reason: row.reason_code,
    reasonLabel: reasonLabel(row.reason_code, settings),
    note: row.note,
    noteRemovedAt: row.note_removed_at?.toISOString() ?? null,
    blockedBy: row.blocked_by_label,
    blockedAt: row.blocked_at.toISOString(),
    confirmedAt: row.confirmed_at?.toISOString() ?? null,
    unblockedBy: row.unblocked_by_label,
    unblockedAt: row.unblocked_at?.toISOString() ?? null,
    unblockNote: row.unblock_note,
    unblockConfirmedAt: row.unblock_confirmed_at?.toISOString() ?? null,
    pushAttempts: row.push_attempts,
    pushError: row.push_error,
  };
}

function linkOf(
  sessionId: string,
  source: FaceBlockLink['source'],
  block: FaceBlockRow | undefined,
  settings: ReviewSettings,
): FaceBlockLink {
  return {
    sessionId,
    source,
    block: block
      ? {
          state: block.state,
          reasonLabel: reasonLabel(block.reason_code, settings),
          blockedBy: block.blocked_by_label,
          blockedAt: block.blocked_at.toISOString(),
        }
      : null,
  };
}

async function matchedBlock(db: Database, session: SessionRow, settings: ReviewSettings): Promise<FaceBlockLink | null> {
  const named = blockedSessionNamedByDidit(session);
  if (named && named !== session.id) return linkOf(named, 'didit', await findLatestFaceBlock(db, named), settings);
  const inferred = await findInferredBlock(db, {
    id: session.id,
    vendor_data: session.vendor_data,
    vendor_data_hash: session.vendor_data_hash,
    createdAt: session.didit_created_at ?? session.first_seen_at,
  });
  return inferred ? linkOf(inferred.session_id, 'inferred', inferred, settings) : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function diditId(value: unknown): string | null {
  const parsed = diditIdSchema.safeParse(value);
  return parsed.success ? parsed.data.toLowerCase() : null;
}

/**
 * The blocked session Didit names, if it does: the `FACE_IN_BLOCKLIST` warning's
 * `additional_data.blocklisted_session_id` (documented for face search's warning), else the first
 * entry of the liveness report's `matches[]` flagged `is_blocklisted` (blocklisted faces come first).
 */
export function blockedSessionNamedByDidit(session: Pick<SessionRow, 'warnings' | 'decision'>): string | null {
  for (const warning of session.warnings) {
    if (warning.risk !== FACE_IN_BLOCKLIST) continue;
    const id = diditId(record(warning.additionalData)?.['blocklisted_session_id']);
    if (id) return id;
  }
  const checks = record(session.decision)?.['liveness_checks'];
  for (const check of Array.isArray(checks) ? checks : []) {
    const matches = record(check)?.['matches'];
    for (const match of Array.isArray(matches) ? matches : []) {
      const entry = record(match);
      if (entry?.['is_blocklisted'] !== true) continue;
      const id = diditId(entry['session_id']);
      if (id) return id;
    }
  }
  return null;
}
