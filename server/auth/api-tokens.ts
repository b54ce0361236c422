import { createHash, randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { highestRole, roleRank, type Actor, type Role } from './rbac.ts';

/**
 * API tokens for automation. A token is `rct_` + 43 base64url characters (256 random bits); only
 * its SHA-256 is stored, so a database leak does not hand out working tokens. The token is
 * returned once, at creation. Creation and revocation are audited in the same transaction.
 *
 * A token never holds more than a person lends it. Tokens are managed only by an admin signed in
 * with the console (a browser session) or by the CLI; a token cannot create, list or revoke tokens,
 * so a leaked token cannot mint successors that outlive its revocation. A token made in the web app
 * carries its creator's authority (`created_by_id`): it works only while the creator still holds a
 * role at least as strong as the token's (`app_user.roles`, as the IdP last said at sign-in or
 * session refresh), checked on every use, so a demotion suspends it at once and a re-promotion
 * resumes it; when the creator loses access altogether (no mapped role, or the IdP refuses their
 * session), their tokens are revoked for good (`revokeTokensOfUser`).
 *
 * Tokens made with the CLI have no person behind them unless the operator names one
 * (`--owner`): whoever runs the CLI holds DATABASE_URL and can do anything a token could, so
 * tying such a token to a person's roles would not bound anything. They are bounded by their
 * expiry and by revocation, and the audit log names the operator (`via: cli (user)`).
 */

export const tokenPrefix = 'rct_';
const tokenShape = /^rct_[A-Za-z0-9_-]{43}$/;

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  lastUsedAt: Date | null;
}

export interface CreateTokenInput {
  name: string;
  role: Role;
  /** Absent: the token does not expire (it can still be revoked). */
  expiresAt?: Date;
  /** Who creates it: an admin signed in with the console (never a token), or `null` for the CLI. */
  createdBy: Actor | null;
  /** Shown as the creator when `createdBy` is null, e.g. `cli (alice)`. */
  createdByLabel?: string;
  /**
   * CLI only: the person (`app_user.id`) whose access the token follows, as a token made in the
   * web app follows its creator. They must hold a role at least as strong as the token's.
   */
  ownerId?: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createApiToken(db: Database, input: CreateTokenInput): Promise<{ token: string; record: ApiToken }> {
  const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new AppError(400, 'validation_failed', 'The expiry must be in the future.');
  }
  if (input.createdBy && input.createdBy.kind !== 'user') {
    throw new AppError(403, 'forbidden', 'API tokens cannot create tokens; an admin signed in with the console can.');
  }
  if (input.createdBy && roleRank(input.createdBy.role) < roleRank(input.role)) {
    throw new AppError(403, 'forbidden', `Your role (${input.createdBy.role}) cannot create a ${input.role} token.`);
  }
  const ownerId = input.createdBy?.id ?? input.ownerId ?? null;
  const createdByLabel = input.createdBy?.label ?? input.createdByLabel ?? 'cli';
  const record = await db.transaction().execute(async (trx) => {
    if (ownerId && !input.createdBy) {
      const owner = await trx.selectFrom('app_user').select(['roles', 'email']).where('id', '=', ownerId).executeTakeFirst();
      const ownerRole = owner ? highestRole(owner.roles) : undefined;
      if (!owner || !ownerRole || roleRank(ownerRole) < roleRank(input.role)) {
        throw new AppError(
          409,
          'conflict',
          `${owner?.email ?? 'That person'} holds no role at least as strong as ${input.role}; the token would not work.`,
        );
      }
    }
    const live = await trx
      .selectFrom('api_token')
      .select('id')
      .where('name', '=', input.name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (live) throw new AppError(409, 'conflict', `A live token named "${input.name}" exists; revoke it or pick another name.`);
    const row = await trx
      .insertInto('api_token')
      .values({
        name: input.name,
        role: input.role,
        token_hash: hashToken(token),
        token_prefix: token.slice(0, tokenPrefix.length + 6),
        created_by_id: ownerId,
        created_by_label: createdByLabel,
        expires_at: input.expiresAt ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        // Two admins creating the same name at once: the partial unique index decides.
        if ((error as { code?: unknown }).code === '23505') {
          throw new AppError(409, 'conflict', `A live token named "${input.name}" exists; revoke it or pick another name.`);
        }
        throw error;
      });
    await appendAudit(trx, {
      actor: input.createdBy,
      action: 'token.created',
      targetType: 'api_token',
      targetId: row.id,
      details: {
        name: row.name,
        role: row.role,
        expiresAt: row.expires_at?.toISOString() ?? null,
        ...(input.createdBy ? {} : { via: createdByLabel }),
      },
    });
    return row;
  });
  return { token, record: toApiToken(record) };
}

export async function listApiTokens(db: Database, options: { includeRevoked?: boolean } = {}): Promise<ApiToken[]> {
  let query = db.selectFrom('api_token').selectAll().orderBy('created_at', 'desc').orderBy('id');
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  return (await query.execute()).map(toApiToken);
}

/** Revokes a live token by id or by name. Revoking takes effect on the next request. */
export async function revokeApiToken(
  db: Database,
  idOrName: string,
  revokedBy: Actor | null,
  revokedByLabel = 'cli',
): Promise<ApiToken> {
  if (revokedBy && revokedBy.kind !== 'user') {
    throw new AppError(403, 'forbidden', 'API tokens cannot revoke tokens; an admin signed in with the console can.');
  }
  const label = revokedBy?.label ?? revokedByLabel;
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('api_token')
      .set({ revoked_at: sql<Date>`now()`, revoked_by_label: label })
      .where(isUuid ? 'id' : 'name', '=', idOrName)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new AppError(404, 'not_found', `No live token ${isUuid ? 'with id' : 'named'} ${idOrName}.`);
    await appendAudit(trx, {
      actor: revokedBy,
      action: 'token.revoked',
      targetType: 'api_token',
      targetId: row.id,
      details: { name: row.name, role: row.role, ...(revokedBy ? {} : { via: label }) },
    });
    return toApiToken(row);
  });
}

