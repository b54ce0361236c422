import { z } from 'zod';

/**
 * The console's fetch wrapper. Every request is same-origin with cookies, sends the CSRF header
 * the server requires on state changes, and sends bodies as JSON. Errors arrive as
 * `{error: {code, message}}` and are thrown as `ApiError`. A 401 means the session has ended:
 * the browser goes through sign-in and comes back to the page it was on (unless the caller
 * handles 401 itself, as the app shell does to show the sign-in page). Once the browser is on its
 * way out (signing out, or already sent to sign-in), later 401s leave it alone: a poll cut short
 * by the sign-out must not send it back through sign-in ahead of the IdP's end-session page.
 */

export const csrfHeaders = { 'X-Requested-With': 'review-console' } as const;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string().optional(), details: z.unknown().optional() }),
});

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** `throw`: let the caller handle 401 (default: go through sign-in and come back). */
  onUnauthenticated?: 'sign-in' | 'throw';
}

let leaving = false;

/** Marks the browser as leaving (or, with `false`, staying after all: the sign-out failed). */
export function setLeaving(value: boolean): void {
  leaving = value;
}

export function signInUrl(returnTo: string): string {
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}

export function currentPath(): string {
  return window.location.pathname + window.location.search;
}

export async function apiRequest<T>(
  method: string,
  path: string,
  schema: z.ZodType<T>,
  options: RequestOptions = {},
): Promise<T> {
  const response = await fetch(path, {
    method,
    signal: options.signal,
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      ...csrfHeaders,
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    if (response.status === 401 && (options.onUnauthenticated ?? 'sign-in') === 'sign-in' && !leaving) {
      leaving = true;
      window.location.assign(signInUrl(currentPath()));
    }
    const parsed = errorBodySchema.safeParse(json);
    if (parsed.success) {
      const { code, message, details } = parsed.data.error;
      throw new ApiError(response.status, code, message ?? response.statusText, details);
    }
    throw new ApiError(response.status, 'http_error', `${response.status} ${response.statusText}`);
  }
  return schema.parse(json);
}

export const apiGet = <T>(path: string, schema: z.ZodType<T>, options?: Omit<RequestOptions, 'body'>) =>
  apiRequest('GET', path, schema, options);

export const apiPost = <T>(path: string, body: unknown, schema: z.ZodType<T>, options?: Omit<RequestOptions, 'body'>) =>
  apiRequest('POST', path, schema, { ...options, body });
