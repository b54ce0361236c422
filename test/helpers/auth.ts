import { createApiToken as createToken } from '../../server/auth/api-tokens.ts';
import type { Role } from '../../server/auth/rbac.ts';
import type { AppContext } from '../../server/context.ts';

let counter = 0;

/**
 * A real API token, created through the token service (stored hashed, audited like any other),
 * for tests that call `/api` over HTTP. Names are unique per call unless one is given.
 */
export async function createApiToken(ctx: AppContext, role: Role, name?: string): Promise<string> {
  counter += 1;
  const { token } = await createToken(ctx.db, {
    name: name ?? `test-${role}-${process.pid}-${counter}-${Date.now().toString(36)}`,
    role,
    createdBy: null,
    createdByLabel: 'test',
  });
  return token;
}

/** Headers that authenticate a request with an API token (exempt from CSRF checks). */
export function authHeaders(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
