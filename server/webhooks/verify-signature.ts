import { createHmac, timingSafeEqual } from 'node:crypto';
import { diditCanonicalJson } from './didit-canonical-json.ts';
import { nestsDeeperThan } from './storable-body.ts';

/**
 * Authenticates a Didit webhook delivery (docs/didit-contract.md §13): `X-Signature-V2` over
 * the canonical form of the parsed body, else `X-Signature` over the raw bytes, each tried with
 * every configured secret (rotation) and compared in constant time; then `X-Timestamp` within the
 * tolerance in both directions and equal to the signed body's `timestamp`. `X-Signature-Simple`
 * covers neither the decision nor the metadata, so it never authenticates a delivery on its own.
 */

export type SignatureVariant = 'v2' | 'v1';

export type RejectionReason =
  | 'missing_timestamp'
  | 'stale_timestamp'
  | 'missing_signature'
  | 'simple_signature_only'
  | 'bad_signature'
  | 'timestamp_mismatch';

export interface WebhookSignatureHeaders {
  timestamp: string | undefined;
  signature: string | undefined;
  signatureV2: string | undefined;
  signatureSimple: string | undefined;
}

export type VerificationResult =
  | {
      ok: true;
      variant: SignatureVariant;
      /** The parsed body; `undefined` when the signed bytes are not JSON (the caller answers 400). */
      payload: unknown;
      timestamp: number;
    }
  | {
      ok: false;
      reason: RejectionReason;
      /**
       * Set when the signature verifies but the delivery is refused anyway (its timestamp is
       * outside the window, missing, or differs from the signed body's): the bytes are Didit's,
       * so the caller keeps them and repairs the session instead of losing the event.
       */
      authentic?: { variant: SignatureVariant; payload: unknown };
    };

export interface VerifyOptions {
  secrets: readonly string[];
  nowSeconds: number;
  /** `DIDIT_WEBHOOK_TOLERANCE_SECONDS`; default 300. */
  toleranceSeconds?: number;
}

const hexDigest = /^[0-9a-f]{64}$/i;
const epochSeconds = /^\d{1,12}$/;

export function verifyDiditWebhook(
  rawBody: Buffer,
  headers: WebhookSignatureHeaders,
  { secrets, nowSeconds, toleranceSeconds = 300 }: VerifyOptions,
): VerificationResult {
  if (!headers.signatureV2 && !headers.signature) {
    return { ok: false, reason: headers.signatureSimple ? 'simple_signature_only' : 'missing_signature' };
  }

  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    payload = undefined;
  }

  // The signature first, the clock second: an authentic delivery refused for its timestamp is
  // still Didit's word about a session, and the caller must not lose it.
  let variant: SignatureVariant | undefined;
  if (headers.signatureV2 && payload !== undefined) {
    // Fast path: Didit's bytes are usually already the canonical form (sorted, compact, and the
    // same in both forms when the payload is ASCII). If the V2 signature verifies over the raw
    // bytes, those bytes are what Didit signed; only otherwise rebuild the canonical string.
    if (matchesAnySecret(rawBody, headers.signatureV2, secrets)) variant = 'v2';
    else {
      const canonical = canonicalOrUndefined(rawBody, payload);
      if (canonical !== undefined && matchesAnySecret(Buffer.from(canonical, 'utf8'), headers.signatureV2, secrets))
        variant = 'v2';
    }
  }
  if (!variant && headers.signature && matchesAnySecret(rawBody, headers.signature, secrets)) variant = 'v1';
  if (!variant) return { ok: false, reason: 'bad_signature' };
  const authentic = { variant, payload };

  const headerTimestamp = headers.timestamp?.trim();
  if (!headerTimestamp || !epochSeconds.test(headerTimestamp)) return { ok: false, reason: 'missing_timestamp', authentic };
  const timestamp = Number(headerTimestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale_timestamp', authentic };

  // The header is not signed; the body's timestamp is. They must agree, or an old signed body
  // could be replayed under a fresh header.
  if (payload !== undefined && typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
    const bodyTimestamp = (payload as Record<string, unknown>)['timestamp'];
    if (bodyTimestamp !== undefined && bodyTimestamp !== timestamp) return { ok: false, reason: 'timestamp_mismatch', authentic };
  }
  return { ok: true, variant, payload, timestamp };
}

/**
 * Python's encoder stops at its recursion limit (1000), so Didit cannot have signed the canonical
 * form of anything deeper; the serializer here recurses, so it is not asked to.
 */
const maxCanonicalDepth = 1000;

function canonicalOrUndefined(rawBody: Buffer, payload: unknown): string | undefined {
  if (nestsDeeperThan(rawBody, maxCanonicalDepth)) return undefined;
  try {
    return diditCanonicalJson(payload, { asciiOnly: false });
  } catch {
    return undefined;
  }
}

/** Tries every secret (no early exit on the first, so timing does not reveal which one matched). */
function matchesAnySecret(message: Buffer, signatureHex: string, secrets: readonly string[]): boolean {
  const given = signatureHex.trim();
  if (!hexDigest.test(given)) return false;
  const givenBytes = Buffer.from(given, 'hex');
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(message).digest();
    if (timingSafeEqual(expected, givenBytes)) matched = true;
  }
  return matched;
}
