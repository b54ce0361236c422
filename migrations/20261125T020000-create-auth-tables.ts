import { sql, type Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

export async function up(db: Kysely<any>): Promise<void> {
  // API tokens for automation. Only a SHA-256 of the token is stored (tokens carry 256 bits of
  // randomness, so a slow hash adds nothing); the prefix lets people recognise a token in lists.
  await db.schema
    .createTable('api_token')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (col) => col.notNull().check(sql`length(name) between 1 and 80`))
    .addColumn('role', 'text', (col) => col.notNull().check(sql`role in ('viewer', 'analyst', 'lead', 'admin')`))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('token_prefix', 'text', (col) => col.notNull())
    .addColumn('created_by_id', 'uuid', (col) => col.references('app_user.id'))
    .addColumn('created_by_label', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by_label', 'text')
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  // A name identifies a live token in the audit log, so two live tokens never share one.
  await sql`create unique index api_token_live_name_key on api_token (name) where revoked_at is null`.execute(db);

  // Server-side browser sessions (connect-pg-simple's layout, with timestamptz for the expiry).
  await db.schema
    .createTable('http_session')
    .addColumn('sid', 'varchar', (col) => col.primaryKey())
    .addColumn('sess', 'json', (col) => col.notNull())
    .addColumn('expire', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('http_session_expire_idx').on('http_session').column('expire').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('http_session').execute();
  await db.schema.dropTable('api_token').execute();
}
