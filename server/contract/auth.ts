import { z } from 'zod';

/**
 * Sign-in, roles and API tokens: the HTTP contract shared by the server and the web app.
 * Dates travel as ISO strings. The server is the guard; the web app uses capabilities only to
 * hide what the user cannot do.
 */

export const roleSchema = z.enum(['viewer', 'analyst', 'lead', 'admin']);
export type RoleName = z.infer<typeof roleSchema>;

export const capabilitySchema = z.enum([
  'session.read',
  'media.view',
  'workflow.read',
  'sync.read',
  'session.claim',
  'session.decide',
  'session.note',
  'threshold.propose',
  'threshold.approve',
  'webhook.replay',
  'audit.read',
  'token.manage',
]);
export type CapabilityName = z.infer<typeof capabilitySchema>;

/** `GET /api/me` */
export const meResponseSchema = z.object({
  user: z.object({
    kind: z.enum(['user', 'token']),
    id: z.string(),
    /** Email for people, the token's name for tokens. */
    label: z.string(),
    role: roleSchema,
  }),
  capabilities: z.array(capabilitySchema),
});
export type MeResponse = z.infer<typeof meResponseSchema>;

/** `POST /auth/logout` answers where the browser goes next (the IdP's end-session page when it has one). */
export const logoutResponseSchema = z.object({ redirectTo: z.string() });

export const tokenNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, spaces, dots, dashes and underscores');

/** `POST /api/admin/tokens` */
export const createTokenRequestSchema = z.strictObject({
  name: tokenNameSchema,
  role: roleSchema,
  /** Days until expiry; absent means no expiry (revoke it when done). */
  expiresInDays: z.number().int().min(1).max(3_650).optional(),
});
export type CreateTokenRequest = z.infer<typeof createTokenRequestSchema>;

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  prefix: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type ApiTokenView = z.infer<typeof apiTokenSchema>;

export const tokenListResponseSchema = z.object({ tokens: z.array(apiTokenSchema) });
/** The token itself appears in this response only. */
export const createTokenResponseSchema = z.object({ token: z.string(), record: apiTokenSchema });
export const revokeTokenResponseSchema = z.object({ record: apiTokenSchema });
