import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Provider, { type KoaContextLike } from 'oidc-provider';
import { escapeHtml } from '../pages.ts';
import { demoPassword, demoUsers, type DemoUser } from './demo-users.ts';

/**
 * A development identity provider: a real OpenID Connect provider (`oidc-provider`) with the
 * demo users, its own HTTP port and a minimal sign-in form. The console talks to it only over
 * HTTP, exactly as it would to Okta or Keycloak. It refuses to start in production.
 */

export interface DevIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface DevIdpOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Hostname in the issuer URL (what browsers and the console use to reach it). */
  publicHost?: string;
  /** The issuer URL when something (a test's proxy) stands in front of this server. */
  issuerUrl?: string;
  clients: DevIdpClient[];
  /** An RSA private JWK to sign ID tokens with (tests that need to forge a token pass their own). */
  signingKey?: JsonWebKey & { kid: string };
  env?: string;
}

export interface DevIdp {
  issuer: string;
  port: number;
  /** Changes a demo user's groups, as an administrator would at a real IdP. */
  setGroups(email: string, groups: string[]): void;
  /**
   * Disables (or re-enables) a demo user, as an administrator would at a real IdP: they cannot
   * sign in, and refreshing their tokens is refused with `invalid_grant`.
   */
  setDisabled(email: string, disabled: boolean): void;
  close(): Promise<void>;
}

export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  if ((options.env ?? process.env.NODE_ENV) === 'production') {
    throw new Error('The development identity provider does not run with NODE_ENV=production; set OIDC_ISSUER instead.');
  }
  const accounts = new Map<string, DemoUser>(demoUsers.map((user) => [user.email, { ...user, groups: [...user.groups] }]));
  const subjectOf = (email: string) => `dev-${email.split('@')[0] ?? email}`;
  const disabled = new Set<string>();
  const bySubject = (sub: string) =>
    [...accounts.values()].find((user) => subjectOf(user.email) === sub && !disabled.has(user.email));

  // The issuer URL contains the port, so the provider is built after the server has one.
  const late: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server: Server = createServer((req, res) => {
    if (late.handler) late.handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = options.issuerUrl ?? `http://${options.publicHost ?? 'localhost'}:${port}`;

  const signingKey = options.signingKey ?? {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: `dev-${randomBytes(4).toString('hex')}`,
  };

  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.postLogoutRedirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      // Groups travel with `openid`, so they reach the ID token whatever scopes the console asks for.
      openid: ['sub', 'groups'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Claims in the ID token itself (the console reads roles from it), not only at userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: { AuthorizationCode: 60, IdToken: 3_600, AccessToken: 3_600, RefreshToken: 86_400, Session: 86_400, Grant: 86_400 },
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    // First-party demo client: consent is implied, so the user sees only the sign-in form.
    async loadExistingGrant(ctx: KoaContextLike) {
      const { client, session, result, provider: op } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return op.Grant.find(grantId);
      const grant = new op.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile offline_access');
      grant.addOIDCClaims(['groups', 'email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
    findAccount(_ctx: unknown, sub: string) {
      const user = bySubject(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: user.email, email_verified: true, name: user.name, groups: [...user.groups] }),
      };
    },
    clientBasedCORS: () => false,
    renderError(ctx: KoaContextLike, out: Record<string, string>) {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        Object.entries(out)
          .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
          .join(''),
      );
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.get('/interaction/:uid', async (req, res) => {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.prompt.name === 'login') {
      res
        .type('html')
        .send(loginPage(interaction.uid, typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : ''));
      return;
    }
    // Any other prompt (consent): the demo client is first-party, so it is granted.
    await provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  });
  app.post('/interaction/:uid/login', express.urlencoded({ extended: false, limit: '10kb' }), async (req, res) => {
    const interaction = await provider.interactionDetails(req, res);
    const body = req.body as { email?: unknown; password?: unknown };
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
    const user = accounts.get(email);
    if (!user || body.password !== demoPassword || disabled.has(email)) {
      res
        .status(401)
        .type('html')
        .send(loginPage(interaction.uid, email, 'Unknown demo user or wrong password.'));
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: subjectOf(user.email) } },
      { mergeWithLastSubmission: false },
    );
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const message = err instanceof Error ? err.message : 'error';
    res
      .status(400)
      .type('html')
      .send(page('Sign-in error', `<p>${escapeHtml(message)}</p><p>Start again from the console.</p>`));
  });
  app.use(provider.callback());
  late.handler = (req, res) => {
    app(req as express.Request, res as express.Response);
  };

  return {
    issuer,
    port,
    setGroups(email, groups) {
      const user = accounts.get(email);
      if (!user) throw new Error(`no demo user ${email}`);
      user.groups = [...groups];
    },
    setDisabled(email, isDisabled) {
      if (!accounts.has(email)) throw new Error(`no demo user ${email}`);
      if (isDisabled) disabled.add(email);
      else disabled.delete(email);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function loginPage(uid: string, email: string, error?: string): string {
  const rows = demoUsers
    .map(
      (user) =>
        `<tr><td><code>${escapeHtml(user.email)}</code></td><td>${escapeHtml(user.groups.join(', ') || '(none)')}</td></tr>`,
    )
    .join('');
  return page(
    'Sign in to the development IdP',
    `${error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(email)}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<h2>Demo users</h2>
<p>Every demo user's password is <code>${demoPassword}</code>.</p>
<table><thead><tr><th scope="col">Email</th><th scope="col">Groups</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

async function logoutSource(ctx: KoaContextLike, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Sign out of the development IdP?',
    `${form}<p>You have signed out of the review console. Also end your session at the identity provider?</p>
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
  );
  return Promise.resolve();
}

async function postLogoutSuccessSource(ctx: KoaContextLike): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p>You are signed out of the development IdP.</p>');
  return Promise.resolve();
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #eef1f5; color: #14181f; }
  main { width: min(30rem, 92vw); padding: 24px; background: #fff; border: 1px solid #d9dee5; border-radius: 8px; }
  h1 { font-size: 1.2rem; margin: 0 0 4px; } h2 { font-size: 1rem; margin: 20px 0 4px; }
  .badge { display: inline-block; font-size: .75rem; padding: 2px 6px; border-radius: 4px; background: #9a6700; color: #fff; }
  form { display: grid; gap: 6px; margin-top: 12px; }
  input { font: inherit; padding: 6px 8px; border: 1px solid #a9b2bf; border-radius: 4px; }
  button { font: inherit; padding: 8px 12px; border: 0; border-radius: 4px; background: #0b57d0; color: #fff; cursor: pointer; margin-top: 6px; }
  button.secondary { background: #4a5463; }
  table { border-collapse: collapse; width: 100%; font-size: .875rem; } td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #d9dee5; }
  .error { color: #b42318; font-weight: 600; }
  @media (prefers-color-scheme: dark) { body { background: #0f1319; color: #e8ebf0; } main { background: #161b22; border-color: #2d3540; } }
</style></head>
<body><main><span class="badge">Development only</span><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
