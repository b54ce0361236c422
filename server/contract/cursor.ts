import { z } from 'zod';

/**
 * Page cursors travel as opaque tokens: base64url of a small JSON value the server made. The
 * token's alphabet is checked wherever a cursor is accepted (the web app keeps it in the URL); the
 * server then decodes it strictly with the schema of the list it pages (`queue-cursor.ts`), so a
 * forged or damaged cursor is a 400 naming the parameter, never a value cast by Postgres.
 * Browser-safe (no `Buffer`): the web app imports this module through `review.ts`.
 */

const tokenPattern = /^[A-Za-z0-9_-]+$/;

/** A cursor parameter as it arrives: base64url characters only, bounded. */
export const cursorParamSchema = z
  .string()
  .max(500, 'not a cursor from this API')
  .regex(tokenPattern, 'not a cursor from this API');

/**
 * A cursor for lists in id order (audit entries, second reviews): the last id of the previous page,
 * as digits. Checked to be a safe integer before any query sees it.
 */
export const idCursorSchema = z
  .string()
  .regex(/^\d{1,16}$/, 'not a cursor from this API')
  .refine((value) => Number.isSafeInteger(Number(value)), 'not a cursor from this API');

/** base64url (no padding) of the UTF-8 JSON of `value`; the same bytes `Buffer#toString('base64url')` gives. */
export function encodeCursorToken(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The JSON value inside a token, or `undefined` when it is not base64url of UTF-8 JSON. */
export function decodeCursorToken(token: string): unknown {
  if (!tokenPattern.test(token) || token.length % 4 === 1) return undefined;
  try {
    const binary = atob(token.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}
