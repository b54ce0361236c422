import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { roleSchema, tokenNameSchema } from '../contract/auth.ts';
import type { AppContext } from '../context.ts';
import { createApiToken, listApiTokens, parseDuration, revokeApiToken } from '../auth/api-tokens.ts';

export const tokenUsage = `token create --role <viewer|analyst|lead|admin> --name <name> [--expires-in 30d]
                     create an API token and print it once
  token list [--all]  list live tokens (--all: revoked ones too)
  token revoke <id-or-name>
                     revoke a live token; it stops working on its next request`;

/** The operator running the CLI, recorded as the creator or revoker in the audit log. */
function operatorLabel(): string {
  try {
    return `cli (${userInfo().username})`;
  } catch {
    return 'cli';
  }
}

export async function tokenCommand(ctx: AppContext, args: string[], out: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { role: { type: 'string' }, name: { type: 'string' }, 'expires-in': { type: 'string' } },
      strict: true,
    });
    const role = roleSchema.parse(values.role);
    const name = tokenNameSchema.parse(values.name);
    const expiresIn = values['expires-in'];
    const { token, record } = await createApiToken(ctx.db, {
      name,
      role,
      ...(expiresIn ? { expiresAt: new Date(Date.now() + parseDuration(expiresIn)) } : {}),
      createdBy: null,
      createdByLabel: operatorLabel(),
    });
    out(
      `Created token "${record.name}" (${record.role}, ${record.expiresAt ? `expires ${record.expiresAt.toISOString()}` : 'no expiry'}).`,
    );
    out('It is shown only this once; store it in your secret manager:');
    out('');
    out(`  ${token}`);
    out('');
    return;
  }
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { all: { type: 'boolean' } }, strict: true });
    const tokens = await listApiTokens(ctx.db, { includeRevoked: values.all === true });
    if (tokens.length === 0) {
      out('No tokens.');
      return;
    }
    out(['id', 'name', 'role', 'prefix', 'created', 'expires', 'last used', 'revoked'].join('\t'));
    for (const t of tokens) {
      out(
        [
          t.id,
          t.name,
          t.role,
          `${t.prefix}…`,
          `${t.createdAt.toISOString()} by ${t.createdBy}`,
          t.expiresAt?.toISOString() ?? 'never',
          t.lastUsedAt?.toISOString() ?? 'never',
          t.revokedAt ? `${t.revokedAt.toISOString()} by ${t.revokedBy ?? '?'}` : '',
        ].join('\t'),
      );
    }
    return;
  }
  if (sub === 'revoke') {
    const [idOrName] = rest;
    if (!idOrName) throw new Error(`Usage: ${tokenUsage}`);
    const record = await revokeApiToken(ctx.db, idOrName, null, operatorLabel());
    out(`Revoked token "${record.name}" (${record.id}).`);
    return;
  }
  throw new Error(`Usage: npm run cli -- ${tokenUsage}`);
}
