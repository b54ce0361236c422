import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/client.ts';

/**
 * Retry a failed read once more only when trying again can help: network failures, 5xx, 408 and
 * 429. A 4xx (refused, not found, conflict) or an answer that does not parse stays failed and is
 * shown at once.
 */
export function retryTransient(failureCount: number, error: unknown): boolean {
  if (failureCount >= 2) return false;
  if (error instanceof ApiError) return error.status >= 500 || error.status === 408 || error.status === 429;
  return error instanceof TypeError; // fetch's "network error"
}

/**
 * The console's one cache of server state (ADR 0011). Reads are fresh for 30 s unless a query
 * says otherwise; stale ones refetch when the tab regains focus or the network comes back;
 * polling (`refetchInterval`) pauses while the tab is hidden.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, retry: retryTransient, refetchOnWindowFocus: true, refetchOnReconnect: true },
      // A write is never repeated behind the analyst's back.
      mutations: { retry: false },
    },
  });
}

export const queryClient = createQueryClient();
