import {
  createTokenResponseSchema,
  logoutResponseSchema,
  meResponseSchema,
  revokeTokenResponseSchema,
  tokenListResponseSchema,
  type CreateTokenRequest,
} from '../../../server/contract/auth.ts';
import { apiGet, apiPost, setLeaving } from './client.ts';

/** Who is signed in; 401 is thrown (not redirected) so the shell can show the sign-in page. */
export const getMe = (signal?: AbortSignal) => apiGet('/api/me', meResponseSchema, { signal, onUnauthenticated: 'throw' });

/**
 * Ends the session here; returns where the browser goes next (the IdP's end-session page, or ours).
 * From the moment it is sent, other requests' 401s no longer redirect to sign-in.
 */
export async function logout() {
  setLeaving(true);
  try {
    return await apiPost('/auth/logout', {}, logoutResponseSchema, { onUnauthenticated: 'throw' });
  } catch (error) {
    setLeaving(false);
    throw error;
  }
}

export const listTokens = (includeRevoked: boolean, signal?: AbortSignal) =>
  apiGet(`/api/admin/tokens${includeRevoked ? '?includeRevoked=true' : ''}`, tokenListResponseSchema, { signal });
export const createToken = (body: CreateTokenRequest) => apiPost('/api/admin/tokens', body, createTokenResponseSchema);
export const revokeToken = (id: string) =>
  apiPost(`/api/admin/tokens/${encodeURIComponent(id)}/revoke`, {}, revokeTokenResponseSchema);
