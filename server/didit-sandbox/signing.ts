import { createHmac } from 'node:crypto';
import { canonicalJson, jsonText, type JsonObject } from './canonical-json.ts';

/** Lowercase hex HMAC-SHA256; the key is the secret's UTF-8 bytes, never decoded (docs/didit-contract.md (webhook signatures)). */
export function hmacSha256Hex(secret: string, message: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message).digest('hex');
}

export interface SignedWebhook {
  /** The exact bytes put on the wire (ASCII canonical form). */
  body: Buffer;
  headers: {
    'Content-Type': 'application/json';
    'User-Agent': string;
    'X-Timestamp': string;
    'X-Signature': string;
    'X-Signature-V2': string;
    'X-Signature-Simple': string;
  };
}

export const WEBHOOK_USER_AGENT = 'DiditWebhook/2.0 +https://didit.me';

/**
 * Builds the body and the three signatures of one webhook delivery. The payload must carry
 * `timestamp`, `session_id`, `status` and `webhook_type`, which the simple signature covers.
 */
export function signWebhook(payload: JsonObject, secret: string): SignedWebhook {
  const asciiBody = canonicalJson(payload, { asciiOnly: true });
  const literalBody = canonicalJson(payload, { asciiOnly: false });
  const timestamp = jsonText(payload['timestamp']);
  const simple = [timestamp, payload['session_id'], payload['status'], payload['webhook_type']].map(jsonText).join(':');
  return {
    body: Buffer.from(asciiBody, 'utf8'),
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': WEBHOOK_USER_AGENT,
      'X-Timestamp': timestamp,
      'X-Signature': hmacSha256Hex(secret, asciiBody),
      'X-Signature-V2': hmacSha256Hex(secret, Buffer.from(literalBody, 'utf8')),
      'X-Signature-Simple': hmacSha256Hex(secret, simple),
    },
  };
}
