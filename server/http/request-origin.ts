import type { Request } from 'express';

/** Where a request came from, as the audit log records it next to who acted. */
export interface RequestOrigin {
  /** The client address (behind a proxy, `trust proxy` decides what it is). */
  ip?: string;
  userAgent?: string;
}

/** The client chooses its User-Agent and the audit log keeps it for good: bounded. */
const USER_AGENT_MAX_LENGTH = 300;

/** The origin of a request, for its audit entries: every route records it through here. */
export function originOf(req: Request): RequestOrigin {
  return { ip: req.ip, userAgent: req.get('user-agent')?.slice(0, USER_AGENT_MAX_LENGTH) };
}
