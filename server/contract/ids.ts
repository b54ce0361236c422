import { z } from 'zod';

/**
 * Didit's ids (sessions, workflows, settings versions): 8-4-4-4-12 hex. Not RFC 4122 UUIDs: Didit's
 * own examples and fixtures use ids such as `aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`, whose version
 * and variant digits are not RFC 4122's (docs/didit-contract.md §14). Either case is accepted and
 * the id is lowercased, as Postgres's `uuid` type stores and prints it.
 */
export const DIDIT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const diditIdSchema = z
  .string()
  .regex(DIDIT_ID_PATTERN, 'must be a Didit id (8-4-4-4-12 hexadecimal)')
  .transform((id) => id.toLowerCase());

export function isDiditId(value: unknown): value is string {
  return typeof value === 'string' && DIDIT_ID_PATTERN.test(value);
}
