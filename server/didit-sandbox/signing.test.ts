import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, compareCodePoints, formatNumber, type JsonObject } from './canonical-json.ts';
import { hmacSha256Hex, signWebhook } from './signing.ts';

// docs/didit-contract.md (webhook signatures), worked example: secret demo_secret_Xy7; 88.0 in the payload and the non-ASCII "Zoë".
const workedExample: JsonObject = {
  webhook_type: 'status.updated',
  status: 'In Review',
  event_id: '5d1c7a0e-0000-4000-8000-000000000001',
  session_id: '7c0e9a52-0000-4000-8000-00000000abcd',
  timestamp: 1767225600,
  created_at: 1767225540,
  workflow_id: 'b1d2c3e4-0000-4000-8000-0000000000aa',
  vendor_data: 'user-42',
  metadata: { nickname: 'Zoë' },
  decision: {
    status: 'In Review',
    liveness_checks: [{ score: 88.0, node_id: 'feature_liveness' }],
    face_matches: [{ score: 61.5, node_id: 'feature_face_match' }],
  },
};

const workedExampleBody =
  '{"created_at":1767225540,"decision":{"face_matches":[{"node_id":"feature_face_match","score":61.5}],"liveness_checks":[{"node_id":"feature_liveness","score":88}],"status":"In Review"},"event_id":"5d1c7a0e-0000-4000-8000-000000000001","metadata":{"nickname":"Zo\\u00eb"},"session_id":"7c0e9a52-0000-4000-8000-00000000abcd","status":"In Review","timestamp":1767225600,"vendor_data":"user-42","webhook_type":"status.updated","workflow_id":"b1d2c3e4-0000-4000-8000-0000000000aa"}';

describe('the worked signature example of docs/didit-contract.md', () => {
  const signed = signWebhook(workedExample, 'demo_secret_Xy7');

  it('sends the body byte for byte: sorted keys, compact, \\u00eb escaped, 88.0 as 88', () => {
    expect(signed.body.toString('latin1')).toBe(workedExampleBody);
  });

  it('signs X-Signature over the ASCII body', () => {
    expect(signed.headers['X-Signature']).toBe('b0e708c69cfe46804e4bdba3dedccea9423927e866ea2515c544ab61f47139cf');
  });

  it('signs X-Signature-V2 over the canonical form with ë as literal UTF-8 (C3 AB)', () => {
    const literal = canonicalJson(workedExample, { asciiOnly: false });
    expect(Buffer.from(literal, 'utf8').includes(Buffer.from([0x5a, 0x6f, 0xc3, 0xab]))).toBe(true);
    expect(signed.headers['X-Signature-V2']).toBe('dfe1a5825a90dad6d5176c2789c6fdfe372499d4d880751850f7a2386c19e0d0');
  });

  it('signs X-Signature-Simple over timestamp:session_id:status:webhook_type', () => {
    expect(signed.headers['X-Signature-Simple']).toBe('b157cb095bf6f9f463c7b516e56a74b0b84ecd6deb21b2a5fac88b5ba87a58b7');
    expect(hmacSha256Hex('demo_secret_Xy7', '1767225600:7c0e9a52-0000-4000-8000-00000000abcd:In Review:status.updated')).toBe(
      signed.headers['X-Signature-Simple'],
    );
  });

  it('sends X-Timestamp, the Didit User-Agent and a JSON content type', () => {
    expect(signed.headers['X-Timestamp']).toBe('1767225600');
    expect(signed.headers['User-Agent']).toBe('DiditWebhook/2.0 +https://didit.me');
    expect(signed.headers['Content-Type']).toBe('application/json');
  });
});

interface VectorFile {
  secret: string;
  cases: Record<string, { body: string; signatures: { raw: string; v2: string; simple: string } }>;
}
const vectors = JSON.parse(
  readFileSync(new URL('./fixtures/didit-signature-vectors.json', import.meta.url), 'utf8'),
) as VectorFile;

describe("Didit's published signature fixtures", () => {
  it.each(Object.entries(vectors.cases))('reproduces %s body and all three signatures', (_name, vector) => {
    const payload = JSON.parse(vector.body) as JsonObject;
    const signed = signWebhook(payload, vectors.secret);
    expect(signed.body.toString('latin1')).toBe(vector.body);
    expect(signed.headers['X-Signature']).toBe(vector.signatures.raw);
    expect(signed.headers['X-Signature-V2']).toBe(vector.signatures.v2);
    expect(signed.headers['X-Signature-Simple']).toBe(vector.signatures.simple);
  });
});

describe('canonical JSON', () => {
  it('orders integer-like keys by code point, unlike JS property order', () => {
    const value: JsonObject = { wp: 1, '10': 'ten', '2': 'two', '9': 'nine', B: 0, a: 0 };
    expect(canonicalJson(value, { asciiOnly: true })).toBe('{"10":"ten","2":"two","9":"nine","B":0,"a":0,"wp":1}');
    expect(JSON.stringify(value)).not.toBe(canonicalJson(value, { asciiOnly: true }));
  });

  it('sorts astral keys after U+FFFF like Python (code points, not UTF-16 units)', () => {
    expect(['\u{1F600}', '\uFFFD'].sort(compareCodePoints)).toEqual(['\uFFFD', '\u{1F600}']);
  });

  it('keeps an empty object as {} and an empty array as []', () => {
    expect(canonicalJson({ a: {}, b: [] }, { asciiOnly: true })).toBe('{"a":{},"b":[]}');
  });

  it('escapes like Python: control characters, DEL and astral characters as lowercase \\u pairs', () => {
    const s = 'a"b\\c\n\t\u0001\u007f\u00e9\u{1F600}';
    expect(canonicalJson(s, { asciiOnly: true })).toBe('"a\\"b\\\\c\\n\\t\\u0001\\u007f\\u00e9\\ud83d\\ude00"');
    expect(canonicalJson(s, { asciiOnly: false })).toBe('"a\\"b\\\\c\\n\\t\\u0001\u007f\u00e9\u{1F600}"');
  });

  it('skips undefined members and prints null, booleans and nested arrays', () => {
    expect(canonicalJson({ z: undefined, y: [null, true, false, [1.5]] }, { asciiOnly: true })).toBe(
      '{"y":[null,true,false,[1.5]]}',
    );
  });

  it('formats numbers like Python repr after shorten_floats', () => {
    expect(formatNumber(95.0)).toBe('95');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(89.92)).toBe('89.92');
    expect(formatNumber(0.0001)).toBe('0.0001');
    expect(formatNumber(0.00001)).toBe('1e-05');
    expect(formatNumber(-1.5e-7)).toBe('-1.5e-07');
    expect(formatNumber(1e21)).toBe('1000000000000000000000');
    expect(() => formatNumber(Number.NaN)).toThrow(TypeError);
  });
});
