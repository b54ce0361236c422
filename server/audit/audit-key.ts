import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The key of the audit chain (ADR 0012). Each row's hash is an HMAC-SHA-256 under AUDIT_KEY, so
 * whoever can write to the database but does not hold the key (the runtime role, a stolen
 * connection string, a restored backup) cannot recompute a chain that verifies. The key lives
 * in the environment (or, outside production, in a file under DATA_DIR), never in the database.
 */
export interface AuditKey {
  /** Short public fingerprint stored with each row, so a rotation can name the key a row used. */
  id: string;
  secret: Buffer;
}

/** The key that signs new rows first; earlier keys (AUDIT_KEY_PREVIOUS) only verify. */
export type AuditKeyring = readonly [AuditKey, ...AuditKey[]];

export function auditKey(secret: string): AuditKey {
  const bytes = Buffer.from(secret, 'utf8');
  return { id: createHmac('sha256', bytes).update('audit-key-id').digest('hex').slice(0, 12), secret: bytes };
}

/**
 * Outside production, with no AUDIT_KEY set: a random key kept in `DATA_DIR/audit.key` (mode 0600),
 * made on first start, so the embedded default keys its chain with nothing to configure.
 */
export function loadOrCreateDevelopmentAuditKey(dataDir: string): Promise<string> {
  return loadOrCreateDevelopmentKey(dataDir, 'audit.key');
}

/** A random secret kept in `DATA_DIR/<name>` (mode 0600), made on first use; development only. */
export async function loadOrCreateDevelopmentKey(dataDir: string, name: string): Promise<string> {
  const file = path.join(path.resolve(dataDir), name);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  await mkdir(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // `wx`: two processes starting together must not each write a different key.
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await readFile(file, 'utf8')).trim();
}
