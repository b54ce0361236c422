import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import { can, type Actor } from '../auth/rbac.ts';
import type { DeclineAndBlockRequest, UnblockFaceRequest } from '../contract/face-block.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import { lockOrThrow } from '../review/claims.ts';
import { decisions } from '../review/decisions.ts';
import type { ReviewDeps } from '../review/review-deps.ts';
import {
  enqueueFaceBlockPush,
  insertFaceBlock,
  lockLatestFaceBlock,
  markUnblocking,
  reopenFaceBlock,
  type FaceBlockRow,
} from './face-block.repository.ts';

/**
 * Blocking the face a session presented on Didit's face blocklist, and lifting the block. Both
 * leave through the outbox like decisions: the row and its push job are written in the caller's
 * transaction, and `push_face_block` carries them to Didit until Didit confirms.
 */

function conflict(message: string, reason: string, block?: FaceBlockRow): AppError {
  return new AppError(409, 'conflict', message, { reason, ...(block ? { faceBlockState: block.state } : {}) });
}

/** A block that still stands or is on its way (not lifted, and not refused by Didit when it was put). */
function isLive(block: FaceBlockRow | undefined): block is FaceBlockRow {
  return block !== undefined && block.state !== 'unblocked' && !(block.state === 'failed' && block.failed_action === 'block');
}

export function faceBlocks(trx: Transaction<DB>, deps: ReviewDeps) {
  /**
   * Declines the session exactly as `POST /decision` would (same checks, same push) and blocks
   * its face, in one transaction: both pushes are queued together or not at all.
   */
  async function declineAndBlock(
    id: string,
    actor: Actor,
    request: DeclineAndBlockRequest,
    origin: RequestOrigin,
  ): Promise<{ reviewEventId: number; faceBlockId: number }> {
    await lockOrThrow(trx, id);
    const existing = await lockLatestFaceBlock(trx, id);
    if (isLive(existing))
      throw conflict("This session's face is already on the blocklist (or on its way there).", 'already_blocked', existing);
    const reviewEventId = await decisions(trx, deps).recordDecision(
      id,
      actor,
      { decision: 'Declined', reason: request.reason, note: request.note, expectedVersion: request.expectedVersion },
      origin,
    );
    const faceBlockId = await insertFaceBlock(trx, {
      sessionId: id,
      reviewEventId,
      reasonCode: request.reason,
      note: request.note,
      actorId: actor.kind === 'user' ? actor.id : null,
      actorLabel: actor.label,
    });
    // Leaves with the decision, once its undo window closed: undoing it withdraws the block too.
    const { undo_until } = await trx
      .selectFrom('review_event')
      .select('undo_until')
      .where('id', '=', reviewEventId)
      .executeTakeFirstOrThrow();
    await enqueueFaceBlockPush(trx, faceBlockId, undo_until);
    await appendAudit(trx, {
      actor,
      action: 'session.face_blocked',
      targetType: 'session',
      targetId: id,
      details: { faceBlockId, reviewEventId, reason: request.reason },
      ...origin,
    });
    return { reviewEventId, faceBlockId };
  }

  /** Lifts a block Didit confirmed (a lead's call: `face.unblock`). */
  async function unblockFace(id: string, actor: Actor, request: UnblockFaceRequest, origin: RequestOrigin): Promise<void> {
    await lockOrThrow(trx, id);
    const block = await lockLatestFaceBlock(trx, id);
    if (!block) throw conflict("This session's face was never blocked.", 'not_blocked');
    switch (block.state) {
      case 'blocked':
        break;
      case 'unblocked':
        throw conflict("This session's face has already been unblocked.", 'already_unblocked', block);
      case 'unblocking':
        throw conflict('The unblock is already on its way to Didit.', 'unblock_pending', block);
      case 'blocking':
        throw conflict('The block has not reached Didit yet; unblock it once Didit confirms.', 'block_pending', block);
      case 'failed':
        throw conflict(
          block.failed_action === 'block'
            ? 'Didit refused the block, so there is nothing to unblock.'
            : 'The unblock failed; retry it instead.',
          'block_failed',
          block,
        );
    }
    await markUnblocking(trx, block.id, {
      actorId: actor.kind === 'user' ? actor.id : null,
      actorLabel: actor.label,
      note: request.note,
    });
    await enqueueFaceBlockPush(trx, block.id);
    await appendAudit(trx, {
      actor,
      action: 'session.face_unblocked',
      targetType: 'session',
      targetId: id,
      // The note stays in the face block (where retention and erasure reach it), not in the audit chain.
      details: { faceBlockId: block.id },
      ...origin,
    });
  }

  /** Sends a block (or unblock) Didit refused back to the outbox, after the cause was fixed. */
  async function retryFaceBlockPush(id: string, actor: Actor, origin: RequestOrigin): Promise<void> {
    await lockOrThrow(trx, id);
    const block = await lockLatestFaceBlock(trx, id);
    if (!block || block.state !== 'failed' || block.failed_action === null) {
      throw conflict('Only a face block whose push failed can be retried.', 'not_failed', block);
    }
    // Retrying an unblock is lifting the block: the same lead's call as the unblock itself.
    if (block.failed_action === 'unblock' && !can(actor.role, 'face.unblock')) {
      throw new AppError(403, 'forbidden', 'Retrying an unblock needs the face.unblock capability.');
    }
    await reopenFaceBlock(trx, block.id, block.failed_action);
    await enqueueFaceBlockPush(trx, block.id);
    await appendAudit(trx, {
      actor,
      action: 'session.face_block_push_retried',
      targetType: 'session',
      targetId: id,
      details: { faceBlockId: block.id, action: block.failed_action },
      ...origin,
    });
  }

  return { declineAndBlock, unblockFace, retryFaceBlockPush };
}
