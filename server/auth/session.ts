import connectPgSimple from 'connect-pg-simple';
import type { RequestHandler } from 'express';
import session from 'express-session';
import type { AppContext } from '../context.ts';
import type { Role } from './rbac.ts';

/**
 * Server-side browser sessions in Postgres (`http_session`). The cookie holds only a signed
 * session id: `HttpOnly`, `SameSite=Lax` (the IdP's redirect back is a top-level GET, which Lax
 * allows), `Secure` and `__Host-`-prefixed when the console is served over https. The cookie and
 * the stored row expire after `idleMinutes` without a request (rolling); `maxHours` after
 * sign-in the session ends whatever the activity (checked by `authenticate`).
 */

export interface SessionLogin {
  userId: string;
  email: string;
  role: Role;
  issuer: string;
  subject: string;
  /** Epoch ms of the sign-in (absolute timeout). */
  authenticatedAt: number;
  /** Epoch ms the role was last derived from the IdP's claims. */
  rolesCheckedAt: number;
  /** For the IdP's end-session endpoint (`id_token_hint`). */
  idToken: string;
  /** When the IdP issued one: lets the session re-check the user's groups without a new login. */
  refreshToken?: string;
}

export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  createdAt: number;
}

declare module 'express-session' {
  interface SessionData {
    login?: SessionLogin;
    /** Sign-ins in progress, by `state` (a user may start one per tab). */
    pending?: Record<string, PendingLogin>;
  }
}

export function sessionCookieName(publicUrl: string): string {
  // `__Host-` makes browsers refuse the cookie unless Secure, host-only and Path=/.
  return publicUrl.startsWith('https:') ? '__Host-rc_session' : 'rc_session';
}

/**
 * Activity extends the idle timeout, but a durable write on every request buys nothing: the
 * server-side expiry is moved at most once a minute per session (per replica), so the idle
 * timeout is exact to within a minute while a busy analyst's page loads skip a commit.
 */
const touchIntervalMs = 60_000;

function throttleTouches(store: session.Store, intervalMs: number): void {
  const touch = store.touch?.bind(store);
  if (!touch) return;
  const touchedAt = new Map<string, number>();
  store.touch = (sid, data, callback) => {
    const now = Date.now();
    const last = touchedAt.get(sid);
    if (last !== undefined && now - last < intervalMs) {
      callback?.();
      return;
    }
    // Bounded memory: forgetting means one extra write, never a missed one.
    if (touchedAt.size >= 10_000) touchedAt.clear();
    touchedAt.set(sid, now);
    touch(sid, data, callback);
  };
}

export function sessionMiddleware(ctx: Pick<AppContext, 'config' | 'pool' | 'logger'>): RequestHandler {
  const { config } = ctx;
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool: ctx.pool,
    tableName: 'http_session',
    createTableIfMissing: false,
    errorLog: (...args: unknown[]) => ctx.logger.warn({ args }, 'session store'),
  });
  throttleTouches(store, touchIntervalMs);
  const secure = config.publicUrl.startsWith('https:');
  const handler = session({
    name: sessionCookieName(config.publicUrl),
    secret: config.session.secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    proxy: undefined, // follows Express's `trust proxy`
    cookie: {
      httpOnly: true,
      secure,
      sameSite: 'lax',
      path: '/',
      maxAge: config.session.idleMinutes * 60_000,
    },
  });
  // A bearer-token request never reads or writes a browser session: its authority is the token alone.
  return (req, res, next) => {
    if (req.headers.authorization !== undefined) {
      next();
      return;
    }
    handler(req, res, next);
  };
}
