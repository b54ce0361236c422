import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diditCanonicalJson, pythonNumber } from './didit-canonical-json.ts';
import { signedDelivery } from '../../test/helpers/didit-events.ts';
import { verifyDiditWebhook, type WebhookSignatureHeaders } from './verify-signature.ts';

const hmac = (secret: string, message: string | Buffer) => createHmac('sha256', secret).update(message).digest('hex');

// A worked example (invented secret and payload), computed with Python and cross-checked in Node.
const worked = {
  secret: 'demo_secret_Xy7',
  body: '{"created_at":1767225540,"decision":{"face_matches":[{"node_id":"feature_face_match","score":61.5}],"liveness_checks":[{"node_id":"feature_liveness","score":88}],"status":"In Review"},"event_id":"5d1c7a0e-0000-4000-8000-000000000001","metadata":{"nickname":"Zo\\u00eb"},"session_id":"7c0e9a52-0000-4000-8000-00000000abcd","status":"In Review","timestamp":1767225600,"vendor_data":"user-42","webhook_type":"status.updated","workflow_id":"b1d2c3e4-0000-4000-8000-0000000000aa"}',
  timestamp: '1767225600',
  signature: 'b0e708c69cfe46804e4bdba3dedccea9423927e866ea2515c544ab61f47139cf',
  signatureV2: 'dfe1a5825a90dad6d5176c2789c6fdfe372499d4d880751850f7a2386c19e0d0',
  signatureSimple: 'b157cb095bf6f9f463c7b516e56a74b0b84ecd6deb21b2a5fac88b5ba87a58b7',
};
const workedNow = 1767225600;

function headersOf(partial: Partial<WebhookSignatureHeaders> = {}): WebhookSignatureHeaders {
  return {
    timestamp: worked.timestamp,
    signature: worked.signature,
    signatureV2: worked.signatureV2,
    signatureSimple: worked.signatureSimple,
    ...partial,
  };
}

const verifyWorked = (
  headers: WebhookSignatureHeaders,
  body = Buffer.from(worked.body),
  secrets = [worked.secret],
  now = workedNow,
) => verifyDiditWebhook(body, headers, { secrets, nowSeconds: now });

describe('Didit canonical JSON', () => {
  it('reproduces the worked example in both forms', () => {
    const payload: unknown = JSON.parse(worked.body);
    expect(diditCanonicalJson(payload, { asciiOnly: true })).toBe(worked.body);
    const literal = diditCanonicalJson(payload, { asciiOnly: false });
    expect(literal).toBe(worked.body.replace('Zo\\u00eb', 'Zoë'));
    expect(hmac(worked.secret, Buffer.from(literal, 'utf8'))).toBe(worked.signatureV2);
  });

  it("reproduces every case of Didit's published fixture set", () => {
    const fixtures = JSON.parse(
      readFileSync(new URL('../didit-sandbox/fixtures/didit-signature-vectors.json', import.meta.url), 'utf8'),
    ) as { secret: string; cases: Record<string, { body: string; signatures: { raw: string; v2: string } }> };
    const names = Object.keys(fixtures.cases);
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) {
      const fixture = fixtures.cases[name];
      if (!fixture) continue;
      const canonical = diditCanonicalJson(JSON.parse(fixture.body), { asciiOnly: false });
      expect(hmac(fixtures.secret, Buffer.from(canonical, 'utf8')), name).toBe(fixture.signatures.v2);
      expect(diditCanonicalJson(JSON.parse(fixture.body), { asciiOnly: true }), name).toBe(fixture.body);
    }
  });

  it('emits integer-like keys in code-point order, not JavaScript property order', () => {
    expect(diditCanonicalJson({ b: 1, '10': 2, '9': 3, a: 4, '2': 5 }, { asciiOnly: false })).toBe(
      '{"10":2,"2":5,"9":3,"a":4,"b":1}',
    );
  });

  it('sorts astral characters by code point as Python does', () => {
    // U+1F600 (surrogates D83D DE00) sorts after U+FF5E by code point, before it by UTF-16 unit.
    expect(diditCanonicalJson({ '\u{1F600}': 1, '\uFF5E': 2 }, { asciiOnly: false })).toBe('{"～":2,"😀":1}');
    expect(diditCanonicalJson({ '\u{1F600}': 1 }, { asciiOnly: true })).toBe('{"\\ud83d\\ude00":1}');
  });

  it('shortens whole floats and prints other numbers like Python repr', () => {
    expect(diditCanonicalJson(JSON.parse('{"a":95.0,"b":89.92,"c":-0.0}'), { asciiOnly: true })).toBe('{"a":95,"b":89.92,"c":0}');
    expect(pythonNumber(1e-5)).toBe('1e-05');
    expect(pythonNumber(1.5e-7)).toBe('1.5e-07');
    expect(pythonNumber(0.0001)).toBe('0.0001');
    expect(pythonNumber(1e21)).toBe('1000000000000000000000');
  });

  it('keeps empty objects and arrays and escapes controls like Python', () => {
    expect(diditCanonicalJson({ o: {}, a: [], s: 'tab\there "q" \\ \u0001 \u007f' }, { asciiOnly: true })).toBe(
      '{"a":[],"o":{},"s":"tab\\there \\"q\\" \\\\ \\u0001 \\u007f"}',
    );
  });
});

