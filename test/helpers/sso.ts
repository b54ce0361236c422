import { randomBytes } from 'node:crypto';
import { createApp } from '../../server/app.ts';
import { startDevIdp, type DevIdp, type DevIdpOptions } from '../../server/auth/dev-idp/dev-idp.ts';
import { csrfHeader, csrfHeaderValue } from '../../server/auth/csrf.ts';
import type { AppContext } from '../../server/context.ts';
import { listen } from '../../server/http/server.ts';
import { afterFile } from './after-file.ts';
import { freePort } from './free-port.ts';
import { createTestContext } from './test-context.ts';

export interface SsoTestConsole {
  ctx: AppContext;
  baseUrl: string;
  idp: DevIdp;
  clientId: string;
  clientSecret: string;
}

/**
 * The console over HTTP with sign-in through a real development IdP (its own port), for tests of
 * the OpenID Connect flow. PUBLIC_URL is the console's real address, so redirect URIs match.
 */
export async function startSsoTestConsole(
  env: Record<string, string> = {},
  idpOptions: Partial<DevIdpOptions> = {},
): Promise<SsoTestConsole> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const clientId = 'review-console-test';
  const clientSecret = randomBytes(16).toString('hex');
  const idp = await startDevIdp({
    port: 0,
    env: 'test',
    clients: [
      {
        clientId,
        clientSecret,
        redirectUris: [`${baseUrl}/auth/callback`],
        postLogoutRedirectUris: [`${baseUrl}/login?signedOut=1`],
      },
    ],
    ...idpOptions,
  });
  afterFile(() => idp.close());
  const { ctx } = await createTestContext({
    PUBLIC_URL: baseUrl,
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: clientId,
    OIDC_CLIENT_SECRET: clientSecret,
    AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    ...env,
  });
  const http = await listen(createApp(ctx), '127.0.0.1', port, ctx.logger);
  afterFile(() => http.close(1_000));
  return { ctx, baseUrl, idp, clientId, clientSecret };
}

/** Headers the web client sends with a state-changing request. */
export function sameOriginHeaders(baseUrl: string): Record<string, string> {
  return { origin: new URL(baseUrl).origin, [csrfHeader]: csrfHeaderValue, 'content-type': 'application/json' };
}
