import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { revokeTokensOfUser } from './api-tokens.ts';
import type { Role } from './rbac.ts';

export interface SignedInUser {
  id: string;
  email: string;
  displayName: string | null;
}

/** Records a person at sign-in with the roles their IdP claims grant today (empty when none). */
export async function upsertUserAtLogin(
  db: Database,
  person: { issuer: string; subject: string; email: string; displayName: string | null; roles: Role[] },
): Promise<SignedInUser> {
  const row = await db
    .insertInto('app_user')
    .values({
      issuer: person.issuer,
      subject: person.subject,
      email: person.email,
      display_name: person.displayName,
      roles: person.roles,
      last_login_at: sql<Date>`now()`,
    })
    .onConflict((oc) =>
      oc.columns(['issuer', 'subject']).doUpdateSet({
        email: person.email,
        display_name: person.displayName,
        roles: person.roles,
        last_login_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      }),
    )
    .returning(['id', 'email', 'display_name'])
    .executeTakeFirstOrThrow();
  return { id: row.id, email: row.email ?? person.email, displayName: row.display_name };
}

/** Keeps the stored roles in step when a session re-checks them with the IdP. */
export async function updateUserRoles(db: Database, userId: string, roles: Role[]): Promise<void> {
  await db
    .updateTable('app_user')
    .set({ roles, updated_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .execute();
}

/**
 * The person has lost access to the console (their groups no longer map to a role, or the IdP
 * refused to refresh their session: disabled, or the grant revoked): no stored role, and every
 * API token they created revoked, in one transaction. Returns the names of the revoked tokens.
 */
export async function withdrawUserAccess(db: Database, userId: string, reason: string): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('app_user')
      .set({ roles: [], updated_at: sql<Date>`now()` })
      .where('id', '=', userId)
      .execute();
    return revokeTokensOfUser(trx, userId, reason);
  });
}