describe('webhook signature verification', () => {
  it('accepts the worked example by X-Signature-V2', () => {
    expect(verifyWorked(headersOf())).toMatchObject({ ok: true, variant: 'v2', timestamp: 1767225600 });
  });

  it('falls back to X-Signature over the raw bytes when V2 is absent', () => {
    expect(verifyWorked(headersOf({ signatureV2: undefined }))).toMatchObject({ ok: true, variant: 'v1' });
  });

  it('falls back to X-Signature when V2 does not verify', () => {
    expect(verifyWorked(headersOf({ signatureV2: '0'.repeat(64) }))).toMatchObject({ ok: true, variant: 'v1' });
  });

  it('verifies V2 when the body arrives with literal non-ASCII (re-encoded by a proxy)', () => {
    const reencoded = Buffer.from(worked.body.replace('Zo\\u00eb', 'Zoë'), 'utf8');
    expect(verifyWorked(headersOf({ signature: undefined }), reencoded)).toMatchObject({ ok: true, variant: 'v2' });
    // X-Signature alone cannot verify re-encoded bytes.
    expect(verifyWorked(headersOf({ signatureV2: undefined }), reencoded)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a body with one flipped byte', () => {
    const body = Buffer.from(worked.body);
    const index = body.indexOf('user-42') + 5;
    body[index] = (body[index] ?? 0) ^ 0x01;
    expect(verifyWorked(headersOf(), body)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects signatures made with another secret', () => {
    expect(verifyWorked(headersOf(), undefined, ['another_secret_entirely'])).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects truncated, empty and non-hex signature headers', () => {
    for (const bad of [worked.signatureV2.slice(0, 63), '', 'z'.repeat(64), `${worked.signatureV2}00`]) {
      expect(verifyWorked(headersOf({ signatureV2: bad, signature: bad }))).toMatchObject({ ok: false });
    }
  });

  it('never accepts X-Signature-Simple alone', () => {
    expect(verifyWorked(headersOf({ signature: undefined, signatureV2: undefined }))).toEqual({
      ok: false,
      reason: 'simple_signature_only',
    });
  });

  it('rejects a timestamp 301 s old or 301 s ahead, accepts 300 s, and says the refused delivery was authentic', () => {
    expect(verifyWorked(headersOf(), undefined, undefined, workedNow + 301)).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
      authentic: { variant: 'v2' },
    });
    expect(verifyWorked(headersOf(), undefined, undefined, workedNow - 301)).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyWorked(headersOf(), undefined, undefined, workedNow + 300)).toMatchObject({ ok: true });
    expect(verifyWorked(headersOf(), undefined, undefined, workedNow - 300)).toMatchObject({ ok: true });
  });

  it('takes the tolerance from the caller (DIDIT_WEBHOOK_TOLERANCE_SECONDS)', () => {
    const verify = (now: number) =>
      verifyDiditWebhook(Buffer.from(worked.body), headersOf(), {
        secrets: [worked.secret],
        nowSeconds: now,
        toleranceSeconds: 600,
      });
    expect(verify(workedNow + 600)).toMatchObject({ ok: true });
    expect(verify(workedNow + 601)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('does not call a stale delivery authentic when its signature does not verify', () => {
    const result = verifyWorked(
      headersOf({ signatureV2: 'ab'.repeat(32), signature: undefined }),
      undefined,
      undefined,
      workedNow + 900,
    );
    expect(result).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a missing or non-numeric X-Timestamp', () => {
    expect(verifyWorked(headersOf({ timestamp: undefined }))).toMatchObject({ ok: false, reason: 'missing_timestamp' });
    expect(verifyWorked(headersOf({ timestamp: '1767225600.5' }))).toMatchObject({ ok: false, reason: 'missing_timestamp' });
  });

  it('rejects a header timestamp that differs from the signed body timestamp', () => {
    expect(verifyWorked(headersOf({ timestamp: '1767225601' }))).toMatchObject({ ok: false, reason: 'timestamp_mismatch' });
  });

  it('accepts the previous secret during a rotation', () => {
    expect(verifyWorked(headersOf(), undefined, ['the_new_secret_after_rotation', worked.secret])).toMatchObject({ ok: true });
  });

  it('signs numeric-like keys and non-ASCII so that our verifier accepts them', () => {
    const payload = {
      timestamp: 1_000,
      session_id: 's',
      status: 'Approved',
      webhook_type: 'status.updated',
      metadata: { '10': 'x', '9': 'ü', b: 1.0 },
    };
    const signed = signedDelivery(payload, 'rotation-secret-1234');
    expect(signed.body.toString()).toBe(
      '{"metadata":{"10":"x","9":"\\u00fc","b":1},"session_id":"s","status":"Approved","timestamp":1000,"webhook_type":"status.updated"}',
    );
    const result = verifyDiditWebhook(
      signed.body,
      {
        timestamp: signed.headers['x-timestamp'],
        signature: undefined,
        signatureV2: signed.headers['x-signature-v2'],
        signatureSimple: undefined,
      },
      { secrets: ['rotation-secret-1234'], nowSeconds: 1_000 },
    );
    expect(result).toMatchObject({ ok: true, variant: 'v2' });
  });

  it('hands back an unparseable but correctly signed body for a 400', () => {
    const body = Buffer.from('{"timestamp": 1767225600,');
    const result = verifyDiditWebhook(
      body,
      { timestamp: '1767225600', signature: hmac(worked.secret, body), signatureV2: undefined, signatureSimple: undefined },
      { secrets: [worked.secret], nowSeconds: workedNow },
    );
    expect(result).toEqual({ ok: true, variant: 'v1', payload: undefined, timestamp: 1767225600 });
  });
});
