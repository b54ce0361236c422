import type { Request, RequestHandler } from 'express';
import { appendAudit } from '../audit/audit.repository.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { originOf } from '../http/request-origin.ts';
import { authenticateApiToken } from './api-tokens.ts';
import { refreshClaims } from './oidc.ts';
import type { Actor } from './rbac.ts';
import { roleFromClaims } from './role-mapping.ts';
import { openRefreshToken, sealRefreshToken, type SessionLogin } from './session.ts';
import { updateUserRoles, withdrawUserAccess } from './user.repository.ts';

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
        throw new AppError(
          401,
          'unauthenticated',
          'The API token is not valid (unknown, expired, revoked, or its creator no longer holds its role).',
        );
      }
      req.actor = actor;
      req.authMethod = 'token';
      res.on('finish', () => {
        appendAudit(ctx.db, {
          actor,
          action: 'token.used',
          targetType: 'http',
          targetId: `${req.method} ${req.baseUrl}${req.path}`,
          ...originOf(req),
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
    scrubLegacyLogin(login, ctx.config.session.secret);
    if (login.sealedRefreshToken && now - login.rolesCheckedAt > ctx.config.oidc.roleRefreshMinutes * 60_000) {
      // Groups removed at the IdP take effect here, without waiting for the next sign-in.
      const refreshToken = openRefreshToken(ctx.config.session.secret, login, login.sealedRefreshToken);
      const fresh = refreshToken
        ? await refreshClaims(ctx.oidc, refreshToken, login.subject, ctx.logger)
        : ({ status: 'unavailable' } as const);
      const role = fresh.status === 'ok' ? roleFromClaims(fresh.claims, ctx.config.oidc) : undefined;
      if (fresh.status !== 'ok' || !role) {
        const actor: Actor = { kind: 'user', id: login.userId, label: login.email, role: login.role };
        // When the IdP cannot be asked, nothing is known about the person, so their stored roles
        // (and the tokens they lend authority to) stay as they are; the next sign-in asks again.
        // Otherwise they have lost access: their roles and tokens go with the session.
        let details: Record<string, unknown>;
        if (fresh.status === 'unavailable') {
          details = { reason: 'the identity provider could not be asked to refresh the session' };
        } else {
          const reason = fresh.status === 'ok' ? 'no mapped role any more' : 'the identity provider refused the refresh';
          details = { reason, revokedTokens: await withdrawUserAccess(ctx.db, login.userId, reason) };
        }
        await appendAudit(ctx.db, {
          actor,
          action: 'auth.session_ended',
          targetType: 'user',
          targetId: login.userId,
          ...originOf(req),
          details,
        });
        await destroySession(req);
        throw new AppError(401, 'unauthenticated', 'Your access has changed; sign in again.');
      }
      if (role !== login.role) await updateUserRoles(ctx.db, login.userId, [role]);
      login.role = role;
      login.rolesCheckedAt = now;
      login.sealedRefreshToken = sealRefreshToken(ctx.config.session.secret, login, fresh.refreshToken);
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

/**
 * Sessions signed in before tokens were sealed kept the ID token and the refresh token in clear:
 * the first request after the upgrade drops the one and seals the other (express-session then
 * saves the changed row).
 */
function scrubLegacyLogin(login: SessionLogin, secret: string): void {
  const legacy = login as SessionLogin & { idToken?: unknown; refreshToken?: unknown };
  if ('idToken' in legacy) delete legacy.idToken;
  if ('refreshToken' in legacy) {
    if (typeof legacy.refreshToken === 'string' && !login.sealedRefreshToken) {
      login.sealedRefreshToken = sealRefreshToken(secret, login, legacy.refreshToken);
    }
    delete legacy.refreshToken;
  }
}
