import { z } from 'zod';

/** `/admin/tokens?token=<id>`: the token to highlight, as linked from the audit trail. Anything else is ignored. */
const tokensSearchSchema = z.object({ token: z.guid().optional().catch(undefined) });

export function highlightedTokenFromSearch(params: URLSearchParams): string | undefined {
  return tokensSearchSchema.parse({ token: params.get('token') ?? undefined }).token;
}
