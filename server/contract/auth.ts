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
  'session.escalate',
  'escalation.handle',
  'session.evidence_pack',
  'claim.release_others',
  'threshold.propose',
  'threshold.approve',
  'webhook.replay',
  'push.requeue',
  'insights.read',
  'workflow.configure',
  'audit.read',
  'token.manage',
  'privacy.erase',
  'queue.views.save',
  'queue.views.share',
  'face.unblock',
  'second_review.resolve',
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

/**
 * The web app's pages a sign-in may return to (`:param` stands for one path segment of letters,
 * digits, `-` and `_`, which every id the console routes on is). `web/src/routes/login.test.tsx`
 * checks this list against `web/src/routes.tsx`, so a new page is returnable once it is added here.
 */
export const returnableRoutes = [
  '/',
  '/queue',
  '/second-review',
  '/sessions/:id',
  '/workflows',
  '/workflows/:id',
  '/insights',
  '/team',
  '/sync',
  '/audit',
  '/admin/tokens',
] as const;

const returnableRoutePatterns = returnableRoutes.map(
  (route) => new RegExp(`^${route.replace(/:[A-Za-z]+/g, '[A-Za-z0-9_-]{1,128}')}$`),
);

/** Stands in for the console's origin: the check needs only "same origin as where it started". */
const probeOrigin = 'https://console.invalid';

/**
 * Where a sign-in may send the browser afterwards: `returnTo` when, once parsed and normalised as a
 * browser would (dot segments removed, `%2e` read as `.`), it is still a path on this origin that
 * starts with a single `/` and names one of `returnableRoutes`; otherwise `/`. The server decides
 * (`GET /auth/login`); the sign-in page runs the same function only to build its link.
 *
 * The raw string is also refused when it holds anything a URL parser or a browser strips, folds or
 * reinterprets (control characters, whitespace, backslashes, non-ASCII), rather than guessing what
 * a browser will make of it: `/\evil`, `/\t/evil`, `/.//evil`, `/%2e//evil` and `https://evil`
 * all become `/`.
 */
export function safeReturnPath(returnTo: unknown): string {
  if (typeof returnTo !== 'string' || returnTo.length > 2_000) return '/';
  if (!/^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(returnTo)) return '/';
  let url: URL;
  try {
    url = new URL(returnTo, probeOrigin);
  } catch {
    return '/';
  }
  const path = url.pathname;
  if (url.origin !== probeOrigin || !returnableRoutePatterns.some((pattern) => pattern.test(path))) return '/';
  const normalised = `${path}${url.search}${url.hash}`;
  // What the browser will resolve the Location header to must be this very path again.
  if (normalised.startsWith('//') || new URL(normalised, probeOrigin).href !== url.href) return '/';
  return normalised;
}

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

/** `/api/admin/tokens/:id/revoke` */
export const tokenParamsSchema = z.object({ id: z.uuid().describe('The token id.') });

/** `GET /api/admin/tokens` */
export const tokenListQuerySchema = z.object({
  includeRevoked: z.enum(['true', 'false']).optional().describe('Also list revoked and expired tokens.'),
});

/** `GET /auth/login` */
export const loginQuerySchema = z.object({
  returnTo: z.string().max(2_000).optional().describe('A console page to return to after sign-in; anything else returns to `/`.'),
  prompt: z.literal('login').optional().describe('Ask the identity provider to sign in again (switch accounts).'),
});
