import { Router, type Request, type Response } from 'express';
import { appendAudit } from '../audit/audit.repository.ts';
import { loginQuerySchema, safeReturnPath } from '../contract/auth.ts';
import type { AppContext } from '../context.ts';
import { originOf } from '../http/request-origin.ts';
import { destroySession } from './authenticate.ts';
import { FailedLoginAudit, type LoginFailureKind } from './failed-logins.ts';
import { buildAuthorizationRequest, completeAuthorization, endSessionUrl } from './oidc.ts';
import { authPage } from './pages.ts';
import { mappedRoles, roleFromClaims } from './role-mapping.ts';
import { sealRefreshToken, sessionCookieName, type PendingLogin } from './session.ts';
import { upsertUserAtLogin, withdrawUserAccess } from './user.repository.ts';

const pendingTtlMs = 10 * 60_000;
const maxPendingPerSession = 5;

export interface AuthRoutesOptions {
  /** Where refused sign-ins are counted and (sparingly) audited; tests pass one with their own clock. */
  failedLogins?: FailedLoginAudit;
}

/** `/auth/login`, `/auth/callback`, `/auth/logout`: the OpenID Connect code flow with PKCE. */
export function authRoutes(
  ctx: Pick<AppContext, 'config' | 'db' | 'oidc' | 'logger' | 'metrics'>,
  options: AuthRoutesOptions = {},
): Router {
  const router = Router();
  const { config } = ctx;
  const failedLogins =
    options.failedLogins ??
    new FailedLoginAudit(ctx.db, {
      logger: ctx.logger,
      onFailure: (kind) => ctx.metrics.authLoginFailures.inc({ kind }),
    });

  // Summaries of closed failure windows are written as auth traffic comes by (no timer to stop).
  router.use((req, _res, next) => {
    failedLogins.flushClosed().catch((error: unknown) => req.log.error({ err: error }, 'could not flush sign-in failures'));
    next();
  });

  router.get('/login', async (req, res) => {
    const query = loginQuerySchema.parse(req.query);
    const request = await buildAuthorizationRequest(ctx.oidc, config.oidc.scopes, { prompt: query.prompt });
    const now = Date.now();
    const pending = Object.entries(req.session.pending ?? {})
      .filter(([, login]) => now - login.createdAt < pendingTtlMs)
      .slice(-(maxPendingPerSession - 1));
    req.session.pending = Object.fromEntries([
      ...pending,
      [
        request.state,
        {
          codeVerifier: request.codeVerifier,
          nonce: request.nonce,
          returnTo: safeReturnPath(query.returnTo),
          createdAt: now,
        } satisfies PendingLogin,
      ],
    ]);
    await saveSession(req);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, request.url);
  });

  router.get('/callback', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    const pending = state ? req.session.pending?.[state] : undefined;
    // Single use: whatever happens next, this state cannot complete a sign-in again.
    if (state && req.session.pending?.[state]) {
      delete req.session.pending[state];
      await saveSession(req);
    }
    if (!pending || Date.now() - pending.createdAt > pendingTtlMs) {
      await refuse(req, res, 'state', 'unknown, expired or already used state');
      return;
    }
    const idpError = typeof req.query.error === 'string' ? req.query.error : undefined;
    if (idpError) {
      // The value is the caller's to choose: only its shape goes into the log.
      await refuse(
        req,
        res,
        'idp_error',
        `the identity provider answered ${/^[a-z_]{1,40}$/.test(idpError) ? idpError : '(malformed error)'}`,
      );
      return;
    }

    let result: Awaited<ReturnType<typeof completeAuthorization>>;
    try {
      result = await completeAuthorization(ctx.oidc, new URL(req.originalUrl, config.publicUrl), {
        state: state ?? '',
        nonce: pending.nonce,
        codeVerifier: pending.codeVerifier,
      });
    } catch (error) {
      await refuse(req, res, 'oidc', describeOidcError(error));
      return;
    }

    const { claims } = result;
    const email = firstString(claims.email, claims.preferred_username, claims.upn) ?? claims.sub;
    const role = roleFromClaims(claims, config.oidc);
    const user = await upsertUserAtLogin(ctx.db, {
      issuer: claims.iss,
      subject: claims.sub,
      email,
      displayName: firstString(claims.name) ?? null,
      roles: mappedRoles(claims, config.oidc),
    });

    if (!role) {
      const reason = `no mapped role in the ${config.oidc.rolesClaim} claim`;
      const revokedTokens = await withdrawUserAccess(ctx.db, user.id, reason);
      await appendAudit(ctx.db, {
        actor: null,
        action: 'auth.login_refused',
        targetType: 'user',
        targetId: user.id,
        ...originOf(req),
        details: { email, reason, ...(revokedTokens.length > 0 ? { revokedTokens } : {}) },
      });
      res
        .status(403)
        .type('html')
        .send(
          authPage(
            'No access to the review console',
            [
              `You are signed in at your identity provider as ${email}, but you are not in any group that grants access to this console.`,
              'Ask your administrator to add you to one of the review console groups, then sign in again.',
            ],
            [{ href: '/auth/login?prompt=login', label: 'Sign in with a different account' }],
          ),
        );
      return;
    }

    // A new session id at sign-in, so an id planted before it (session fixation) is worthless.
    await regenerateSession(req);
    const now = Date.now();
    req.session.login = {
      userId: user.id,
      email,
      role,
      issuer: claims.iss,
      subject: claims.sub,
      authenticatedAt: now,
      rolesCheckedAt: now,
      // Not the ID token: see `SessionLogin`.
      ...(result.refreshToken
        ? {
            sealedRefreshToken: sealRefreshToken(
              config.session.secret,
              { issuer: claims.iss, subject: claims.sub },
              result.refreshToken,
            ),
          }
        : {}),
    };
    await saveSession(req);
    await appendAudit(ctx.db, {
      actor: { kind: 'user', id: user.id, label: email, role },
      action: 'auth.login',
      targetType: 'user',
      targetId: user.id,
      ...originOf(req),
      details: { role, issuer: claims.iss },
    });
    res.redirect(303, pending.returnTo);
  });

  router.post('/logout', async (req, res) => {
    const login = req.session?.login;
    let redirectTo = '/login?signedOut=1';
    if (login) {
      await appendAudit(ctx.db, {
        actor: { kind: 'user', id: login.userId, label: login.email, role: login.role },
        action: 'auth.logout',
        targetType: 'user',
        targetId: login.userId,
        ...originOf(req),
      });
      redirectTo = (await endSessionUrl(ctx.oidc)) ?? redirectTo;
    }
    await destroySession(req);
    res.clearCookie(sessionCookieName(config.publicUrl), {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.publicUrl.startsWith('https:'),
    });
    res.json({ redirectTo });
  });

  async function refuse(req: Request, res: Response, kind: LoginFailureKind, reason: string): Promise<void> {
    req.log.info({ kind, reason }, 'sign-in refused');
    const { ip, userAgent } = originOf(req);
    await failedLogins.record({ kind, reason, ip, userAgent });
    res
      .status(400)
      .type('html')
      .send(
        authPage(
          'Sign-in failed',
          ['The sign-in could not be completed (it may have expired, or been opened twice). Nothing was changed.'],
          [{ href: '/auth/login', label: 'Try again' }],
        ),
      );
  }

  return router;
}

/** openid-client's error code and message, plus the claim or parameter that failed, for the audit log. */
function describeOidcError(error: unknown): string {
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  const parts = [typeof code === 'string' ? `${code}: ${message}` : message];
  if (cause && typeof cause === 'object') {
    const { claim, parameter } = cause as { claim?: unknown; parameter?: unknown };
    if (typeof claim === 'string') parts.push(`claim ${claim}`);
    if (typeof parameter === 'string') parts.push(`parameter ${parameter}`);
    if (cause instanceof Error) parts.push(cause.message);
    else if (cause instanceof Response) parts.push(`HTTP ${cause.status}`);
  }
  return parts.join('; ');
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value.length > 0);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error('session store failed', { cause: error });
}

function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((error: unknown) => (error ? reject(asError(error)) : resolve())));
}

function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error: unknown) => (error ? reject(asError(error)) : resolve())),
  );
}
