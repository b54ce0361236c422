import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiTokenView, CreateTokenRequest } from '../../../server/contract/auth.ts';
import type { SessionDetail } from '../../../server/contract/review.ts';
import type { TokensApi } from '../components/tokens/tokens-api.ts';
import { listAudit } from './audit.ts';
import { getInsights } from './insights.ts';
import type { ReviewApi } from './review.ts';
import type { SyncApi } from './sync.ts';
import { getWorkflow, listWorkflows, syncWorkflows } from './thresholds.ts';

/**
 * Server state of the web app (ADR 0011): the query keys and the hooks that read and write
 * through the typed client. Keys name the resource, not the transport: pages that take an injected
 * API (tests hand in plain async functions) share the key with the HTTP one, and every test gets
 * its own cache.
 */
export const queryKeys = {
  syncStatus: ['sync', 'status'] as const,
  workflows: ['workflows'] as const,
  workflow: (id: string) => ['workflows', id] as const,
  /** `search`: the audit filters as URL search params, defaults omitted (so equal filters share a key). */
  audit: (search: string) => ['audit', search] as const,
  tokensAll: ['tokens'] as const,
  tokens: (includeRevoked: boolean) => ['tokens', { includeRevoked }] as const,
  /** `search`: the queue query as URL search params, defaults omitted. */
  queue: (search: string) => ['queue', search] as const,
  session: (id: string) => ['session', id] as const,
  reasons: ['reasons'] as const,
  /** `search`: the insights range and workflow as URL search params, defaults omitted. */
  insights: (search: string) => ['insights', search] as const,
};

/**
 * `GET /api/sync/status` now, then every `pollMs` while the tab is visible (0: no polling), and
 * again when the tab comes back or the network does. A failed refresh keeps the last status
 * (`data`) beside the `error`.
 */
export function useSyncStatus(api: SyncApi, pollMs = 10_000) {
  return useQuery({
    queryKey: queryKeys.syncStatus,
    queryFn: ({ signal }) => api.getStatus(signal),
    refetchInterval: pollMs > 0 ? pollMs : false,
    // Operational health: anything older than a few seconds is worth asking again on focus.
    staleTime: 5_000,
  });
}

/** The insights page for one range and workflow; the previous figures stay up while new ones load. */
export function useInsights(search: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.insights(search),
    queryFn: ({ signal }) => getInsights(search, signal),
    enabled,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  });
}

/** The workflows list; rarely changes, so it is trusted for a minute. */
export function useWorkflows() {
  return useQuery({
    queryKey: queryKeys.workflows,
    queryFn: async ({ signal }) => (await listWorkflows(signal)).items,
    staleTime: 60_000,
  });
}

/** "Refresh from Didit": the worker's sync, run now; the list and every workflow are read again after. */
export function useSyncWorkflows() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => syncWorkflows(),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.workflows }),
  });
}

/** One workflow; while a version is approved and on its way to Didit, read every 2 s (visible tabs only). */
export function useWorkflow(id: string) {
  return useQuery({
    queryKey: queryKeys.workflow(id),
    queryFn: ({ signal }) => getWorkflow(id, signal),
    staleTime: 15_000,
    refetchInterval: (query) => (query.state.data?.versions.some((v) => v.state === 'approved') ? 2_000 : false),
  });
}

/** The audit trail for one set of filters, newest first, one keyset page at a time ("Load more"). */
export function useAuditLog(search: string, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: queryKeys.audit(search),
    queryFn: ({ pageParam, signal }) => {
      const params = new URLSearchParams(search);
      if (pageParam) params.set('cursor', pageParam);
      return listAudit(params, signal);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    enabled,
    // The trail only grows; a minute-old view is fine, and a refetch re-reads every loaded page.
    staleTime: 60_000,
  });
}

export function useTokens(api: TokensApi, includeRevoked: boolean) {
  return useQuery({
    queryKey: queryKeys.tokens(includeRevoked),
    queryFn: ({ signal }) => api.list(includeRevoked, signal),
    // Ticking "Show revoked" keeps the current rows on screen until the longer list arrives.
    placeholderData: keepPreviousData,
  });
}

/** Token writes; both lists (live, with revoked) are read again afterwards. */
export function useTokenMutations(api: TokensApi) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: queryKeys.tokensAll });
  const create = useMutation({
    mutationFn: (body: CreateTokenRequest) => api.create(body),
    onSuccess: refresh,
  });
  const revoke = useMutation({
    mutationFn: (token: ApiTokenView) => api.revoke(token.id),
    onSuccess: refresh,
  });
  return { create, revoke };
}

/**
 * One session under review. Not refetched on focus or reconnect, and not kept once its page is
 * left: the analyst decides on what the page shows, and a change since then comes back as a 409
 * with the differences (ADR 0010), not as a silent re-render. Writes (claim, release, note,
 * decision, 409, retry push, the push poll) put the session they answer into the cache.
 */
export function useSessionDetail(
  api: ReviewApi,
  id: string,
  { initial, pushPollMs = 0 }: { initial?: SessionDetail | undefined; pushPollMs?: number } = {},
) {
  return useQuery({
    queryKey: queryKeys.session(id),
    queryFn: ({ signal }) => api.getSession(id, signal),
    initialData: initial,
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    // While Didit has not confirmed a decision, read it again so the push state moves on its own
    // (visible tabs only; a hidden tab catches up when shown).
    refetchInterval: (query) => (query.state.data?.pushState === 'pending' && pushPollMs > 0 ? pushPollMs : false),
  });
}

/** The approve/decline reason catalogue: configuration, read once per page load. */
export function useReasons(api: ReviewApi) {
  return useQuery({ queryKey: queryKeys.reasons, queryFn: () => api.getReasons(), staleTime: Infinity });
}

/**
 * One page of the review queue, read whenever the page opens or its filters change (never shown
 * from an older cache entry, see `useQueue`). `live` (the first page): read again every `pollMs`
 * while the tab is visible, and on focus or reconnect. A later page is not re-read behind the
 * analyst's back. `useQueue` decides how a fresh answer reaches the rows on screen.
 */
export function useQueuePage(
  api: ReviewApi,
  search: string,
  { live, pollMs, enabled = true }: { live: boolean; pollMs: number; enabled?: boolean },
) {
  return useQuery({
    queryKey: queryKeys.queue(search),
    queryFn: ({ signal }) => api.listQueue(search, signal),
    enabled,
    staleTime: 0,
    refetchOnMount: 'always',
    refetchOnWindowFocus: live,
    refetchOnReconnect: live,
    refetchInterval: live && pollMs > 0 ? pollMs : false,
  });
}
