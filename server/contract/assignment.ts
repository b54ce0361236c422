import { z } from 'zod';
import { diditIdSchema } from './ids.ts';

/**
 * Assignment and SLAs (issue 20, ADR 0020): analysts say whether they take assigned work, leads
 * see the team and set caps, and a workflow may have its new In Review sessions assigned.
 */

/** `PUT /api/me/availability` */
export const availabilityRequestSchema = z.strictObject({ available: z.boolean() });
export type AvailabilityRequest = z.infer<typeof availabilityRequestSchema>;

/** `GET`/`PUT /api/me/availability`: the caller's availability, cap and open assigned sessions. */
export const myAvailabilitySchema = z.object({
  available: z.boolean(),
  changedAt: z.string().nullable(),
  cap: z.number().int(),
  assigned: z.number().int(),
  /** Sessions handed back when the caller became unavailable (their unclaimed assignments). */
  released: z.number().int().optional(),
});
export type MyAvailability = z.infer<typeof myAvailabilitySchema>;

export const teamMemberSchema = z.object({
  userId: z.string(),
  label: z.string(),
  role: z.enum(['analyst', 'lead', 'admin']),
  available: z.boolean(),
  changedAt: z.string().nullable(),
  /** Open assigned sessions (In Review, not decided). */
  assigned: z.number().int(),
  cap: z.number().int(),
  /** Whether the cap is this person's own (a lead set it) rather than ASSIGNMENT_CAP. */
  customCap: z.boolean(),
});
export type TeamMember = z.infer<typeof teamMemberSchema>;

/** `GET /api/team/availability` */
export const teamAvailabilitySchema = z.object({ items: z.array(teamMemberSchema), defaultCap: z.number().int() });
export type TeamAvailability = z.infer<typeof teamAvailabilitySchema>;

/** `PUT /api/team/:userId/cap`: a cap of open assigned sessions, or null for ASSIGNMENT_CAP. */
export const teamCapParamsSchema = z.object({ userId: z.uuid() });
export const teamCapRequestSchema = z.strictObject({ maxAssigned: z.number().int().min(0).max(1000).nullable() });

/** `PUT /api/workflows/:id/auto-assign` */
export const autoAssignParamsSchema = z.object({ id: diditIdSchema });
export const autoAssignRequestSchema = z.strictObject({ autoAssign: z.boolean() });
export const autoAssignResponseSchema = z.object({ id: z.string(), label: z.string().nullable(), autoAssign: z.boolean() });
export type AutoAssignResponse = z.infer<typeof autoAssignResponseSchema>;
