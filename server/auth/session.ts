import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
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
  /**
   * When the IdP issued one: the refresh token, which lets the session re-check the person's groups
   * without a new sign-in, sealed with `sealRefreshToken`. Nothing else from the token response is
   * kept: not the ID token (its claims were read at sign-in; sign-out names the console by
   * `client_id` instead of `id_token_hint`), not the access token.
   */
  sealedRefreshToken?: string;
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

/**
 * The refresh token is a credential for the person at the IdP, so it is not stored in clear in
 * `http_session` (backups, read replicas, anyone who can read the table): AES-256-GCM under a key
 * derived (HKDF) from SESSION_SECRET, bound to the person's issuer and subject. The session secret
 * already decides whether a session is valid at all (it signs the cookie), so rotating it ends
 * sessions and their sealed tokens together; the database alone holds nothing that works.
 */
const sealVersion = 'v1';

function refreshTokenKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'review-console', 'http_session refresh token v1', 32));
}

export function sealRefreshToken(secret: string, owner: { issuer: string; subject: string }, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', refreshTokenKey(secret), iv);
  cipher.setAAD(Buffer.from(`${owner.issuer} ${owner.subject}`));
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${sealVersion}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** The refresh token, or `undefined` when the value was not sealed for this person with this secret. */
export function openRefreshToken(secret: string, owner: { issuer: string; subject: string }, sealed: string): string | undefined {
  const [version, iv, body] = sealed.split('.');
  if (version !== sealVersion || !iv || !body) return undefined;
  try {
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < 17) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', refreshTokenKey(secret), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${owner.issuer} ${owner.subject}`));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
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
