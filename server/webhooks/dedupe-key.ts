import { createHash } from 'node:crypto';
import type { SessionEvent } from '../vendors/didit/didit-schemas.ts';

/**
 * What makes two deliveries the same event. Not `event_id`: Didit may give each retry a new one
 * (docs/didit-contract.md §13). For session events: session, status, event timestamp and webhook type. Other types
 * (stored, not applied) have no session: their type, timestamp and body hash.
 */
export function dedupeKeyOf(
  envelope: { webhook_type: string; timestamp: number },
  session: SessionEvent | undefined,
  rawBody: Buffer,
): string {
  if (session) return ['s', session.session_id, session.status, String(session.timestamp), session.webhook_type].join('|');
  const hash = createHash('sha256').update(rawBody).digest('hex').slice(0, 32);
  return ['o', envelope.webhook_type, String(envelope.timestamp), hash].join('|');
}
