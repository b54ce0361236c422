import { z } from 'zod';
import { textSchema } from './text.ts';

/**
 * Escalation (issue 20): an analyst hands an In Review session to the leads with a note. While it
 * is escalated it leaves the analysts' queue for the leads' "Escalated" view, and only leads and
 * admins claim and decide it; a lead's decision ends the escalation, or a lead returns the session
 * to the analysts' queue with a note.
 */

export const ESCALATION_NOTE_MAX = 2_000;

/** Characters of the note the queue's Escalated view shows; the session page has all of it. */
export const ESCALATION_EXCERPT_MAX = 140;

/**
 * The queue's `escalated` filter, for In Review views: `exclude` (the default) is the analysts'
 * queue, `only` the leads' Escalated view, `include` both. Other statuses ignore it (an escalation
 * ends when the session leaves review).
 */
export const escalatedFilters = ['exclude', 'only', 'include'] as const;
export const escalatedFilterSchema = z.enum(escalatedFilters);
export type EscalatedFilter = z.infer<typeof escalatedFilterSchema>;

/** The escalation in force on a session. */
export const escalationSchema = z.object({
  /** When the session was escalated. */
  at: z.string(),
  /** Who escalated it (their email, as the timeline names them). */
  by: z.string(),
  /**
   * Why, as the analyst wrote it (plain text; never render it as HTML). An excerpt in the queue.
   * Null once retention removed the notes' text.
   */
  note: z.string().nullable(),
});
export type Escalation = z.infer<typeof escalationSchema>;

/** Trimmed (`textSchema`), so a blank note is an empty one: refused. */
const escalationNote = textSchema.min(1).max(ESCALATION_NOTE_MAX);

/** `POST /api/sessions/:id/escalate` */
export const escalateRequestSchema = z
  .object({
    note: escalationNote.describe('Why the session needs a lead: what the analyst saw and could not settle.'),
    /** The session version the analyst saw; a mismatch answers 409. */
    expectedVersion: z.number().int().min(1),
  })
  .strict();
export type EscalateRequest = z.infer<typeof escalateRequestSchema>;

/** `POST /api/sessions/:id/de-escalate`: back to the analysts' queue. */
export const deEscalateRequestSchema = z
  .object({
    note: escalationNote.describe('What the analysts should know when they pick the session up again.'),
    /** The session version the lead saw; when given, a mismatch answers 409. */
    expectedVersion: z.number().int().min(1).optional(),
  })
  .strict();
export type DeEscalateRequest = z.infer<typeof deEscalateRequestSchema>;

/** The note as the queue shows it: whitespace folded, cut at `ESCALATION_EXCERPT_MAX` with an ellipsis. */
export function escalationExcerpt(note: string | null): string | null {
  if (note === null) return null;
  const flat = note.replace(/\s+/g, ' ').trim();
  return flat.length > ESCALATION_EXCERPT_MAX ? `${flat.slice(0, ESCALATION_EXCERPT_MAX - 1).trimEnd()}…` : flat;
}
