import { parseArgs } from 'node:util';
import type { AppContext } from '../context.ts';
import { asOwner, migrateAsOwner, migrateDown, pendingMigrations } from '../db/database.ts';

export const migrateUsage = `migrate            apply every pending migration as DATABASE_OWNER_URL, then grant
                     DATABASE_URL's role its share (INSERT and SELECT only on audit_log)
  migrate --down     revert the most recent migration
  migrate --status   list pending migrations`;

export async function migrateCommand(ctx: AppContext, args: string[], out: (line: string) => void): Promise<void> {
  const { values } = parseArgs({ args, options: { down: { type: 'boolean' }, status: { type: 'boolean' } }, strict: true });
  if (values.status) {
    const pending = await pendingMigrations(ctx.db);
    out(pending.length === 0 ? 'Database is up to date.' : `Pending:\n${pending.map((name) => `  ${name}`).join('\n')}`);
    return;
  }
  const result = values.down ? await asOwner(ctx.databaseUrls.owner, migrateDown) : await migrateAsOwner(ctx.databaseUrls);
  const applied = result.results ?? [];
  if (applied.length === 0) out(values.down ? 'Nothing to revert.' : 'Database is up to date.');
  for (const migration of applied) {
    out(`${migration.direction === 'Up' ? 'applied' : 'reverted'} ${migration.migrationName}`);
  }
}
