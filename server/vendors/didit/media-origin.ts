/**
 * Which media links from Didit the console keeps. A decision's image and video links end up as
 * `src` attributes in a reviewer's browser, which sends the reviewer's cookies with them when they
 * point at the console itself. Whoever can get a decision to us (a signed webhook, a decision
 * read) must not be able to choose where that browser goes: only links on the configured media
 * origins (`DIDIT_MEDIA_ORIGINS`, plus the sandbox's own origin outside production) are kept.
 */

/** A media link that was not kept: its role and where it pointed (origin only, never the signed URL). */
export interface RejectedMedia {
  role: string;
  origin: string;
}

/**
 * Characters the WHATWG URL parser strips or rewrites before parsing (tab, newline, control
 * characters, spaces, backslashes). A signed S3 link never contains them raw; refusing them keeps
 * what we compare and what the browser loads the same string.
 */
// eslint-disable-next-line no-control-regex
const ambiguous = /[\u0000-\u0020\u007f\\]/;

/**
 * Parses one configured media origin: `https://host[:port]` (a trailing slash is tolerated), no
 * path, query, fragment or credentials. `http:` only where `allowHttp` (outside production, for the
 * Didit sandbox). Returns the origin as browsers serialise it, or an error message.
 */
export function parseMediaOrigin(value: string, { allowHttp }: { allowHttp: boolean }): { origin: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { error: `${value} is not a URL` };
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    return { error: `${url.origin} must use https${allowHttp ? ' (or http outside production)' : ''}` };
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || ambiguous.test(value)) {
    return { error: `${url.origin}: give the origin only (scheme, host and port), without a path, query or credentials` };
  }
  return { origin: url.origin };
}

/**
 * Whether a media link points at one of `origins`: an absolute http(s) URL whose origin (scheme,
 * host and port) equals one of them exactly. Relative links (they would resolve against the
 * console), credentials (`https://good@evil`), look-alike hosts (`https://good.example.evil.com`)
 * and anything the URL parser would have to repair are refused.
 */
export function isAllowedMediaUrl(url: string, origins: readonly string[]): boolean {
  if (ambiguous.test(url)) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  if (parsed.username || parsed.password) return false;
  return origins.includes(parsed.origin);
}

/** Where a link points, for logs: its origin (or scheme) only — the query carries the signature. */
export function originForLog(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? parsed.protocol : parsed.origin;
  } catch {
    return url.startsWith('/') ? '(relative link)' : '(not a URL)';
  }
}

/** The links of `media` that point at `origins`, and the roles that were dropped (with their origin). */
export function keepAllowedMedia<T extends { [K in keyof T]?: string }>(
  media: T,
  origins: readonly string[],
): { media: T; rejected: RejectedMedia[] } {
  const kept: Partial<Record<keyof T, string>> = {};
  const rejected: RejectedMedia[] = [];
  for (const role of Object.keys(media) as Array<keyof T & string>) {
    const url = media[role];
    if (url === undefined) continue;
    if (isAllowedMediaUrl(url, origins)) kept[role] = url;
    else rejected.push({ role, origin: originForLog(url) });
  }
  return { media: kept as T, rejected };
}
