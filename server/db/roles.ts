import pg from 'pg';

/**
 * Two database roles (ADR 0012): an owner that runs migrations and owns every table, and the
 * runtime role the API and worker connect as. The runtime role reads and writes the console's
 * tables but may only INSERT and SELECT the audit log, and as a non-owner it can neither disable
 * the append-only triggers nor set `session_replication_role`. So whoever takes over the runtime
 * connection cannot rewrite or truncate the audit trail.
 */

/** The runtime role the embedded default creates beside its superuser (who owns the schema). */
export const embeddedRuntimeRole = { user: 'console_app', password: 'console_app' } as const;

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Who a connection string logs in as, according to the server (URLs may leave the user to PGUSER). */
export function currentRole(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ role: string }>('select current_user as role');
    return rows[0]!.role;
  });
}

/** Creates the embedded default's runtime login role when missing (the superuser owns the schema). */
export async function ensureEmbeddedRuntimeRole(adminUrl: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [embeddedRuntimeRole.user]);
    if (rowCount) return;
    const role = pg.escapeIdentifier(embeddedRuntimeRole.user);
    await client
      .query(`create role ${role} login password ${pg.escapeLiteral(embeddedRuntimeRole.password)}`)
      // Another console process created it between our check and now.
      .catch((error: { code?: string }) => {
        if (error.code !== '42710') throw error;
      });
  });
}

/**
 * Gives `runtimeRole` what the API and worker need, on the database `ownerUrl` points at; run
 * after every migration (new tables need their grants). Idempotent.
 */
export async function grantRuntimeAccess(ownerUrl: string, runtimeRole: string): Promise<void> {
  const role = pg.escapeIdentifier(runtimeRole);
  await withClient(ownerUrl, async (client) => {
    await client.query('begin');
    await client.query(`grant usage on schema public to ${role}`);
    await client.query(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    await client.query(`grant usage, select on all sequences in schema public to ${role}`);
    // The audit log is append-only for the runtime role; the migration history is read-only.
    await client.query(`revoke update, delete, truncate, references, trigger on audit_log from ${role}`);
    await client.query(`revoke insert, update, delete on kysely_migration, kysely_migration_lock from ${role}`);
    // graphile-worker's schema: its queue tables and functions, used by the worker and by addJob.
    await client.query(`grant usage on schema graphile_worker to ${role}`);
    await client.query(`grant select, insert, update, delete on all tables in schema graphile_worker to ${role}`);
    await client.query(`grant usage, select, update on all sequences in schema graphile_worker to ${role}`);
    await client.query(`grant execute on all functions in schema graphile_worker to ${role}`);
    // graphile-worker turns on row-level security for its tables (so only their owner sees rows);
    // a policy per table lets the runtime role see and change them all.
    const { rows } = await client.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity`,
    );
    const policy = pg.escapeIdentifier(`runtime_${runtimeRole}`.slice(0, 63));
    for (const { name } of rows) {
      const table = `graphile_worker.${pg.escapeIdentifier(name)}`;
      await client.query(`drop policy if exists ${policy} on ${table}`);
      await client.query(`create policy ${policy} on ${table} for all to ${role} using (true) with check (true)`);
    }
    await client.query('commit');
  });
}

export interface AuditProtection {
  role: string;
  /** The role owns `audit_log`, is a superuser or may update it: it could rewrite the trail. */
  canRewriteAudit: boolean;
}

/** Whether the pool's role could disable the audit log's triggers, rewrite or truncate it. */
export async function auditProtection(pool: pg.Pool): Promise<AuditProtection> {
  const { rows } = await pool.query<AuditProtection>(`
    select current_user as role,
           coalesce((select rolsuper from pg_roles where rolname = current_user), false)
           or pg_has_role(current_user, (select tableowner from pg_tables where schemaname = 'public' and tablename = 'audit_log'), 'usage')
           or has_table_privilege(current_user, 'audit_log', 'update, delete, truncate') as "canRewriteAudit"`);
  return rows[0]!;
}

/**
 * At start of the API and worker: in production the runtime role must not be able to rewrite the
 * audit log (set DATABASE_OWNER_URL and run migrations as that role); elsewhere, a warning.
 */
export async function requireAppendOnlyAudit(
  pool: pg.Pool,
  { production, warn }: { production: boolean; warn: (message: string) => void },
): Promise<void> {
  const { role, canRewriteAudit } = await auditProtection(pool);
  if (!canRewriteAudit) return;
  const message =
    `The database role "${role}" the console runs as can rewrite the audit log (it owns the table or is a superuser). ` +
    'Run migrations as a separate owner role (DATABASE_OWNER_URL) and give DATABASE_URL a role without ownership: see the README, "Database roles".';
  if (production) throw new Error(message);
  warn(message);
}
