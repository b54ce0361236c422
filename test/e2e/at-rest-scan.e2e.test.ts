import { describe, expect, it } from 'vitest';
import { MediaSigner } from '../../server/didit-sandbox/media.ts';
import { linesWithValues, scanBytes, scanLog, scanRow, scanText } from './at-rest-scan.ts';

/**
 * The at-rest scan on planted data: what privacy-at-rest.e2e.test.ts finds nothing of, it would
 * find if it were there. (Named `.e2e.test.ts` to run with the browser tests it serves; no browser.)
 */
const jpegHeader = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const pngHeader = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

/** A link exactly as the sandbox mints them (Didit's S3-style presigned links). */
function sandboxLink(): string {
  const signer = new MediaSigner(
    () => 'http://127.0.0.1:40123',
    3600,
    () => Date.UTC(2025, 0, 2, 3, 4, 5),
  );
  return signer.mint('sessions/0f9d/selfie.jpg');
}

describe('the at-rest scan', () => {
  it('finds a JPEG header in a bytea column, by table and column', () => {
    const findings = scanRow('console:public.planted', { id: 1, picture: '\\xffd8ffe000104a464946' }, { picture: jpegHeader });
    expect(findings.map((f) => `${f.where} ${f.pattern}`)).toEqual(
      expect.arrayContaining(['console:public.planted.picture JPEG magic', 'console:public.planted.picture hex JPEG']),
    );
    expect(scanBytes(Buffer.concat([Buffer.from('prefix'), pngHeader]), 'b').map((f) => f.pattern)).toEqual(['PNG magic']);
  });

  it('finds base64 of a PNG and a JPEG data URL inside a jsonb document', () => {
    const doc = {
      images: { portrait: pngHeader.toString('base64'), selfie: `data:image/jpeg;base64,${jpegHeader.toString('base64')}` },
    };
    expect(pngHeader.toString('base64')).toMatch(/^iVBORw0KGgo/);
    const findings = scanRow('console:public.planted', { id: 2, doc });
    expect(findings.map((f) => `${f.where} ${f.pattern}`).sort()).toEqual([
      'console:public.planted.doc base64 JPEG',
      'console:public.planted.doc base64 PNG',
      'console:public.planted.doc data URL image',
    ]);
    expect(scanText(jpegHeader.toString('base64'), 'x').map((f) => f.pattern)).toEqual(['base64 JPEG']);
    expect(scanText(`"${jpegHeader.toString('base64url')}"`, 'x').map((f) => f.pattern)).toEqual(['base64url JPEG']);
  });

  it('finds a signed media link in a log line, and says which line', () => {
    const link = sandboxLink();
    const log = [
      '{"level":30,"msg":"console ready","url":"http://localhost:3000"}',
      JSON.stringify({ level: 30, msg: 'refreshed media', selfie: link }),
    ].join('\n');
    const findings = scanLog(log, 'console');
    expect(findings.map((f) => `${f.where} ${f.pattern}`)).toEqual([
      'console:2 media URL',
      'console:2 signed query parameter',
      'console:2 S3 presign field',
    ]);
    // Percent-encoded (say, inside a redirect's query string) it is still found.
    expect(scanLog(`next=${encodeURIComponent(link)}`).map((f) => f.pattern)).toContain('signed query parameter');
  });

  it('leaves Didit links in a database row alone (the console keeps them), but not in an export', () => {
    const link = sandboxLink();
    expect(scanRow('console:public.verification_session', { media: { selfie: link } })).toEqual([]);
    const csv = `id,at,action,details\n1,2025-01-02,session.media_viewed,"{""link"":""${link}""}"\n`;
    const patterns = scanText(csv, 'audit CSV', { signedLinks: true, origins: ['http://127.0.0.1:40123'] }).map((f) => f.pattern);
    expect(patterns).toEqual(expect.arrayContaining(['media URL', 'link to http://127.0.0.1:40123']));
    expect(scanText('x,http://127.0.0.1:40123/v3/session/abc/,y', 'csv', { origins: ['http://127.0.0.1:40123'] })).toHaveLength(
      1,
    );
  });

  it('does not mistake hashes, tokens and ordinary log lines for image data or signed links', () => {
    const ordinary = [
      '{"level":30,"service":"review-console","msg":"Didit sandbox started (embedded default)","didit":"http://127.0.0.1:40123"}',
      '{"level":40,"msg":"a webhook retried","err":{"type":"Error","message":"connect ECONNREFUSED 127.0.0.1:5432"}}',
      'a3f1ffd8ff00c2b7e9d0aa11223344556677889900aabbccddeeff0011223344',
      // Inside a longer base64 run the JPEG prefix is chance, not the start of a file.
      'v1.AbC_9j_4AAQSk.abc/9j/4AAQSk',
      '/auth/callback?code=abc&state=def&iss=http%3A%2F%2F127.0.0.1%3A4000',
      '/auth/logout?id_token_hint=eyJhbGciOi',
    ].join('\n');
    expect(scanLog(ordinary)).toEqual([]);
    expect(scanRow('t', { hash: 'a3f1ffd8ff00c2b7', token: 'rct_0AbC_9j_4AAQSkZJRg' })).toEqual([]);
  });

  it('names info lines that carry a demo user id, not debug lines or longer ids', () => {
    const log = [
      '{"level":30,"msg":"session created","vendorData":"user-0001"}',
      '{"level":20,"msg":"debug detail","vendorData":"user-0002"}',
      '{"level":30,"msg":"other","id":"user-00012"}',
      'plain text mentioning user-0003',
    ].join('\n');
    expect(linesWithValues(log, ['user-0001', 'user-0002', 'user-0003'], 30, 'console').map((f) => f.where)).toEqual([
      'console:1',
      'console:4',
    ]);
  });
});
