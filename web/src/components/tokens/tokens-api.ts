import type { ApiTokenView, CreateTokenRequest } from '../../../../server/contract/auth.ts';
import { createToken, listTokens, revokeToken } from '../../api/auth.ts';

/** What the tokens page needs from the server; tests pass a fake. */
export interface TokensApi {
  list(includeRevoked: boolean, signal?: AbortSignal): Promise<ApiTokenView[]>;
  /** The token itself is in this answer only. */
  create(body: CreateTokenRequest): Promise<{ token: string; record: ApiTokenView }>;
  revoke(id: string): Promise<ApiTokenView>;
}

export const httpTokensApi: TokensApi = {
  list: async (includeRevoked, signal) => (await listTokens(includeRevoked, signal)).tokens,
  create: (body) => createToken(body),
  revoke: async (id) => (await revokeToken(id)).record,
};