/**
 * Revokes every live token that carries this person's authority (they lost access to the console,
 * or an operator offboards them); one `token.revoked` audit row per token, with the reason.
 * Returns the names revoked.
 */
export async function revokeTokensOfUser(
  trx: Transaction<DB>,
  userId: string,
  reason: string,
  label = 'console (creator lost access)',
): Promise<string[]> {
  const rows = await trx
    .updateTable('api_token')
    .set({ revoked_at: sql<Date>`now()`, revoked_by_label: label })
    .where('created_by_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name', 'role'])
    .execute();
  for (const row of rows) {
    await appendAudit(trx, {
      actor: null,
      action: 'token.revoked',
      targetType: 'api_token',
      targetId: row.id,
      details: { name: row.name, role: row.role, via: label, reason, creatorId: userId },
    });
  }
  return rows.map((row) => row.name);
}

/**
 * The actor behind a bearer token, or `undefined` when the token is unknown, revoked or expired,
 * or when the person it carries the authority of no longer holds a role at least as strong as the
 * token's (the caller answers 401 without saying which, so probing learns nothing).
 */
export async function authenticateApiToken(db: Database, token: string): Promise<Actor | undefined> {
  if (!tokenShape.test(token)) return undefined;
  const row = await db
    .selectFrom('api_token')
    .leftJoin('app_user', 'app_user.id', 'api_token.created_by_id')
    .select([
      'api_token.id',
      'api_token.name',
      'api_token.role',
      'api_token.expires_at',
      'api_token.revoked_at',
      'api_token.last_used_at',
      'api_token.created_by_id',
      'app_user.roles as creator_roles',
    ])
    .where('api_token.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= Date.now())) return undefined;
  if (row.created_by_id !== null) {
    const creatorRole = highestRole(row.creator_roles ?? []);
    if (!creatorRole || roleRank(creatorRole) < roleRank(row.role)) return undefined;
  }
  // At most one write a minute per token: `last_used_at` is for humans spotting stale tokens.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable('api_token')
      .set({ last_used_at: sql<Date>`now()` })
      .where('id', '=', row.id)
      .execute();
  }
  return { kind: 'token', id: row.id, label: row.name, role: row.role };
}

/** Parses `30d`, `12h`, `90m` or `2w` into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,5})([mhdw])$/.exec(text.trim());
  if (!match) throw new AppError(400, 'validation_failed', `Not a duration: "${text}" (use e.g. 90m, 12h, 30d, 2w).`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 'm' | 'h' | 'd' | 'w'];
  const amount = Number(match[1]);
  if (amount === 0) throw new AppError(400, 'validation_failed', 'A duration must be longer than zero.');
  return amount * unit;
}

function toApiToken(row: {
  id: string;
  name: string;
  role: Role;
  token_prefix: string;
  created_by_label: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by_label: string | null;
  last_used_at: Date | null;
}): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.token_prefix,
    createdBy: row.created_by_label,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by_label,
    lastUsedAt: row.last_used_at,
  };
}
