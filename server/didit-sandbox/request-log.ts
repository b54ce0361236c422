/**
 * The /v3 calls the sandbox received, for tests and fault-finding. A call is written down when it
 * arrives and completed when it is answered, so a client killed mid-request still leaves its
 * trace: the entry says it was `aborted` (the sandbox may still have acted on it).
 */
import type { NextFunction, Request, Response } from 'express';
import type { JsonValue } from './canonical-json.ts';

export interface RecordedRequest {
  id: number;
  /** When the call arrived. */
  at: string;
  method: string;
  /** Path with query string. */
  path: string;
  /**
   * Parsed JSON body, null until it has been read (or when there is none); strings over 4096
   * characters (portraits) become "<N characters>".
   */
  body: JsonValue;
  /** The status answered; null while the call is in progress and when it was aborted. */
  status: number | null;
  /** From arrival to the answer, or to the client going away; null while in progress. */
  duration_ms: number | null;
  /** The client went away before the answer was sent. */
  aborted: boolean;
}

export class RequestLog {
  private readonly entries: RecordedRequest[] = [];
  private lastId = 0;

  constructor(
    /** How many calls are kept, oldest dropped first. */
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** Writes down an arriving call and returns its entry, to be completed in place. */
  arrive(method: string, path: string): RecordedRequest {
    const entry: RecordedRequest = {
      id: ++this.lastId,
      at: new Date(this.now()).toISOString(),
      method,
      path,
      body: null,
      status: null,
      duration_ms: null,
      aborted: false,
    };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.shift();
    return entry;
  }

  /** Copies, oldest first: a caller's snapshot does not change as calls complete. */
  list(): RecordedRequest[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries.length = 0;
  }
}

/**
 * Middleware around the body parser: `arrival` goes before it, `body` after it. A call whose
 * body never parses keeps `body: null`.
 */
export function recordRequests(log: RequestLog) {
  const entries = new WeakMap<Request, RecordedRequest>();
  return {
    arrival: (req: Request, res: Response, next: NextFunction): void => {
      const started = performance.now();
      const entry = log.arrive(req.method, req.originalUrl);
      entries.set(req, entry);
      const elapsed = () => Math.round(performance.now() - started);
      res.on('finish', () => {
        entry.status = res.statusCode;
        entry.duration_ms = elapsed();
      });
      // 'close' follows 'finish' on an answered call; without it, the client went away first.
      res.on('close', () => {
        if (res.writableFinished) return;
        entry.aborted = true;
        entry.duration_ms = elapsed();
      });
      next();
    },
    body: (req: Request, _res: Response, next: NextFunction): void => {
      const entry = entries.get(req);
      if (entry) entry.body = summarise(req.body as JsonValue | undefined);
      next();
    },
  };
}

function summarise(value: JsonValue | undefined): JsonValue {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.length > 4096 ? `<${value.length} characters>` : value;
  if (Array.isArray(value)) return value.map((v: JsonValue) => summarise(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarise(v)]));
  }
  return value;
}
