import { z } from 'zod';
import { diditIdSchema } from '../../contract/ids.ts';

/**
 * Didit's session blocklist (docs/didit-contract.md "Face blocklist"): `POST /v3/blocklist/add/`
 * with `blocklist_<list>` flags and `POST /v3/blocklist/remove/` with `unblock_<list>` flags, for
 * the face, document, phone or email of one session. Didit requires at least one flag true. The
 * console only ever blocks faces, so its requests are exactly `{session_id, blocklist_face: true}`
 * and `{session_id, unblock_face: true}`; the schemas are strict so nothing else slips in.
 */
export const blocklistAddRequestSchema = z.strictObject({
  session_id: diditIdSchema,
  blocklist_face: z.literal(true),
});
export type BlocklistAddRequest = z.infer<typeof blocklistAddRequestSchema>;

export const blocklistRemoveRequestSchema = z.strictObject({
  session_id: diditIdSchema,
  unblock_face: z.literal(true),
});
export type BlocklistRemoveRequest = z.infer<typeof blocklistRemoveRequestSchema>;

/** Both answer `{"message": "..."}` (200); the text differs between add and remove. */
export const blocklistResponseSchema = z.looseObject({ message: z.string() });
