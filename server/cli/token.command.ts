import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { roleSchema, tokenNameSchema } from '../contract/auth.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { createApiToken, listApiTokens, parseDuration, revokeApiToken, revokeTokensOfUser } from '../auth/api-tokens.ts';

export const tokenUsage = `token create --role <viewer|analyst|lead|admin> --name <name> [--expires-in 30d] [--owner <email>]
                     create an API token and print it once; with --owner it works only while
                     that person holds a role at least as strong as the token's
  token list [--all]  list live tokens (--all: revoked ones too)
  token revoke <id-or-name>
                     revoke a live token; it stops working on its next request
  token revoke --owner <email>
                     revoke every live token that carries that person's authority (offboarding)`;

/** The operator running the CLI, recorded as the creator or revoker in the audit log. */
function operatorLabel(): string {
  try {
    return `cli (${userInfo().username})`;
  } catch {
    return 'cli';
  }
}

/**
 * The person an `--owner` email names. Emails are unique per IdP, not across IdPs, so an email
 * that names two people is refused rather than guessed.
 */
async function findOwner(ctx: AppContext, email: string): Promise<{ id: string; email: string }> {
  const people = await ctx.db
    .selectFrom('app_user')
    .select(['id', 'email'])
    .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase())
    .execute();
  const [person] = people;
  if (!person || people.length > 1) {
    throw new AppError(
      400,
      'validation_failed',
      people.length > 1
        ? `${email} names ${people.length} people (one per identity provider); revoke or create by id instead.`
        : `Nobody with the email ${email} has signed in to the console.`,
    );
  }
  return { id: person.id, email: person.email ?? email };
}

export async function tokenCommand(ctx: AppContext, args: string[], out: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: {
        role: { type: 'string' },
        name: { type: 'string' },
        'expires-in': { type: 'string' },
        owner: { type: 'string' },
      },
      strict: true,
    });
    const role = roleSchema.parse(values.role);
    const name = tokenNameSchema.parse(values.name);
    const expiresIn = values['expires-in'];
    // Without --owner the token has no person behind it: see `api-tokens.ts` for why that is sound.
    const owner = values.owner ? await findOwner(ctx, values.owner) : undefined;
    const { token, record } = await createApiToken(ctx.db, {
      name,
      role,
      ...(expiresIn ? { expiresAt: new Date(Date.now() + parseDuration(expiresIn)) } : {}),
      createdBy: null,
      createdByLabel: owner ? `${operatorLabel()} for ${owner.email}` : operatorLabel(),
      ...(owner ? { ownerId: owner.id } : {}),
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
    const { values, positionals } = parseArgs({
      args: rest,
      options: { owner: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.owner) {
      if (positionals.length > 0) throw new Error(`Usage: ${tokenUsage}`);
      const owner = await findOwner(ctx, values.owner);
      const names = await ctx.db
        .transaction()
        .execute((trx) => revokeTokensOfUser(trx, owner.id, 'revoked with the CLI (--owner)', operatorLabel()));
      out(
        names.length === 0
          ? `${owner.email} has no live tokens.`
          : `Revoked ${names.length} token(s) of ${owner.email}: ${names.join(', ')}.`,
      );
      return;
    }
    const [idOrName] = positionals;
    if (!idOrName || positionals.length > 1) throw new Error(`Usage: ${tokenUsage}`);
    const record = await revokeApiToken(ctx.db, idOrName, null, operatorLabel());
    out(`Revoked token "${record.name}" (${record.id}).`);
    return;
  }
  throw new Error(`Usage: npm run cli -- ${tokenUsage}`);
}
