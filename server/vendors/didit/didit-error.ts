/** Stable codes for everything that can go wrong talking to Didit. */
export type DiditErrorCode =
  | 'not_configured'
  | 'timeout'
  | 'network'
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'bad_request'
  | 'server_error'
  | 'unexpected_status'
  | 'invalid_response';

const retryableCodes: ReadonlySet<DiditErrorCode> = new Set(['timeout', 'network', 'rate_limited', 'server_error']);

export class DiditApiError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: DiditErrorCode,
    message: string,
    readonly details: {
      operation?: string;
      status?: number;
      /** When Didit (or our own budget) says the call may be tried again. */
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'DiditApiError';
    this.retryable = retryableCodes.has(code);
  }

  get status(): number | undefined {
    return this.details.status;
  }
}

export function isDiditApiError(error: unknown): error is DiditApiError {
  return error instanceof DiditApiError;
}
