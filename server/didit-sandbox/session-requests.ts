/**
 * What the sandbox accepts in the bodies and queries of its session routes
 * (docs/didit-contract.md (sessions, manual review)), and the checks on a new session's metadata
 * and portrait. Errors are Didit's field errors.
 */
import { z } from 'zod';
import type { JsonObject, JsonValue } from './canonical-json.ts';
import { fieldError, uuidField } from './http.ts';
import { SESSION_STATUSES } from './store.ts';

const MAX_PORTRAIT_BYTES = 1024 * 1024;

export const createBody = z.object({
  workflow_id: uuidField,
  vendor_data: z.string().max(1000).optional(),
  callback: z.url({ protocol: /^https?$/ }).optional(),
  callback_method: z.enum(['initiator', 'completer', 'both']).optional(),
  // Older docs sent metadata as a JSON string; both are accepted.
  metadata: z.union([z.record(z.string(), z.json()), z.string()]).optional(),
  language: z.string().min(2).max(10).optional(),
  contact_details: z.record(z.string(), z.json()).optional(),
  expected_details: z.record(z.string(), z.json()).optional(),
  portrait_image: z.string().optional(),
});

const nodeToResubmit = z.object({ node_id: z.string(), feature: z.string() });
export type NodeToResubmit = z.output<typeof nodeToResubmit>;

export const updateStatusBody = z
  .object({
    new_status: z.enum(['Approved', 'Declined', 'Resubmitted']),
    comment: z.string().max(10_000).optional(),
    send_email: z.boolean().optional(),
    email_address: z.email().optional(),
    email_language: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]{2,4})?$/i)
      .optional(),
    // Only read for Resubmitted (ignored otherwise), and required there.
    nodes_to_resubmit: z.array(nodeToResubmit).min(1).optional(),
  })
  .check((ctx) => {
    if (ctx.value.send_email && !ctx.value.email_address) {
      ctx.issues.push({
        code: 'custom',
        message: 'This field is required when send_email is true.',
        path: ['email_address'],
        input: undefined,
      });
    }
    if (ctx.value.new_status === 'Resubmitted' && !ctx.value.nodes_to_resubmit) {
      ctx.issues.push({
        code: 'custom',
        message: 'This field is required when new_status is Resubmitted.',
        path: ['nodes_to_resubmit'],
        input: undefined,
      });
    }
  });

export const reviewBody = z.object({
  new_status: z.enum(['Approved', 'Declined', 'In Review']).optional(),
  comment: z.string().max(10_000).optional(),
});

export const featureStatusBody = z.object({
  new_status: z.enum(['Approved', 'Declined', 'In Review']),
  comment: z.string().max(10_000).optional(),
});

export const consoleDecisionBody = z.object({
  new_status: z.enum(['Approved', 'Declined', 'In Review', 'Resubmitted']),
  comment: z.string().max(10_000).optional(),
  reviewer_email: z.email().optional(),
});

/** Didit's blocklist bodies name the same four lists: `blocklist_<list>` to add, `unblock_<list>` to remove. */
const blocklists = ['face', 'document', 'phone', 'email'] as const;
type BlocklistFlags<P extends string> = Record<`${P}_${(typeof blocklists)[number]}`, z.ZodOptional<z.ZodBoolean>>;

function blocklistBody<P extends 'blocklist' | 'unblock'>(prefix: P) {
  const flags = Object.fromEntries(blocklists.map((list) => [`${prefix}_${list}`, z.boolean().optional()])) as BlocklistFlags<P>;
  // Didit: "At least one blocklist_* (unblock_*) flag must be true."
  return z
    .object({ session_id: uuidField, ...flags })
    .refine((body) => blocklists.some((list) => (body as Record<string, boolean | undefined>)[`${prefix}_${list}`] === true), {
      message: `At least one ${prefix}_* flag must be true.`,
    });
}
export const blocklistAddBody = blocklistBody('blocklist');
export const blocklistRemoveBody = blocklistBody('unblock');

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
  vendor_data: z.string().optional(),
  status: z.enum(SESSION_STATUSES).optional(),
  workflow_id: uuidField.optional(),
  country: z.string().optional(),
  date_from: z.iso.date().or(z.iso.datetime()).optional(),
  date_to: z.iso.date().or(z.iso.datetime()).optional(),
  search: z.string().optional(),
  session_kind: z.enum(['user', 'business', 'all']).optional(),
});

export function parseMetadata(value: Record<string, JsonValue> | string | undefined): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject;
  } catch {
    // fall through to the field error
  }
  throw fieldError('metadata', 'Value must be valid JSON object.');
}

/** Base64 (optionally a data: URL) of a JPEG of at most 1 MB, checked by its magic bytes. */
export function decodePortrait(value: string): Buffer {
  const base64 = value.replace(/^data:image\/[a-z+]+;base64,/i, '').replace(/\s+/g, '');
  if (base64.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(base64)) {
    throw fieldError('portrait_image', 'Invalid base64 image.');
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > MAX_PORTRAIT_BYTES) throw fieldError('portrait_image', 'The image must be at most 1 MB.');
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    throw fieldError('portrait_image', 'The image must be a JPEG.');
  }
  return bytes;
}
