import { isIPv6 } from 'node:net';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/**
 * Auditing of refused sign-ins without letting anonymous clients write the audit log at will.
 *
 * `/auth/callback` is reachable by anyone, and every refusal used to append a row to the
 * hash-chained, append-only, serialised audit log: 30 rows a minute per address (the auth rate
 * limit), kept forever. Now every refusal is counted in a metric (`console_login_failures_total`)
 * and logged, but the audit log gets at most two rows per address, kind and window:
 *
 * - the first refusal of a window, at once and with its reason (`details.count` 1), so an attack
 *   or a misconfiguration shows in the trail immediately;
 * - when the window has closed and more refusals followed, one summary (`details.count` N, the
 *   tally of reasons, the window's bounds). The sum of `details.count` is the number of refusals.
 *
 * Summaries are written by the next auth request after the window closes (no timer); a process
 * that stops first loses its open summaries, which the metric still counted. Addresses are grouped
 * by IPv4 address or IPv6 /64 (one host rarely has only one IPv6 address). At most `maxTracked`
 * windows are open; refusals from further addresses share one overflow window per kind, so the
 * number of rows per window is bounded whatever the number of addresses. Per process: N replicas
 * write up to N times as many rows.
 */

export type LoginFailureKind =
  /** The callback's `state` is unknown, expired or used: no sign-in of this browser was pending. */
  | 'state'
  /** The IdP answered the authorization request with an error (`access_denied`, ...). */
  | 'idp_error'
  /** The code exchange or the ID token failed a check (issuer, audience, nonce, PKCE, ...). */
  | 'oidc';

export interface LoginFailure {
  kind: LoginFailureKind;
  reason: string;
  ip: string | undefined;
  userAgent: string | undefined;
}

export interface FailedLoginAuditOptions {
  windowMs?: number;
  maxTracked?: number;
  /** Epoch ms; tests pass their own clock. */
  now?: () => number;
  /** Called for every refusal, audited or not (the metric). */
  onFailure?: (kind: LoginFailureKind) => void;
  logger?: Logger;
}

interface Window {
  kind: LoginFailureKind;
  address: string;
  start: number;
  last: number;
  /** Refusals after the first one of the window (not yet written). */
  more: number;
  reasons: Map<string, number>;
}

const maxReasonsPerWindow = 10;
const overflowAddress = 'other addresses';

export class FailedLoginAudit {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly options: FailedLoginAuditOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 10 * 60_000;
    this.maxTracked = options.maxTracked ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts one refusal; writes an audit row only when it opens a window. */
  async record(failure: LoginFailure): Promise<void> {
    this.options.onFailure?.(failure.kind);
    const now = this.now();
    await this.flushClosed();
    const reason = failure.reason.slice(0, 500);
    let address = addressGroup(failure.ip);
    let key = `${failure.kind} ${address}`;
    if (!this.windows.has(key) && this.windows.size >= this.maxTracked) {
      address = overflowAddress;
      key = `${failure.kind} ${address}`;
    }
    const open = this.windows.get(key);
    if (open) {
      open.more++;
      open.last = now;
      const tallied = open.reasons.get(reason);
      if (tallied !== undefined || open.reasons.size < maxReasonsPerWindow) open.reasons.set(reason, (tallied ?? 0) + 1);
      else open.reasons.set('(other reasons)', (open.reasons.get('(other reasons)') ?? 0) + 1);
      return;
    }
    // Registered before the write, so concurrent refusals from the same address join this window.
    this.windows.set(key, { kind: failure.kind, address, start: now, last: now, more: 0, reasons: new Map() });
    await appendAudit(this.db, {
      actor: null,
      action: 'auth.login_failed',
      ip: failure.ip,
      userAgent: failure.userAgent,
      // `window`: what later refusals from here are counted under until the summary.
      details: { reason, kind: failure.kind, count: 1, window: address },
    });
  }

  /** Writes the summary of every closed window that saw more than its first refusal, and forgets them. */
  async flushClosed(): Promise<void> {
    const now = this.now();
    const closed: Window[] = [];
    for (const [key, window] of this.windows) {
      if (now - window.start < this.windowMs) continue;
      this.windows.delete(key);
      if (window.more > 0) closed.push(window);
    }
    for (const window of closed) {
      try {
        await appendAudit(this.db, {
          actor: null,
          action: 'auth.login_failed',
          ip: window.address === overflowAddress ? undefined : window.address,
          details: {
            reason: `${window.more} more refused sign-in${window.more === 1 ? '' : 's'} from ${window.address} in this window`,
            kind: window.kind,
            count: window.more,
            reasons: Object.fromEntries(window.reasons),
            windowStart: new Date(window.start).toISOString(),
            lastAt: new Date(window.last).toISOString(),
          },
        });
      } catch (error) {
        this.options.logger?.error({ err: error, count: window.more }, 'could not audit a summary of refused sign-ins');
      }
    }
  }
}

/** The IPv4 address, or the /64 of an IPv6 address (`2001:db8:1:2::/64`). */
export function addressGroup(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')}::/64`;
}
