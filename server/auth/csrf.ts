import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';

/** The header the console's web client sends on every request; a cross-site form cannot set it. */
export const csrfHeader = 'x-requested-with';
export const csrfHeaderValue = 'review-console';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery defence for cookie-authenticated state changes: the request must
 * come from our own origin (`Origin`, or `Sec-Fetch-Site: same-origin` when a browser omits
 * Origin) and carry the custom header, which only same-origin script can add. Requests
 * authenticated by a bearer token are exempt: browsers never attach those on their own.
 */
export function csrfProtection(publicUrl: string): RequestHandler {
  const ourOrigin = new URL(publicUrl).origin;
  return (req, _res, next) => {
    if (safeMethods.has(req.method) || req.authMethod === 'token') {
      next();
      return;
    }
    const origin = req.get('origin');
    const fetchSite = req.get('sec-fetch-site');
    const sameOrigin = origin !== undefined ? origin === ourOrigin : fetchSite === 'same-origin';
    if (!sameOrigin || (fetchSite !== undefined && fetchSite !== 'same-origin')) {
      next(new AppError(403, 'csrf_rejected', 'Cross-site request refused.'));
      return;
    }
    if (req.get(csrfHeader) !== csrfHeaderValue) {
      next(new AppError(403, 'csrf_rejected', `Missing the ${csrfHeader} header the console sends with every request.`));
      return;
    }
    next();
  };
}

/** Request bodies are JSON only: a form or text/plain body (what a cross-site form can send) is refused. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!safeMethods.has(req.method) && hasBody && !req.is('application/json')) {
    next(new AppError(415, 'unsupported_media_type', 'Send the request body as application/json.'));
    return;
  }
  next();
};
