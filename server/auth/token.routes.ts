import { Router } from 'express';
import type { z } from 'zod';
import {
  createTokenRequestSchema,
  tokenListQuerySchema,
  tokenParamsSchema,
  type ApiTokenView,
  type createTokenResponseSchema,
  type revokeTokenResponseSchema,
  type tokenListResponseSchema,
} from '../contract/auth.ts';
import type { AppContext } from '../context.ts';
import { createApiToken, listApiTokens, revokeApiToken, type ApiToken } from './api-tokens.ts';
import { actorOf, requireCapability } from './rbac.ts';

/**
 * `/api/admin/tokens`: list, create (the token is in this one response only) and revoke. Admins
 * signed in with the console only: `token.manage` is refused to every API token (see `rbac.ts`).
 */
export function tokenRoutes(ctx: Pick<AppContext, 'db'>): Router {
  const router = Router();
  router.use('/admin/tokens', requireCapability('token.manage'));

  router.get('/admin/tokens', async (req, res) => {
    const query = tokenListQuerySchema.parse(req.query);
    const tokens = await listApiTokens(ctx.db, { includeRevoked: query.includeRevoked === 'true' });
    res.json({ tokens: tokens.map(toView) } satisfies z.infer<typeof tokenListResponseSchema>);
  });

  router.post('/admin/tokens', async (req, res) => {
    const body = createTokenRequestSchema.parse(req.body);
    const { token, record } = await createApiToken(ctx.db, {
      name: body.name,
      role: body.role,
      ...(body.expiresInDays ? { expiresAt: new Date(Date.now() + body.expiresInDays * 86_400_000) } : {}),
      createdBy: actorOf(req),
    });
    res.status(201).json({ token, record: toView(record) } satisfies z.infer<typeof createTokenResponseSchema>);
  });

  router.post('/admin/tokens/:id/revoke', async (req, res) => {
    const { id } = tokenParamsSchema.parse(req.params);
    const record = await revokeApiToken(ctx.db, id, actorOf(req));
    res.json({ record: toView(record) } satisfies z.infer<typeof revokeTokenResponseSchema>);
  });

  return router;
}

function toView(token: ApiToken): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    prefix: token.prefix,
    createdBy: token.createdBy,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  };
}
