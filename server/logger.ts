import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/**
 * Paths that never reach a log line: credentials, cookies, and signed media URLs
 * (a presigned link to a selfie is biometric data for as long as it is valid).
 */
const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.url',
  '*.media',
];

export function createLogger(config: Pick<Config, 'log' | 'env'>): Logger {
  return pino({
    level: config.log.level,
    base: { service: 'review-console' },
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(config.log.pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } }
      : {}),
  });
}
