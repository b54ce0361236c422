import * as client from 'openid-client';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * The console as an OpenID Connect relying party (authorization code + PKCE, `state`, `nonce`).
 * Works with any standards-compliant IdP: everything comes from its discovery document.
 * openid-client validates the ID token's issuer, audience, expiry and nonce, and the
 * authorization response's `iss` (RFC 9207) when the IdP advertises it.
 */
export interface OidcClient {
  /** False when no IdP is configured (tests that only use API tokens). */
  readonly configured: boolean;
  readonly issuer: string | undefined;
  /** Discovery, once; a failure is forgotten so the next call retries. */
  discover(): Promise<client.Configuration>;
  redirectUri: string;
  postLogoutRedirectUri: string;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

export function createOidcClient(config: Config, logger: Logger): OidcClient {
  const { issuer, clientId, clientSecret } = config.oidc;
  let discovered: Promise<client.Configuration> | undefined;
  return {
    configured: Boolean(issuer && clientId),
    issuer,
    redirectUri: `${config.publicUrl}/auth/callback`,
    postLogoutRedirectUri: `${config.publicUrl}/login?signedOut=1`,
    discover() {
      if (!issuer || !clientId) {
        return Promise.reject(new AppError(503, 'not_ready', 'Sign-in is not configured (OIDC_ISSUER is unset).'));
      }
      discovered ??= discoverIssuer(issuer, clientId, clientSecret, config.env).catch((error: unknown) => {
        discovered = undefined;
        logger.error({ err: error, issuer }, 'OpenID Connect discovery failed');
        throw new AppError(503, 'upstream_error', 'The identity provider cannot be reached; try again shortly.');
      });
      return discovered;
    },
  };
}

async function discoverIssuer(
  issuer: string,
  clientId: string,
  clientSecret: string | undefined,
  env: Config['env'],
): Promise<client.Configuration> {
  const url = new URL(issuer);
  // openid-client refuses plain http; we allow it only for an IdP on this machine outside production.
  const insecure = url.protocol === 'http:';
  if (insecure && (env === 'production' || !loopbackHosts.has(url.hostname))) {
    throw new Error(`OIDC_ISSUER must use https (plain http is allowed only for a loopback development IdP): ${issuer}`);
  }
  return client.discovery(url, clientId, clientSecret, clientSecret ? client.ClientSecretPost(clientSecret) : client.None(), {
    execute: insecure ? [client.allowInsecureRequests] : [],
    timeout: 10,
  });
}

export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export async function buildAuthorizationRequest(
  oidc: OidcClient,
  scopes: string,
  options: { prompt?: 'login' } = {},
): Promise<AuthorizationRequest> {
  const configuration = await oidc.discover();
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: oidc.redirectUri,
    scope: scopes,
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
  return { url: url.href, state, nonce, codeVerifier };
}

export interface SignInResult {
  claims: Record<string, unknown> & { sub: string; iss: string };
  refreshToken: string | undefined;
}

/**
 * Completes the code flow; throws (openid-client's errors) on any failed check. The ID token
 * itself is not returned: its claims are all the console uses, and it is not kept (see `session.ts`).
 */
export async function completeAuthorization(
  oidc: OidcClient,
  callbackUrl: URL,
  expected: { state: string; nonce: string; codeVerifier: string },
): Promise<SignInResult> {
  const configuration = await oidc.discover();
  const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
    expectedState: expected.state,
    expectedNonce: expected.nonce,
    pkceCodeVerifier: expected.codeVerifier,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims || !tokens.id_token) throw new Error('the token response has no ID token');
  return { claims, refreshToken: tokens.refresh_token };
}

export type RefreshOutcome =
  | { status: 'ok'; claims: Record<string, unknown>; refreshToken: string }
  /** The IdP answered and said no (`invalid_grant`: the person was disabled, or the grant revoked), or named someone else. */
  | { status: 'refused' }
  /** The IdP could not be asked (network, timeout, a malformed answer): nothing is known about the person. */
  | { status: 'unavailable' };

/** Fresh claims through the refresh token. */
export async function refreshClaims(
  oidc: OidcClient,
  refreshToken: string,
  subject: string,
  logger: Logger,
): Promise<RefreshOutcome> {
  const configuration = await oidc.discover();
  try {
    const tokens = await client.refreshTokenGrant(configuration, refreshToken);
    const claims = tokens.claims() ?? (await client.fetchUserInfo(configuration, tokens.access_token, subject));
    if (claims.sub !== subject) return { status: 'refused' };
    return { status: 'ok', claims, refreshToken: tokens.refresh_token ?? refreshToken };
  } catch (error) {
    logger.info({ err: error }, 'session refresh failed at the identity provider');
    // An OAuth error answer from the token endpoint is the IdP's word; anything else is not.
    return error instanceof client.ResponseBodyError ? { status: 'refused' } : { status: 'unavailable' };
  }
}

/**
 * The IdP's end-session URL when it has one (RP-initiated logout), else `undefined`. It names the
 * console by `client_id` (OpenID Connect RP-Initiated Logout 1.0 §2) instead of sending the ID
 * token as `id_token_hint`, so the session does not have to keep the ID token. Some IdPs then
 * ask the person to confirm the sign-out; the development IdP always does.
 */
export async function endSessionUrl(oidc: OidcClient): Promise<string | undefined> {
  const configuration = await oidc.discover().catch(() => undefined);
  if (!configuration?.serverMetadata().end_session_endpoint) return undefined;
  return client
    .buildEndSessionUrl(configuration, {
      client_id: configuration.clientMetadata().client_id,
      post_logout_redirect_uri: oidc.postLogoutRedirectUri,
    })
    .toString();
}
