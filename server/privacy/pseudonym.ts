import { createHmac } from 'node:crypto';

/**
 * The keyed hash of a person's `vendor_data` (ADR 0016). Stored beside `vendor_data` when a
 * session arrives, it is what links a person's sessions ("other sessions", insights, an erasure
 * request) once retention or an erasure removed `vendor_data` itself. Keyed (PSEUDONYM_KEY, never
 * in the database) so that whoever reads the database cannot hash a guessed id and find the person.
 * The key must never change: sessions hashed under an old key would no longer link.
 */

/**
 * The key: one per process, set by the composition root (`createContext`) like the audit key, so
 * the sync code deep inside transactions finds it here.
 */
let pseudonymKey: Buffer | undefined;

export function usePseudonymKey(secret: string): void {
  pseudonymKey = Buffer.from(secret, 'utf8');
}

/** HMAC-SHA-256 of `vendorData` (hex), or null for none. */
export function vendorDataHash(vendorData: string | null | undefined): string | null {
  if (vendorData === null || vendorData === undefined) return null;
  if (!pseudonymKey) throw new Error('No pseudonym key: createContext sets it from PSEUDONYM_KEY before sessions are stored');
  return createHmac('sha256', pseudonymKey).update('vendor_data\0').update(vendorData, 'utf8').digest('hex');
}
