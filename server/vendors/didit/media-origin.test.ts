import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { isAllowedMediaUrl, keepAllowedMedia, originForLog, parseMediaOrigin } from './media-origin.ts';

/** Media links are kept only on the configured origins, compared exactly (issue 15, finding 6). */
const origins = ['https://media.example.test', 'http://127.0.0.1:8090'];
const signedQuery = 'X-Amz-Date=20261129T000000Z&X-Amz-Expires=3600&X-Amz-Signature=' + 'f'.repeat(64);

describe('media links from Didit', () => {
  it('keeps a link whose scheme, host and port are a configured origin', () => {
    expect(isAllowedMediaUrl(`https://media.example.test/face/s1/reference.jpg?${signedQuery}`, origins)).toBe(true);
    expect(isAllowedMediaUrl('http://127.0.0.1:8090/media/face/s1.jpg', origins)).toBe(true);
    // The same origin as browsers serialise it: host case and the default port do not matter.
    expect(isAllowedMediaUrl('https://MEDIA.example.test:443/x.jpg', origins)).toBe(true);
  });

  it('refuses links that would make the reviewer’s browser call the console itself', () => {
    expect(isAllowedMediaUrl('/api/audit/export?format=csv', origins)).toBe(false);
    expect(isAllowedMediaUrl('//evil.example/x.jpg', origins)).toBe(false);
    expect(isAllowedMediaUrl('http://localhost:8080/api/audit/export', origins)).toBe(false);
  });

  it('refuses look-alike hosts, credentials, other ports and other schemes', () => {
    for (const url of [
      'https://media.example.test.evil.example/x.jpg',
      'https://media.example.testevil.example/x.jpg',
      'https://evil.example/media.example.test/x.jpg',
      'https://evil.example/?https://media.example.test/x.jpg',
      'https://media.example.test@evil.example/x.jpg',
      'https://user:pass@media.example.test/x.jpg',
      'https://media.example.test:8443/x.jpg',
      'http://media.example.test/x.jpg',
      'http://127.0.0.1:8091/media/x.jpg',
      'ftp://media.example.test/x.jpg',
      'javascript:alert(1)//https://media.example.test/',
      'data:image/png;base64,AAAA',
    ]) {
      expect(isAllowedMediaUrl(url, origins), url).toBe(false);
    }
  });

  it('refuses links the URL parser would have to repair first (backslashes, whitespace, control characters)', () => {
    for (const url of [
      'https://evil.example\\@media.example.test/x.jpg',
      'https://media.example.test\\.evil.example/x.jpg',
      ' https://media.example.test/x.jpg',
      'https://media.example.test/x.jpg\n',
      'https://media.exam\tple.test/x.jpg',
      'https://media.example.test/x\u0000.jpg',
    ]) {
      expect(isAllowedMediaUrl(url, origins), JSON.stringify(url)).toBe(false);
    }
  });

  it('names where a dropped link pointed by its origin only, never its path or signature', () => {
    expect(originForLog(`https://user:pw@evil.example/a/b.jpg?${signedQuery}`)).toBe('https://evil.example');
    expect(originForLog('/api/audit/export?format=csv')).toBe('(relative link)');
    expect(originForLog('javascript:alert(1)')).toBe('javascript:');
    expect(originForLog('not a url')).toBe('(not a URL)');
    const { media, rejected } = keepAllowedMedia(
      { selfie: `https://media.example.test/s.jpg?${signedQuery}`, portrait: `https://evil.example/p.jpg?${signedQuery}` },
      origins,
    );
    expect(media).toEqual({ selfie: `https://media.example.test/s.jpg?${signedQuery}` });
    expect(rejected).toEqual([{ role: 'portrait', origin: 'https://evil.example' }]);
  });
});

describe('DIDIT_MEDIA_ORIGINS', () => {
  it('takes origins only, normalised as browsers serialise them', () => {
    expect(parseMediaOrigin('https://Media.Example.test/', { allowHttp: false })).toEqual({
      origin: 'https://media.example.test',
    });
    expect(loadConfig({ DIDIT_MEDIA_ORIGINS: 'https://a.example/, https://b.example:8443' }).didit.mediaOrigins).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
    for (const bad of ['https://a.example/media', 'https://a.example/?x=1', 'https://user@a.example']) {
      expect(() => loadConfig({ DIDIT_MEDIA_ORIGINS: bad }), bad).toThrowError(/DIDIT_MEDIA_ORIGINS: .*origin only/);
    }
  });

  it('needs https in production; http is for a Didit sandbox outside production', () => {
    expect(loadConfig({ NODE_ENV: 'development', DIDIT_MEDIA_ORIGINS: 'http://127.0.0.1:8090' }).didit.mediaOrigins).toEqual([
      'http://127.0.0.1:8090',
    ]);
    expect(() => loadConfig({ NODE_ENV: 'production', DIDIT_MEDIA_ORIGINS: 'http://media.example.test' })).toThrowError(
      /DIDIT_MEDIA_ORIGINS: http:\/\/media\.example\.test must use https/,
    );
  });
});
