import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';

/**
 * A fixed-window limit per client IP (behind a proxy, `trust proxy` decides what `req.ip` is).
 * Per process: with N replicas the effective limit is N times higher, which is still a brake on
 * credential-stuffing the sign-in endpoints and on hammering the IdP through us.
 */
export function rateLimit(options: { limit: number; windowMs: number }): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = Date.now();
  return (req, res, next) => {
    const now = Date.now();
    if (now - lastSweep > options.windowMs) {
      for (const [key, window] of windows) if (now - window.start >= options.windowMs) windows.delete(key);
      lastSweep = now;
    }
    const key = req.ip ?? 'unknown';
    let window = windows.get(key);
    if (!window || now - window.start >= options.windowMs) {
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count++;
    res.setHeader('RateLimit-Limit', String(options.limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, options.limit - window.count)));
    if (window.count > options.limit) {
      const retryAfter = Math.ceil((window.start + options.windowMs - now) / 1000);
      res.setHeader('Retry-After', String(retryAfter));
      next(new AppError(429, 'rate_limited', `Too many requests; retry in ${retryAfter} s.`));
      return;
    }
    next();
  };
}
