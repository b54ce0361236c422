import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { startDevIdp, type DevIdp } from './dev-idp.ts';

export const devClientId = 'review-console';

/**
 * The embedded default's sign-in: when no IdP is configured (and never in production), starts the
 * development IdP with a client for this console and returns the config pointing at it.
 */
export async function withDevIdentityProvider(
  config: Config,
  logger: Logger,
): Promise<{ config: Config; devIdp: DevIdp | undefined }> {
  if (config.oidc.issuer) return { config, devIdp: undefined };
  if (config.env === 'production') throw new Error('OIDC_ISSUER is required in production.');
  const clientSecret = randomBytes(24).toString('base64url');
  const devIdp = await startDevIdp({
    port: config.devIdp.port,
    host: config.host,
    env: config.env,
    clients: [
      {
        clientId: devClientId,
        clientSecret,
        redirectUris: [`${config.publicUrl}/auth/callback`],
        postLogoutRedirectUris: [`${config.publicUrl}/login?signedOut=1`],
      },
    ],
  });
  logger.info({ issuer: devIdp.issuer }, 'development identity provider started (demo users, password "demo")');
  return {
    config: { ...config, oidc: { ...config.oidc, issuer: devIdp.issuer, clientId: devClientId, clientSecret } },
    devIdp,
  };
}
