import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { originOf } from './request-origin.ts';

/** A request as far as `originOf` reads it: its address and its headers. */
function requestFrom(ip: string | undefined, headers: Record<string, string>): Request {
  return { ip, get: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
}

describe('originOf', () => {
  it('records the client address and user agent an audit entry names', () => {
    expect(originOf(requestFrom('198.51.100.7', { 'user-agent': 'Firefox/140' }))).toEqual({
      ip: '198.51.100.7',
      userAgent: 'Firefox/140',
    });
  });

  it('bounds the user agent a client chooses to 300 characters', () => {
    expect(originOf(requestFrom('198.51.100.7', { 'user-agent': 'x'.repeat(5_000) })).userAgent).toHaveLength(300);
  });

  it('leaves out what the request does not carry', () => {
    expect(originOf(requestFrom(undefined, {}))).toEqual({ ip: undefined, userAgent: undefined });
  });
});
