/**
 * Presigned-style media links. They look like the S3 links Didit returns (docs/didit-contract.md (media)) and behave like
 * them: each carries its minting time, lifetime and an HMAC over both and the path, so an expired
 * or edited link answers 403 and the console must re-fetch the decision for fresh ones.
 */
import { randomBytes } from 'node:crypto';
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256Hex } from './signing.ts';

export type MediaCheck = 'ok' | 'expired' | 'invalid';

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function parseAmzDate(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
}

export class MediaSigner {
  private nonce = 0;

  constructor(
    private readonly baseUrl: () => string,
    public ttlSeconds: number,
    private readonly now: () => number,
    /** Signs the links; a fixed key keeps earlier links valid across restarts. Default: random per process. */
    private readonly secret: string = randomBytes(32).toString('hex'),
  ) {}

  /** A fresh link on every call (the security token differs even within one second). */
  mint(path: string): string {
    const now = this.now();
    const date = amzDate(now);
    const expires = String(this.ttlSeconds);
    const token = `sbx${(++this.nonce).toString(36)}`;
    const day = date.slice(0, 8);
    const params = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `SANDBOXMEDIA/${day}/eu-west-1/s3/aws4_request`,
      'X-Amz-Date': date,
      'X-Amz-Expires': expires,
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Security-Token': token,
    });
    params.set('X-Amz-Signature', this.sign(path, date, expires, token));
    return `${this.baseUrl()}/media/${path}?${params.toString()}`;
  }

  check(path: string, query: URLSearchParams): MediaCheck {
    const date = query.get('X-Amz-Date') ?? '';
    const expires = query.get('X-Amz-Expires') ?? '';
    const token = query.get('X-Amz-Security-Token') ?? '';
    const signature = query.get('X-Amz-Signature') ?? '';
    const expected = Buffer.from(this.sign(path, date, expires, token));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    const signedAt = parseAmzDate(date);
    if (signedAt === null || !/^\d+$/.test(expires)) return 'invalid';
    return this.now() > signedAt + Number(expires) * 1000 ? 'expired' : 'ok';
  }

  private sign(path: string, date: string, expires: string, token: string): string {
    return hmacSha256Hex(this.secret, `${path}\n${date}\n${expires}\n${token}`);
  }
}

/** S3's error document, since the media host is S3 rather than the DRF API. */
export function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
