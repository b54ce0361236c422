import { redirect, useRouteLoaderData, type LoaderFunctionArgs } from 'react-router';
import type { CapabilityName, MeResponse } from '../../../../server/contract/auth.ts';
import { getMe } from '../../api/auth.ts';
import { ApiError } from '../../api/client.ts';

export const rootRouteId = 'root';

/** The app shell's loader: who is signed in, or off to the sign-in page (remembering where they were). */
export async function loadMe({ request }: LoaderFunctionArgs): Promise<MeResponse> {
  try {
    return await getMe(request.signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      const url = new URL(request.url);
      // react-router's convention: a loader throws the redirect Response.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw redirect(`/login?returnTo=${encodeURIComponent(url.pathname + url.search)}`);
    }
    throw error;
  }
}

export function useMe(): MeResponse {
  const me = useRouteLoaderData<typeof loadMe>(rootRouteId);
  if (!me) throw new Error('useMe() outside the signed-in app');
  return me;
}

/** Hiding is convenience: the server checks every capability again. */
export function useCan(capability: CapabilityName): boolean {
  return useMe().capabilities.includes(capability);
}
