import { z } from 'zod';
import { idCursorSchema } from './cursor.ts';
import { accessPurposeSchema } from './privacy.ts';
import { lineSchema } from './text.ts';

/** `GET /api/audit`: filters, keyset pagination (newest first) and the CSV export. */

const optionalText = lineSchema
  .max(200)
  .optional()
  .transform((value) => (value ? value : undefined));

const optionalInstant = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (!value) return undefined;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'not a date or timestamp' });
      return z.NEVER;
    }
    // JavaScript dates reach 271821 BC; Postgres's timestamptz refuses anything before 4713 BC.
    const year = date.getUTCFullYear();
    if (year < 1 || year > 9999) {
      ctx.addIssue({ code: 'custom', message: 'must be between the years 1 and 9999' });
      return z.NEVER;
    }
    return date.toISOString();
  });

export const auditQuerySchema = z.object({
  /** Who: matches the actor's label (email or token name) exactly, or their id. */
  actor: optionalText,
  /** What: an action (`auth.login`) or a family (`auth.*`). */
  action: optionalText,
  targetType: optionalText,
  targetId: optionalText,
  /** Why faces were revealed: entries whose `details.purpose` is this purpose of access (`session.media_viewed`). */
  purpose: z
    .union([z.literal(''), accessPurposeSchema])
    .optional()
    .transform((value) => (value ? value : undefined)),
  /** Time range, inclusive from, exclusive to. */
  from: optionalInstant,
  to: optionalInstant,
  /** Keyset cursor: the `nextCursor` of the previous page. */
  cursor: idCursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  format: z.enum(['json', 'csv']).default('json'),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;
export type AuditQueryInput = z.input<typeof auditQuerySchema>;

export const auditEntrySchema = z.object({
  id: z.number(),
  occurredAt: z.string(),
  actorType: z.enum(['user', 'token', 'system']),
  actorId: z.string().nullable(),
  actorLabel: z.string(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntryView = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;
