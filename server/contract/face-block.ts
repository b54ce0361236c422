import { z } from 'zod';
import { diditIdSchema } from './ids.ts';
import { lineSchema, textSchema } from './text.ts';

/**
 * "Decline and block this face" (issue 20): the HTTP contract of blocking the face a session
 * presented on Didit's face blocklist, lifting the block, and linking a later session Didit
 * declined with `FACE_IN_BLOCKLIST` back to the decision that blocked the face.
 */

export const faceBlockStates = ['blocking', 'blocked', 'unblocking', 'unblocked', 'failed', 'withdrawn'] as const;
export const faceBlockStateSchema = z.enum(faceBlockStates);
export type FaceBlockState = z.infer<typeof faceBlockStateSchema>;

/** `POST /api/sessions/:id/decline-and-block`: a Declined decision (reason, note) and the face block. */
export const declineAndBlockRequestSchema = z.object({
  reason: lineSchema.min(1).max(64),
  /** Required: a block outlives the session, and whoever lifts it reads why it was put there. */
  note: textSchema.min(1).max(5_000),
  /** The session version the analyst saw; a mismatch answers 409 with the fresh state. */
  expectedVersion: z.number().int().min(1),
});
export type DeclineAndBlockRequest = z.infer<typeof declineAndBlockRequestSchema>;

/** `POST /api/sessions/:id/unblock-face`: why the block is lifted. */
export const unblockFaceRequestSchema = z.object({ note: textSchema.min(1).max(5_000) });
export type UnblockFaceRequest = z.infer<typeof unblockFaceRequestSchema>;

/** A block of this session's face, as the session page shows it. */
export const faceBlockSchema = z.object({
  id: z.number().int(),
  /** blocking/unblocking: on its way to Didit; blocked/unblocked: Didit confirmed; failed: Didit refused. */
  state: faceBlockStateSchema,
  failedAction: z.enum(['block', 'unblock']).nullable(),
  reason: z.string(),
  reasonLabel: z.string(),
  /** Null once retention or an erasure removed the text (`noteRemovedAt`). */
  note: z.string().nullable(),
  noteRemovedAt: z.string().nullable(),
  blockedBy: z.string(),
  blockedAt: z.string(),
  confirmedAt: z.string().nullable(),
  unblockedBy: z.string().nullable(),
  unblockedAt: z.string().nullable(),
  unblockNote: z.string().nullable(),
  unblockConfirmedAt: z.string().nullable(),
  pushAttempts: z.number().int(),
  pushError: z.string().nullable(),
});
export type FaceBlock = z.infer<typeof faceBlockSchema>;

/**
 * For a session Didit declined with `FACE_IN_BLOCKLIST`: the blocked session its face matched.
 * `source` says how the console knows: `didit` when Didit named the session (the warning's
 * `additional_data.blocklisted_session_id`, or a `matches[]` entry with `is_blocklisted`),
 * `inferred` when Didit named none and the console matched the person (same `vendor_data`, by its
 * keyed hash) to a face it blocked before this session was created.
 */
export const faceBlockLinkSchema = z.object({
  sessionId: diditIdSchema,
  source: z.enum(['didit', 'inferred']),
  /** The console's block of that session's face, if the console made it (null: blocked elsewhere). */
  block: z
    .object({
      state: faceBlockStateSchema,
      reasonLabel: z.string(),
      blockedBy: z.string(),
      blockedAt: z.string(),
    })
    .nullable(),
});
export type FaceBlockLink = z.infer<typeof faceBlockLinkSchema>;

export const faceBlockInfoSchema = z.object({
  /** The newest block of this session's own face (null: never blocked). */
  own: faceBlockSchema.nullable(),
  /** Didit declined this session's face as blocklisted (a `FACE_IN_BLOCKLIST` warning). */
  inBlocklist: z.boolean(),
  /** Where the blocklisted face came from, when known. */
  matched: faceBlockLinkSchema.nullable(),
  /** What the current user may do about this session's face now. */
  allowed: z.object({ declineAndBlock: z.boolean(), unblock: z.boolean(), retry: z.boolean() }),
});
export type FaceBlockInfo = z.infer<typeof faceBlockInfoSchema>;
