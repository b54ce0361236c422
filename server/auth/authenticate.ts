import type { Request, RequestHandler } from 'express';
import { appendAudit } from '../audit/audit.repository.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { authenticateApiToken } from './api-tokens.ts';
import { refreshClaims } from './oidc.ts';
import type { Actor } from './rbac.ts';
import { roleFromClaims } from './role-mapping.ts';
import { updateUserRoles } from './user.repository.ts';

export type AuthMethod = 'session' | 'token';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** How `actor` was established; CSRF checks apply to `session` only. */
      authMethod?: AuthMethod;
    }
  }
}

/**
 * Establishes `req.actor` from `Authorization: Bearer <token>` or from the session cookie, and
 * leaves anonymous requests alone (routes decide with `requireCapability`). A malformed or
 * unknown bearer token is refused outright rather than falling back to the cookie.
 *
 * Every request made with a token is recorded in the audit log under the token's name once it
 * has been answered, so automation leaves the same trail a person does.
 */
export function authenticate(ctx: Pick<AppContext, 'config' | 'db' | 'oidc' | 'logger'>): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
      const actor = match?.[1] ? await authenticateApiToken(ctx.db, match[1]) : undefined;
      if (!actor) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="review-console", error="invalid_token"');
        throw new AppError(401, 'unauthenticated', 'The API token is not valid (unknown, expired or revoked).');
      }
      req.actor = actor;
      req.authMethod = 'token';
      res.on('finish', () => {
        appendAudit(ctx.db, {
          actor,
          action: 'token.used',
          targetType: 'http',
          targetId: `${req.method} ${req.baseUrl}${req.path}`,
          ip: req.ip,
          userAgent: req.get('user-agent'),
          details: { status: res.statusCode },
        }).catch((error: unknown) => req.log.error({ err: error }, 'could not audit a token request'));
      });
      next();
      return;
    }

    const login = req.session?.login;
    if (!login) {
      next();
      return;
    }
    const now = Date.now();
    if (now - login.authenticatedAt > ctx.config.session.maxHours * 3_600_000) {
      await destroySession(req);
      throw new AppError(401, 'unauthenticated', 'Your session has ended; sign in again.');
    }
    if (login.refreshToken && now - login.rolesCheckedAt > ctx.config.oidc.roleRefreshMinutes * 60_000) {
      // Groups removed at the IdP take effect here, without waiting for the next sign-in.
      const fresh = await refreshClaims(ctx.oidc, login.refreshToken, login.subject, ctx.logger);
      const role = fresh ? roleFromClaims(fresh.claims, ctx.config.oidc) : undefined;
      if (!fresh || !role) {
        await updateUserRoles(ctx.db, login.userId, []);
        await appendAudit(ctx.db, {
          actor: { kind: 'user', id: login.userId, label: login.email, role: login.role },
          action: 'auth.session_ended',
          targetType: 'user',
          targetId: login.userId,
          ip: req.ip,
          details: { reason: fresh ? 'no mapped role any more' : 'the identity provider refused the refresh' },
        });
        await destroySession(req);
        throw new AppError(401, 'unauthenticated', 'Your access has changed; sign in again.');
      }
      if (role !== login.role) await updateUserRoles(ctx.db, login.userId, [role]);
      login.role = role;
      login.rolesCheckedAt = now;
      login.refreshToken = fresh.refreshToken;
      if (fresh.idToken) login.idToken = fresh.idToken;
    }
    req.actor = { kind: 'user', id: login.userId, label: login.email, role: login.role } satisfies Actor;
    req.authMethod = 'session';
    next();
  };
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!req.session) {
      resolve();
      return;
    }
    req.session.destroy((error: unknown) =>
      error ? reject(error instanceof Error ? error : new Error('session store failed', { cause: error })) : resolve(),
    );
  });
}
